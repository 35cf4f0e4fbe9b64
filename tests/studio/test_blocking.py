"""Sync helpers: in plain Python (no loop) and inside a running loop (as in a kernel)."""

from __future__ import annotations

import asyncio
import threading

from sora_notebook.studio import Studio, sync

from .conftest import FAST, engine


def test_sync_helpers_without_a_loop(emulator, tmp_path):
    backend = emulator(speed=200)
    result: dict[str, object] = {}

    def script() -> None:  # a plain Python script: no event loop anywhere
        studio = Studio(backend, tmp_path / "lib", max_rps=1000, poll=FAST)
        try:
            job = studio.generate_sync("a windmill")
            kid = studio.wait_sync(studio.remix_sync(job, "a windmill at night"))
            queued = studio.submit_sync("a third one")
            result["jobs"] = (job, kid, studio.wait_sync(queued))
            studio.run(studio.aclose())
        finally:
            sync.close_thread_loop()

    thread = threading.Thread(target=script)
    thread.start()
    thread.join(timeout=120)
    job, kid, third = result["jobs"]
    assert job.has_video and kid.has_video and third.has_video
    assert kid.parent_key == job.key and engine(backend).created == 3


async def test_sync_helpers_inside_a_running_loop(emulator, tmp_path):
    backend = emulator(speed=200)
    studio = Studio(backend, tmp_path / "lib", max_rps=1000, poll=FAST)
    assert studio.tracker.running  # started on the running loop, like in a kernel
    ticks = 0

    async def other_work() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(other_work())
    await asyncio.sleep(0)
    job = studio.generate_sync("a harbour at noon")  # blocks this cell, not the loop
    ticker.cancel()
    assert job.status == "completed" and job.has_video
    assert ticks > 1  # the loop kept serving other tasks meanwhile
    await studio.aclose()


def test_close_thread_loop_is_idempotent():
    assert sync.run_sync(asyncio.sleep(0, result=7)) == 7
    sync.close_thread_loop()
    sync.close_thread_loop()
    assert sync.run_sync(asyncio.sleep(0, result=8)) == 8
    sync.close_thread_loop()
