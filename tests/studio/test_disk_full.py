"""A full disk during a download: the job says so and what to do, attempts are counted,
nothing partial is kept, and the download resumes once space is freed (point 5).

The disk is a real folder with a quota enforced by the file the client writes through
(`AsyncSoraClient(open_file=...)`): mounting a small tmpfs needs privileges CI may lack.
"""

from __future__ import annotations

import errno
import hashlib
from pathlib import Path

import pytest

from sora_notebook.client import AsyncSoraClient
from sora_notebook.errors import DiskFull

from .conftest import engine


class TinyDisk:
    """Files opened through it fail with ENOSPC past `free` bytes, as a full disk does."""

    def __init__(self, free: int) -> None:
        self.free = free
        self.refusals = 0

    def open(self, path: Path) -> QuotaFile:
        return QuotaFile(path.open("w+b"), self)


class QuotaFile:
    def __init__(self, fh, disk: TinyDisk) -> None:
        self.fh, self.disk = fh, disk

    def write(self, data: bytes) -> int:
        if self.fh.tell() + len(data) > self.disk.free:
            self.disk.refusals += 1
            raise OSError(errno.ENOSPC, "No space left on device")
        return self.fh.write(data)

    def __getattr__(self, name: str):
        return getattr(self.fh, name)


def leftovers(root: Path) -> list[Path]:
    media = root / "media"
    return [*(media / ".tmp").glob("*"), *media.rglob("*.partial"), *media.rglob("*.mp4")]


async def test_a_full_disk_is_reported_and_the_download_resumes_when_freed(
    emulator, make_studio, tmp_path
):
    backend = emulator(speed=50)
    disk = TinyDisk(free=1000)
    client = AsyncSoraClient(backend, open_file=disk.open)
    root = tmp_path / "lib"
    studio = make_studio(backend, root, client=client)
    job = await studio.submit("a fox on a full disk", seconds=4)

    with pytest.raises(DiskFull, match="Free some space"):
        await studio.wait(job, timeout=30)
    stuck = studio.get(job.key)
    assert stuck.status == "completed" and stuck.media == {} and stuck.sha256 is None
    assert "is full" in stuck.error_message and "Free some space" in stuck.error_message
    assert stuck.error_code == "disk_full"
    assert str(root) in stuck.error_message and "tried 1 time" in stuck.error_message
    assert studio.runner.state(job.key).disk_full_tries >= 1 and disk.refusals >= 1
    assert leftovers(root) == []

    while studio.runner.state(job.key).disk_full_tries < 3:  # it keeps trying, and counts
        with pytest.raises(DiskFull):
            await studio.wait(job, timeout=30)
        await _tick()
    assert "tried" in studio.get(job.key).error_message
    assert leftovers(root) == []

    disk.free = 1 << 30  # space freed: no restart, no call needed
    done = await studio.wait(job, timeout=30)
    path = studio.media_path(done)
    assert path is not None and done.error_message is None and done.error_code is None
    assert hashlib.sha256(path.read_bytes()).hexdigest() == done.sha256
    assert done.sha256 == engine(backend).media_sha256(done.video_id)
    await client.aclose()


async def _tick() -> None:
    import asyncio

    await asyncio.sleep(0.2)


async def test_a_disk_full_note_is_cleared_by_a_later_session(emulator, make_studio, tmp_path):
    backend = emulator(speed=50)
    root = tmp_path / "lib"
    full = AsyncSoraClient(backend, open_file=TinyDisk(free=100).open)
    first = make_studio(backend, root, client=full)
    job = await first.submit("saved by the next session", seconds=4)
    with pytest.raises(DiskFull):
        await first.wait(job, timeout=30)
    await first.aclose()
    await full.aclose()
    second = make_studio(backend, root)  # restarted with room on the disk
    done = await second.wait(job.key, timeout=30)
    assert second.media_path(done) is not None
    assert (done.error_message, done.error_code) == (None, None)
