"""A studio abandoned mid-operation, then a new one on the same library: nothing lost,
nothing duplicated, no partial file. (A real SIGKILL is in test_kill.py.)"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable

import httpx
import pytest

from sora_notebook.client import AsyncSoraClient
from sora_notebook.studio import Studio
from sora_notebook.studio.runner import EXPIRED_MESSAGE

from .conftest import FAST, FakeTime, engine


class Hang(httpx.AsyncBaseTransport):
    """Passes requests through, except that a matching one hangs (before or after the
    server handled it) until the task is cancelled."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        match: Callable[[httpx.Request], bool],
        *,
        after: bool,
    ) -> None:
        self.inner, self.match, self.after = inner, match, after
        self.reached = asyncio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self.match(request):
            return await self.inner.handle_async_request(request)
        if self.after:
            await self.inner.handle_async_request(request)
        self.reached.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


def is_create(request: httpx.Request) -> bool:
    return request.method == "POST" and request.url.path.endswith("/videos")


def is_content(request: httpx.Request) -> bool:
    return request.url.path.endswith("/content")


async def abandon(studio: Studio, *tasks: asyncio.Task) -> None:
    """What a killed kernel leaves behind: tasks stopped mid-way, nothing tidied up."""
    for task in tasks:
        task.cancel()
    for task in tasks:
        with pytest.raises(asyncio.CancelledError):
            await task
    await studio.tracker.stop()


def hanging_studio(backend, root, match, *, after: bool) -> tuple[Studio, Hang]:
    hang = Hang(backend.transport(), match, after=after)
    client = AsyncSoraClient(backend, http_client=httpx.AsyncClient(transport=hang))
    return Studio(backend, root, client=client, max_rps=1000, poll=FAST), hang


def no_temp_files(studio: Studio) -> bool:
    media = studio.library.media_dir
    return not list((media / ".tmp").glob("*")) and not list(media.rglob("*.partial"))


@pytest.mark.parametrize("reached_server", [True, False], ids=["after-create", "before-create"])
async def test_kill_during_submit(emulator, make_studio, tmp_path, reached_server):
    backend = emulator(speed=200)
    first, hang = hanging_studio(backend, tmp_path / "lib", is_create, after=reached_server)
    submit = asyncio.create_task(first.submit("a kite over dunes", seconds=4))
    await hang.reached.wait()
    (pending,) = first.jobs()
    assert pending.status == "pending"  # recorded before the request went out
    await abandon(first, submit)
    assert engine(backend).created == (1 if reached_server else 0)

    second = make_studio(backend, tmp_path / "lib")
    done = await second.wait(pending.key)
    assert done.status == "completed" and done.has_video
    assert engine(backend).created == 1
    assert len(second.jobs()) == 1 and done.key == pending.key
    assert done.sha256 == engine(backend).media_sha256(done.video_id)


async def test_kill_during_polling(emulator, make_studio, tmp_path):
    backend = emulator(speed=20)
    first = make_studio(backend, tmp_path / "lib")
    jobs = [await first.submit(f"a slow river {i}") for i in range(3)]
    await abandon(first)
    assert all(not j.is_final for j in first.jobs())

    second = make_studio(backend, tmp_path / "lib")
    done = [await second.wait(j.key) for j in jobs]
    assert all(j.status == "completed" and j.has_video for j in done)
    assert engine(backend).created == 3 and len(second.jobs()) == 3


async def test_kill_during_download(emulator, make_studio, tmp_path):
    backend = emulator(speed=200)
    first, hang = hanging_studio(backend, tmp_path / "lib", is_content, after=False)
    job = await first.submit("a glass of water")
    await hang.reached.wait()
    await abandon(first)
    assert not first.get(job.key).has_video and no_temp_files(first)

    second = make_studio(backend, tmp_path / "lib")
    done = await second.wait(job.key)
    assert done.sha256 == engine(backend).media_sha256(done.video_id)
    assert engine(backend).created == 1 and no_temp_files(second)
    assert second.library.check() == "ok"


@pytest.fixture
def slow_time():
    return FakeTime(real=0.01)


async def test_local_media_outlives_the_servers_copy(emulator, make_studio, tmp_path, slow_time):
    backend = emulator(speed=5, clock=slow_time.clock, retention=100)
    kw = {"clock": slow_time.clock, "sleep": slow_time.sleep}
    first = make_studio(backend, tmp_path / "lib", **kw)
    job = await first.generate("a sandcastle")
    await first.aclose()
    slow_time.now += 10_000  # far past expires_at
    before = engine(backend).requests
    second = make_studio(backend, tmp_path / "lib", **kw)
    second.start()
    await asyncio.sleep(0.05)
    again = second.get(job.key)
    path = second.media_path(again)
    assert path is not None and hashlib.sha256(path.read_bytes()).hexdigest() == job.sha256
    assert not again.media_expired and engine(backend).requests == before
    assert await second.wait(job.key) == again


async def test_media_that_expired_before_it_was_saved(emulator, make_studio, tmp_path, slow_time):
    backend = emulator(speed=1, clock=slow_time.clock, retention=100)
    kw = {"clock": slow_time.clock, "sleep": slow_time.sleep}
    first = make_studio(backend, tmp_path / "lib", **kw)
    job = await first.submit("a melting snowman")
    await first.aclose()  # the kernel stops before the job completes
    engine(backend).wait_all_renders(timeout=60)
    slow_time.now += 10_000
    second = make_studio(backend, tmp_path / "lib", **kw)
    done = await second.wait(job.key)
    assert done.status == "completed" and done.media_expired and not done.has_video
    assert done.error_message == EXPIRED_MESSAGE and second.media_path(done) is None
