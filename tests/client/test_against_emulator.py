"""The client against the real emulator, in-process (ASGI), on a fake clock."""

from __future__ import annotations

import hashlib

import pytest
from client_fakes import ThreadedTime

from sora_notebook.client import AsyncSoraClient
from sora_notebook.client.backend import Backend
from sora_notebook.errors import AuthenticationError, NotFoundError, NotReadyError, VideoFailed


@pytest.fixture
def fake_time() -> ThreadedTime:
    return ThreadedTime()


@pytest.fixture
async def emulated(fake_time):
    backend = Backend.emulator(clock=fake_time.clock, render="draft")
    async with AsyncSoraClient(
        backend,
        sleep=fake_time.sleep,
        clock=fake_time.clock,
        wall_clock=fake_time.clock,
        random=lambda: 0.0,
    ) as client:
        yield client


def engine(client: AsyncSoraClient):
    return client.backend.app.state.emulator


async def test_create_poll_download_a_real_mp4(emulated, tmp_path):
    job = await emulated.create("a paper boat on a calm lake", seconds=4)
    assert job.status in {"queued", "in_progress"} and job.prompt.startswith("a paper boat")
    with pytest.raises(NotReadyError):
        await emulated.download(job.id, tmp_path / "early.mp4")
    statuses = [v.status async for v in emulated.poll(job.id, timeout=3600)]
    assert statuses[-1] == "completed"
    done: list[int] = []
    path = await emulated.download(
        job.id, tmp_path / "boat.mp4", on_progress=lambda d, t: done.append(d)
    )
    data = path.read_bytes()
    assert data[4:8] == b"ftyp" and done[-1] == len(data)
    assert hashlib.sha256(data).hexdigest() == engine(emulated).media_sha256(job.id)
    thumb = await emulated.download(job.id, tmp_path / "boat.webp", variant="thumbnail")
    assert thumb.read_bytes()[8:12] == b"WEBP"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["boat.mp4", "boat.webp"]


async def test_remix_list_delete(emulated):
    first = await emulated.create("a red kite over dunes")
    await emulated.wait(first.id, timeout=3600)
    remix = await emulated.remix(first.id, "a red kite over dunes at night")
    assert remix.remixed_from_video_id == first.id
    for i in range(3):
        await emulated.create(f"clip {i}")
    ids = [v.id async for v in emulated.list(limit=2)]
    assert len(ids) == len(set(ids)) == 5
    assert remix.id in ids and first.id in ids
    deleted = await emulated.delete(first.id)
    assert deleted.deleted and deleted.id == first.id
    with pytest.raises(NotFoundError):
        await emulated.retrieve(first.id)
    with pytest.raises(NotFoundError):
        await emulated.retrieve("video_does_not_exist")


async def test_moderated_job_is_data_then_raises_on_wait(emulated):
    job = await emulated.create("a portrait of a celebrity")
    last = [v async for v in emulated.poll(job.id, timeout=3600)][-1]
    assert last.is_failed and last.error.code == "moderation_blocked"
    with pytest.raises(VideoFailed, match="Rephrase"):
        await emulated.wait(job.id)


@pytest.mark.parametrize("kind", ["429", "500", "503", "drop-before"])
async def test_faults_on_retrieve_are_retried(emulated, kind):
    job = await emulated.create("a lighthouse")
    # The fault header rides on one request through an injected hook on the http client.
    hooks = emulated._http.event_hooks
    sent: list[str] = []

    async def inject(request):
        if not sent:
            request.headers["x-emulator-fault"] = kind
        sent.append(request.method)

    hooks["request"] = [inject]
    assert (await emulated.retrieve(job.id)).id == job.id
    assert len(sent) == 2


@pytest.mark.parametrize("kind", ["drop-after", "truncate", "500", "drop-before", "429"])
async def test_a_faulted_create_is_never_billed_twice(emulated, kind):
    sent: list[str] = []

    async def inject(request):
        if request.method == "POST" and "x" not in sent:
            sent.append("x")
            request.headers["x-emulator-fault"] = kind

    emulated._http.event_hooks["request"] = [inject]
    job = await emulated.create("a lantern in the fog", seconds=4)
    assert job.prompt == "a lantern in the fog"
    assert engine(emulated).created == 1


async def test_wrong_key_is_an_authentication_error_without_the_key(fake_time):
    backend = Backend.emulator(clock=fake_time.clock, render="draft", api_key="sk-right-1234")
    wrong = Backend(
        name="emulator",
        base_url=backend.base_url,
        label="Emulator",
        app=backend.app,
        _api_key="sk-wrong-SECRET-5678",
    )
    async with AsyncSoraClient(wrong, sleep=fake_time.sleep) as client:
        with pytest.raises(AuthenticationError) as info:
            await client.retrieve("video_1")
    assert "sk-wrong-SECRET-5678" not in str(info.value)
    assert "sk-wrong-SECRET-5678" not in repr(info.value.body)


@pytest.mark.parametrize("kind", ["truncate", "drop-after", "500"])
async def test_a_faulted_download_is_resumed_or_retried(emulated, tmp_path, kind):
    job = await emulated.create("a windmill at dusk")
    await emulated.wait(job.id, timeout=3600)
    sent: list[str | None] = []

    async def inject(request):
        sent.append(request.headers.get("range"))
        if len(sent) == 1:
            request.headers["x-emulator-fault"] = kind

    emulated._http.event_hooks["request"] = [inject]
    path = await emulated.download(job.id, tmp_path / "w.mp4")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert digest == engine(emulated).media_sha256(job.id)
    assert len(sent) == 2
    if kind == "truncate":
        assert sent[1] is not None and sent[1].startswith("bytes=")


async def test_video_objects_work_where_ids_do_and_a_new_folder_holds_every_variant(
    emulated, tmp_path
):
    job = await emulated.create("a lantern on a pier")
    done = await emulated.wait(job, timeout=3600)
    assert (await emulated.retrieve(done)).id == job.id
    folder = tmp_path / "not-yet-made"
    video = await emulated.download(done, folder)
    thumb = await emulated.download(done, folder, variant="thumbnail")
    assert (video.parent, thumb.parent) == (folder, folder)
    assert (video.name, thumb.name) == (f"{job.id}.mp4", f"{job.id}.webp")
    assert video.read_bytes()[4:8] == b"ftyp" and thumb.read_bytes()[8:12] == b"WEBP"
    remix = await emulated.remix(done, "a lantern on a pier in fog")
    assert remix.remixed_from_video_id == job.id
    assert (await emulated.delete(remix)).id == remix.id
