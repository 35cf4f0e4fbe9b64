"""Several named backends in one studio (issue 22): targets, fan-out quoted whole, each
job tracked, resumed, remixed and deleted through its own backend, and each key sent to
its own server only (a canary key per backend, checked on real sockets)."""

from __future__ import annotations

import json
import zipfile
from typing import Any

import httpx
import pytest
from live_server import LiveServer

from sora_notebook.client.backend import Backend
from sora_notebook.emulator import create_app
from sora_notebook.errors import BudgetExceeded, ValidationError
from sora_notebook.library import Library
from sora_notebook.studio import Studio
from sora_notebook.studio.lanes import parse_target
from sora_notebook.studio.polling import PollPolicy

FAST = PollPolicy(min_interval=0.05, max_interval=0.5, first_delay=0.05)


class KeyRecorder:
    """ASGI middleware: every Authorization header the server was sent."""

    def __init__(self, app: Any) -> None:
        self.app, self.seen = app, set()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            self.seen.add(headers.get(b"authorization", b"").decode())
        await self.app(scope, receive, send)


@pytest.fixture
def two_servers():
    """Two emulators on real sockets, each taking only its own (canary) key."""
    apps = [
        create_app(api_key=key, render="draft", speed=20, seed=n)
        for n, key in enumerate(("canary-key-a", "canary-key-b"))
    ]
    recorders = [KeyRecorder(app) for app in apps]
    servers = [LiveServer(r).start() for r in recorders]
    yield [
        (Backend.compatible(s.base_url, key), r.seen)
        for s, r, key in zip(servers, recorders, ("canary-key-a", "canary-key-b"), strict=True)
    ]
    for server, app in zip(servers, apps, strict=True):
        server.stop()
        app.state.emulator.close()


def studio_of(backends: dict[str, Backend], root: Any, **kw: Any) -> Studio:
    return Studio(backends, root, max_rps=1000.0, poll=FAST, coalesce=0.01, **kw)


async def test_a_fan_out_reaches_each_server_with_its_own_key_only(two_servers, tmp_path):
    (a, seen_a), (b, seen_b) = two_servers
    studio = studio_of({"a": a, "b": b}, tmp_path / "lib")
    try:
        jobs = await studio.fan_out("a lighthouse at dusk", ["a:sora-2", "b:sora-2-pro"])
        done = [await studio.wait(job, timeout=60) for job in jobs]
    finally:
        await studio.aclose()
    assert [studio.target_of(j) for j in done] == ["a:sora-2", "b:sora-2-pro"]
    assert [j.backend_url for j in done] == [a.base_url, b.base_url]
    assert [j.model for j in done] == ["sora-2", "sora-2-pro"]
    assert all(j.status == "completed" and j.media.get("video") for j in done)
    assert seen_a == {"Bearer canary-key-a"}
    assert seen_b == {"Bearer canary-key-b"}


async def test_a_remix_and_a_delete_go_to_the_server_that_made_the_job(two_servers, tmp_path):
    (a, seen_a), (b, _) = two_servers
    studio = studio_of({"a": a, "b": b}, tmp_path / "lib")
    try:
        parent = await studio.generate("a red kite", target="b", seconds=4, timeout=60)
        kid = await studio.wait(await studio.remix(parent, "a blue kite"), timeout=60)
        await studio.delete(kid)
    finally:
        await studio.aclose()
    assert kid.backend_url == b.base_url and kid.parent_key == parent.key
    assert seen_a == set()  # server a was never asked anything
    asked = httpx.get(
        f"{b.base_url}/videos/{kid.video_id}", headers={"authorization": "Bearer canary-key-b"}
    )
    assert asked.status_code == 404  # deleted on the server that made it


async def test_the_whole_fan_out_is_quoted_before_anything_is_sent(two_servers, tmp_path):
    (a, _), (b, _) = two_servers
    # sora-2 at $0.10/s: 4 s cost $0.40 per target; $1.00 covers two of three.
    studio = studio_of({"a": a, "b": b}, tmp_path / "lib", budget=1.0)
    targets = ["a:sora-2", "b:sora-2", "b:sora-2"]
    try:
        whole = studio.plan_fan_out("a harbour", targets, seconds=4)
        assert whole.cost == pytest.approx(1.2)
        assert [t.target for t in whole.targets] == targets
        assert list(whole.problems) == ["b:sora-2"]  # the third tips the budget
        assert not whole.ok and whole.targets[0].plan.ok
        assert "budget" in whole.problems["b:sora-2"]
        assert not whole.targets[0].plan.problems and whole.targets[0].seconds == "4"
        with pytest.raises(BudgetExceeded):
            await studio.fan_out("a harbour", targets, seconds=4)
        assert studio.jobs() == []
        ok = await studio.fan_out("a harbour", targets[:2], seconds=4)
    finally:
        await studio.aclose()
    assert len(ok) == 2
    assert Library(tmp_path / "lib").budget_left() == pytest.approx(0.2)


async def test_restart_mid_fan_out_finds_every_job_and_bills_it_once(two_servers, tmp_path):
    (a, _), (b, _) = two_servers
    first = studio_of({"a": a, "b": b}, tmp_path / "lib", budget=5.0)
    sent = await first.fan_out("a slow tide", ["a:sora-2", "b:sora-2"], seconds=8)
    await first.aclose()  # mid-flight: the jobs are still rendering
    again = studio_of({"a": a, "b": b}, tmp_path / "lib")
    try:
        done = [await again.wait(job.key, timeout=60) for job in sent]
        library = again.library
        billed = [library.get(j.key).billed for j in done]
        quotes = [j.cost for j in sent]
        spent = again.spend.total
    finally:
        await again.aclose()
    assert [j.status for j in done] == ["completed", "completed"]
    assert [j.video_id for j in done] == [j.video_id for j in sent]
    assert billed == quotes and spent == pytest.approx(sum(quotes))


