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
