"""Chaos soak: 100 jobs against the emulator with about 20% of requests faulted."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest

from sora_notebook.emulator.faults import KINDS, FaultPlan
from sora_notebook.studio.polling import PollPolicy

from .conftest import engine

pytestmark = pytest.mark.slow


@dataclass
class CountingPlan(FaultPlan):
    """The seeded plan, counting the faults it deals."""

    dealt: Counter[str] = field(default_factory=Counter)

    def draw(self) -> str | None:
        kind = super().draw()
        if kind is not None:
            self.dealt[kind] += 1
        return kind


async def short_sleep(seconds: float) -> None:
    """Retry and Retry-After waits cut to 50 ms of real time, so the soak stays fast
    (the schedules themselves are tested on fake clocks)."""
    await asyncio.sleep(min(seconds, 0.05))


PROMPTS = ("a red kite", "a blue boat", "a green hill", "a yellow sun")


async def test_hundred_jobs_under_faults(emulator, make_studio, tmp_path):
    plan = CountingPlan(rate=0.2, kinds=KINDS, seed=1, slow_seconds=0.05)
    backend = emulator(speed=100, faults=plan)
    studio = make_studio(
        backend,
        tmp_path / "chaos",
        max_rps=500,
        poll=PollPolicy(min_interval=0.05, max_interval=0.3, first_delay=0.05),
        sleep=short_sleep,
    )
    started = time.monotonic()
    submitted = await asyncio.gather(
        *(studio.submit(PROMPTS[i % len(PROMPTS)], seconds=4) for i in range(100))
    )
    final = [await studio.wait(job.key, timeout=120) for job in submitted]
    elapsed = time.monotonic() - started

    emu = engine(backend)
    jobs = studio.jobs()
    assert len(jobs) == 100 and {j.key for j in jobs} == {j.key for j in submitted}
    assert all(j.status == "completed" and j.has_video for j in final)
    assert emu.created == 100
    assert len({j.video_id for j in jobs}) == 100
    for job in jobs:
        data = studio.media_path(job).read_bytes()
        assert hashlib.sha256(data).hexdigest() == job.sha256 == emu.media_sha256(job.video_id)
    assert studio.library.check() == "ok"
    assert set(plan.dealt) == set(KINDS)
    assert 0.1 < sum(plan.dealt.values()) / emu.requests < 0.3
    assert not list((studio.library.media_dir / ".tmp").glob("*"))
    print(
        f"\nchaos soak: {elapsed:.1f} s, {emu.requests} requests to the emulator "
        f"({emu.requests / 100:.1f} per job), studio sent {studio.runner.requests}"
    )
