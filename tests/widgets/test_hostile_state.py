"""The view's own hostile inputs (reliability review 2, F7, F11, F15): a forged widget
state changes nothing Python owns, a reference is fitted once per change rather than on
every flush, and a media batch checks its sizes before it reads a byte."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from PIL import Image

from sora_notebook.studio import fitting
from sora_notebook.widgets import player
from sora_notebook.widgets.player import MediaServer


def _png(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (9, 99, 199)).save(out, format="PNG")
    return out.getvalue()


async def test_a_forged_form_changes_nothing_and_the_view_goes_on(page):
    p = page()
    before = dict(p.view.form)
    p.view.set_state({"form": {}})  # what a hostile page's `update` message does
    assert p.view.form == before
    assert "Ignored form" in p.view.status["text"]
    p.view.flush()  # raised KeyError('mode') on every flush before
    reply = await p.ask("form", {"prompt": "a red fox"})
    assert reply["ok"], reply
    assert (await p.ask("mode", {"mode": "new"}))["ok"]


async def test_a_forged_variant_count_is_not_taken(page):
    p = page()
    p.view.set_state({"form": {**p.view.form, "n": 100}})
    assert p.view.form["n"] == 1


async def test_a_forged_duel_cannot_record_an_unshown_pair(page):
    p = page()
    a = await p.generate("a red fox")
    b = await p.generate("a blue fox")
    p.view.set_state({"duel": {"pair": [a, b], "round": 7, "ranking": []}})
    reply = await p.ask("prefer", {"choice": 1, "round": 7})
    assert not reply["ok"]
    assert p.view.studio.preferences() == []


async def test_the_reference_is_fitted_once_per_change(page, monkeypatch):
    opened: list[Any] = []
    real = fitting.open_image

    def counted(value: Any) -> Any:
        opened.append(value)
        return real(value)

    monkeypatch.setattr(fitting, "open_image", counted)
    p = page()
    p.view.set_reference(_png((1000, 700)), name="photo.png")
    first = len(opened)
    for _ in range(20):
        p.view.flush()  # every state flush re-plans the form
    assert len(opened) == first <= 2
    await p.ask("form", {"size": "1280x720"})  # a new size: fitted again, once
    assert len(opened) == first + 1


def test_a_batch_checks_sizes_before_reading(tmp_path: Path, monkeypatch):
    big = tmp_path / "video.mp4"
    with big.open("wb") as f:  # a sparse 40 MB file: two of them pass the batch limit
        f.truncate(40 * 1024 * 1024)
    reads: list[Path] = []
    real = Path.read_bytes

    def counted(self: Path) -> bytes:
        reads.append(self)
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", counted)
    jobs = {f"k{i}": object() for i in range(64)}
    server = MediaServer(jobs.get, lambda job, variant: big)  # type: ignore[arg-type,return-value]
    reply, buffers = server.batch([[f"k{i}", "video"] for i in range(64)])
    assert len(reads) == 1 and len(buffers) == 1  # 63 refused by size, unread
    refused = [item for item in reply["items"] if "error" in item]
    assert len(refused) == 63 and "ask again" in refused[0]["error"]
    assert 2 * big.stat().st_size > player.MAX_BATCH_BYTES


def test_a_repeated_item_shares_one_buffer_and_odd_items_are_refused(tmp_path: Path):
    small = tmp_path / "video.mp4"
    small.write_bytes(b"\x00" * 1000)
    server = MediaServer({"a": object()}.get, lambda job, variant: small)  # type: ignore[arg-type,return-value]
    reply, buffers = server.batch([["a", "video"], ["a", "video"], 7, ["a"], "ab"])
    items = reply["items"]
    assert len(buffers) == 1 and items[0]["buffer"] == items[1]["buffer"] == 0
    assert all("error" in item for item in items[2:])
    assert server.batch({"not": "a list"}) == ({"items": []}, [])
