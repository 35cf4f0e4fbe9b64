"""Two emulated models behind two model groups of a real LiteLLM proxy: each group's jobs
come back in its model's look, pace and price, through the project's client."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import av
import numpy as np
import pytest
from live_server import LiveServer

from sora_notebook.client import AsyncSoraClient, Backend
from sora_notebook.client.dialects.servers import litellm_parts
from sora_notebook.protocol import estimate_cost

from .litellm_proxy import MASTER_KEY, Proxy, write_config

pytestmark = pytest.mark.thirdparty
GROUPS = ("emu-amber", "emu-noir")


@pytest.fixture(scope="module")
def arena(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from sora_notebook.emulator import create_app

    folder = tmp_path_factory.mktemp("litellm-arena")
    emulator = create_app(speed=40, render="draft", caption=False)
    with LiveServer(emulator) as upstream:
        proxy = Proxy(write_config(folder, upstream.base_url, names=GROUPS), folder / "proxy.log")
        try:
            proxy.wait_ready()
            proxy.emulator = emulator
            yield proxy
        finally:
            proxy.stop()


def colourfulness(data: bytes) -> float:
    """Mean distance of the first frame's chroma from grey (0: black and white)."""
    with av.open(io.BytesIO(data)) as container:
        frame = next(container.decode(container.streams.video[0])).to_ndarray(format="yuv420p")
    h = frame.shape[0] * 2 // 3
    return float(np.abs(frame[h:].astype(float) - 128).mean())


async def test_two_model_groups_each_in_its_models_look(arena, tmp_path):
    engine = arena.emulator.state.emulator
    async with AsyncSoraClient(Backend.litellm(arena.base_url, MASTER_KEY), poll_interval=0.2) as c:
        assert {m.id for m in await c.models()} >= set(GROUPS)
        jobs = {
            model: await c.create("a fox in a meadow", model=model, size="1280x720", seconds=4)
            for model in GROUPS
        }
        looks = {}
        for model, job in jobs.items():
            done = await c.wait(job, timeout=90)
            assert done.is_completed
            path = await c.download(done, tmp_path / f"{model}.mp4")
            parts = litellm_parts(job.id)
            assert parts is not None
            upstream = engine.get(parts[2].removeprefix("video_id:"))
            assert upstream is not None and upstream.model == model
            looks[model] = (upstream, colourfulness(path.read_bytes()))
    (amber, amber_colour), (noir, noir_colour) = looks["emu-amber"], looks["emu-noir"]
    assert (amber.render_spec.grade, noir.render_spec.grade) == ("warm", "noir")
    assert not amber.render_spec.caption and not noir.render_spec.caption  # blind: no prompt
    assert noir_colour < amber_colour / 2  # muted, near grey, against warm gold
    assert noir.run_for > amber.run_for  # noir is the slower model
    assert estimate_cost("emu-amber", "1280x720", 4) == pytest.approx(0.20)
    assert estimate_cost("emu-noir", "1280x720", 4) == pytest.approx(1.00)


async def test_one_studio_fans_out_to_a_local_emulator_and_the_proxy(arena, tmp_path):
    """The arena flow in one studio with two named backends, one of them the real proxy:
    each target's job is made where it was sent, and each key reaches its own host only."""
    from dataclasses import replace

    from studio.test_several_backends import KeyRecorder

    from sora_notebook.studio import Studio

    local = Backend.emulator(speed=40, render="draft", caption=False, api_key="canary-local")
    recorder = KeyRecorder(local.app)
    backends = {
        "local": replace(local, app=recorder),
        "lite": Backend.litellm(arena.base_url, MASTER_KEY),
    }
    targets = ["local:emu-slate", "lite:emu-amber", "lite:emu-noir"]
    studio = Studio(backends, tmp_path / "lib", budget=10.0, max_rps=100.0)
    try:
        whole = studio.plan_fan_out("a heron at dawn", targets, size="1280x720", seconds=4)
        assert whole.ok and whole.cost == pytest.approx(0.48 + 0.20 + 1.00)
        jobs = await studio.fan_out("a heron at dawn", targets, size="1280x720", seconds=4)
        done = [await studio.wait(job, timeout=120) for job in jobs]
        a, b = studio.next_pair()
        for winner, loser in ((done[2], done[0]), (done[2], done[1]), (done[1], done[0])):
            studio.prefer(winner, loser)
        board = studio.leaderboard()
    finally:
        await studio.aclose()
        local.app.state.emulator.close()
    assert [studio.target_of(j) for j in done] == targets
    assert [j.model for j in done] == ["emu-slate", "emu-amber", "emu-noir"]
    assert all(j.status == "completed" and j.media.get("video") for j in done)
    assert a.model != b.model and a.prompt == b.prompt
    assert [s.model for s in board] == ["lite:emu-noir", "lite:emu-amber", "local:emu-slate"]
    assert recorder.seen == {"Bearer canary-local"}  # the proxy's key never went local
