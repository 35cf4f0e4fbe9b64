"""The client against an emulator standing for several models: catalogue, prices, seed and
caption sent through `**extra`."""

from __future__ import annotations

import io

import av
import numpy as np
import pytest
from test_against_emulator import emulated, engine, fake_time

from sora_notebook.protocol import estimate_cost

__all__ = ["emulated", "fake_time"]  # fixtures shared with test_against_emulator


def bottom_strip(data: io.BytesIO) -> np.ndarray:
    with av.open(data) as container:
        frame = next(container.decode(container.streams.video[0])).to_ndarray(format="gray")
    return frame[-60:].astype(np.int16)


async def test_the_catalogue_reaches_the_client_with_sizes_and_prices(emulated):
    models = {m.id: m for m in await emulated.models()}
    assert {"emu-amber", "emu-slate", "emu-noir"} <= set(models)
    assert "1792x1024" in models["emu-noir"].sizes and "1792x1024" not in models["emu-amber"].sizes
    prices = [estimate_cost(m, "1280x720", 8) for m in ("emu-amber", "emu-slate", "emu-noir")]
    assert prices == sorted(prices) and prices[0] == pytest.approx(0.40)


async def test_seed_and_caption_travel_as_extra_fields(emulated, tmp_path):
    size = "1280x720"
    jobs = [
        await emulated.create("a horse on a beach", model="emu-slate", size=size, seed=11),
        await emulated.create("a horse on a beach", model="emu-slate", size=size, seed=11),
        await emulated.create(
            "a horse on a beach", model="emu-slate", size=size, seed=11, caption=False
        ),
        await emulated.create("a horse on a beach", model="emu-slate", size=size),
    ]
    paths = []
    for i, job in enumerate(jobs):
        done = await emulated.wait(job.id, timeout=3600)
        assert done.model == "emu-slate"
        paths.append(await emulated.download(job.id, tmp_path / f"{i}.mp4"))
    data = [p.read_bytes() for p in paths]
    assert data[0] == data[1] and data[3] != data[0]  # same seed, same clip; no seed: its own
    captioned, blind = bottom_strip(io.BytesIO(data[0])), bottom_strip(io.BytesIO(data[2]))
    assert np.abs(captioned - blind).mean() > 1.0
    assert engine(emulated).jobs[jobs[2].id].render_spec.caption is False
