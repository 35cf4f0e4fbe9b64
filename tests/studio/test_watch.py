"""A studio announces what another connection writes to its library (point 6, in one
process: a second `Library` on the same folder is another SQLite connection)."""

from __future__ import annotations

import asyncio

from sora_notebook.library import Library
from sora_notebook.protocol import Video


async def until(check, seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not seen in time")


async def test_other_writers_changes_are_announced(emulator, make_studio, tmp_path):
    root = tmp_path / "lib"
    studio = make_studio(emulator(), root)
    seen: list[tuple[str, str, str]] = []
    studio.subscribe(lambda batch: seen.extend((e.kind, e.job.key, e.job.status) for e in batch))
    studio.start()
    await asyncio.sleep(0.1)
    with Library(root) as other:
        job = other.add_submission(backend="elsewhere", prompt="written by another connection")
        await until(lambda: ("added", job.key, "pending") in seen)
        video = Video.from_dict({"id": "video_x", "status": "completed", "object": "video"})
        other.record_video(job.key, video)
        await until(lambda: ("updated", job.key, "completed") in seen)
        assert studio.get(job.key).status == "completed"
        other.remove(job.key)
        await until(lambda: ("removed", job.key, "deleted") in seen)
    assert studio._watch.seen >= 3