async def test_one_emulator_stands_for_several_models(make_studio, emulator):
    studio = make_studio(emulator(speed=50))
    jobs = await studio.fan_out(
        "a fox", ["emulator:emu-amber", "emu-slate", ("emulator", "emu-noir")]
    )
    done = [await studio.wait(job, timeout=60) for job in jobs]
    assert [j.model for j in done] == ["emu-amber", "emu-slate", "emu-noir"]
    assert len({j.sha256 for j in done}) == 3


def test_targets_are_read_as_the_docs_say():
    names = ["emu", "lite"]
    assert parse_target("lite:veo-3", names) == ("lite", "veo-3")
    assert parse_target("lite", names) == ("lite", None)
    assert parse_target("vertex_ai/veo:preview", names) == ("emu", "vertex_ai/veo:preview")
    assert parse_target(("emu", "emu-amber"), names) == ("emu", "emu-amber")
    with pytest.raises(ValidationError, match=r"No backend named 'nope'.*add_backend"):
        parse_target(("nope", "x"), names)
    with pytest.raises(ValidationError, match="name:model"):
        parse_target(42, names)


async def test_two_backends_at_one_address_are_refused(tmp_path, emulator):
    with pytest.raises(ValidationError, match="one server"):
        Studio({"x": emulator(), "y": emulator()}, tmp_path / "lib")
    studio = Studio(emulator(), tmp_path / "lib2")
    try:
        with pytest.raises(ValidationError, match="without ':'"):
            studio.add_backend("bad:name", emulator())
        with pytest.raises(ValidationError, match="already a backend named"):
            studio.add_backend("emulator", emulator())
        unpriced = studio.plan_fan_out("x", ["emulator:emu-amber", "emulator:no-such-model"])
        assert unpriced.cost is None  # an unknown price is never counted as zero
        with pytest.raises(ValidationError, match="targets must be a list"):
            await studio.fan_out("x", "emulator:emu-amber")  # type: ignore[arg-type]
    finally:
        await studio.aclose()


STRENGTH = {"emu-amber": 0, "emu-slate": 1, "emu-noir": 2}


async def test_duels_pair_models_on_one_prompt_and_rank_the_targets(make_studio, emulator):
    studio = make_studio(emulator(speed=50, caption=False))
    targets = ["emulator:emu-amber", "emulator:emu-slate", "emulator:emu-noir"]
    jobs = []
    for prompt in ("a fox in snow", "a neon street"):
        jobs += await studio.fan_out(prompt, targets, seconds=4)
        jobs += await studio.variants(prompt, 2, model="emu-amber", seconds=4)
    done = [await studio.wait(job, timeout=60) for job in jobs]
    for _ in range(8):
        pair = studio.next_pair()
        assert pair is not None
        a, b = pair
        assert a.prompt == b.prompt and a.model != b.model  # never two of one model
        loser, winner = sorted(pair, key=lambda job: STRENGTH[job.model or ""])
        studio.prefer(winner, loser)
    board = studio.leaderboard()
    assert {s.model for s in board} == set(targets)
    assert board[0].model == "emulator:emu-noir" and board[-1].model == "emulator:emu-amber"
    assert all(s.cost_per_video is not None for s in board), board
    assert all(s.seconds_per_video is not None for s in board), board
    assert sum(s.videos for s in board) == len(done)
    assert studio.target_of(done[0]) == "emulator:emu-amber"


async def test_the_gallery_carries_the_leaderboard_by_model(make_studio, emulator, tmp_path):
    studio = make_studio(emulator(speed=50, caption=False))
    jobs = await studio.fan_out("a <b>fox</b>", ["emu-amber", "emu-noir"], seconds=4)
    done = [await studio.wait(job, timeout=60) for job in jobs]
    studio.prefer(done[1], done[0])
    html = studio.export(tmp_path / "arena.html", embed=False).read_text()
    models = html.split("<h2>Models</h2>")[1].split("</table>")[0]
    assert models.index("emulator:emu-noir") < models.index("emulator:emu-amber")
    assert "$1.00" in models and "$0.20" in models
    assert "<b>fox" not in html  # the prompt stays text


async def test_the_archive_carries_the_leaderboard_and_imports_as_before(
    make_studio, emulator, tmp_path
):
    from sora_notebook.export import import_archive

    studio = make_studio(emulator(speed=50, caption=False))
    jobs = await studio.fan_out("a fox", ["emu-amber", "emu-noir"], seconds=4)
    done = [await studio.wait(job, timeout=60) for job in jobs]
    studio.prefer(done[1], done[0])
    path = studio.export(tmp_path / "arena.zip")
    with zipfile.ZipFile(path) as zf:
        payload = json.loads(zf.read("studio.json"))
    assert [m["model"] for m in payload["models"]] == ["emulator:emu-noir", "emulator:emu-amber"]
    assert payload["models"][0]["wins"] == 1 and payload["models"][1]["cost_per_video"] == 0.2
    assert {j["backend_url"] for j in payload["jobs"]} == {studio.backend.base_url}
    with Library(tmp_path / "elsewhere") as other:
        assert import_archive(other, path) == 2
