"""The project's client against SGLang 0.5.23's real HTTP layer (scheduler faked): JSON and
multipart creates with a first frame, progress from the server's own progress socket,
download (and resume against real 206 answers), several outputs, a failed job, FastAPI's
`detail` errors, and a text-only model refused a first frame from `/v1/models`."""

from __future__ import annotations

import base64
import io

import av
import httpx
import pytest
from PIL import Image

from sora_notebook.client import AsyncSoraClient, Backend
from sora_notebook.errors import APIError, ValidationError, VideoFailed

from .conftest import KEY
from .facts import FRAMES, SGLANG_MODELS

pytestmark = pytest.mark.thirdparty


def png(width: int = 64, height: int = 64) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (90, 140, 200)).save(out, format="PNG")
    return out.getvalue()


def _frames(path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def _seen(server, video_id: str) -> dict:
    return next(s for s in server.engine()["seen"] if s["request_id"] == video_id)


async def test_create_with_a_reference_poll_and_download(sglang, sglang_backend, tmp_path):
    progress: list[int] = []
    async with AsyncSoraClient(sglang_backend, poll_interval=0.05) as client:
        job = await client.create("a paper boat", size="64x64", seconds=1, input_reference=png())
        assert job.status == "queued" and len(job.id) == 36  # a UUID4
        async for state in client.poll(job):
            progress.append(state.progress)
        done = state
        path = await client.download(done, tmp_path)
    assert done.status == "completed" and _frames(path) == FRAMES
    assert any(0 < p < 100 for p in progress)  # the real progress path moved it
    seen = _seen(sglang, job.id)
    assert seen["prompt"] == "a paper boat" and seen["image_path"]  # the upload was saved
    assert (seen["width"], seen["height"]) == (64, 64)


async def test_a_reference_by_data_url_reaches_the_scheduler(sglang, sglang_backend):
    url = "data:image/png;base64," + base64.b64encode(png(32, 32)).decode()
    async with AsyncSoraClient(sglang_backend, poll_interval=0.05) as client:
        job = await client.create("from a url", input_reference={"image_url": url})
        await client.wait(job, timeout=20)
    assert _seen(sglang, job.id)["image_path"]


async def test_resumed_download_against_real_206_answers(sglang_backend, tmp_path):
    async with AsyncSoraClient(sglang_backend, poll_interval=0.05) as client:
        done = await client.wait(await client.create("resume me", size="64x64"), timeout=20)
        whole = await client.download(done, tmp_path / "whole.mp4")
        data = whole.read_bytes()
        part = tmp_path / "part.mp4"
        part.with_name(part.name + ".part").write_bytes(data[:700])
        resumed = await client.download(done, part)
    assert resumed.read_bytes() == data
    url = f"{sglang_backend.base_url.rstrip('/')}/videos/{done.id}/content"
    answer = httpx.get(url, headers={"Range": "bytes=700-"})
    assert answer.status_code == 206 and answer.content == data[700:]


async def test_several_outputs_are_distinct_videos(sglang, sglang_backend, tmp_path):
    async with AsyncSoraClient(sglang_backend, poll_interval=0.05) as client:
        done = await client.wait(await client.create("three foxes", outputs=3), timeout=20)
        files = [
            (await client.download(done, tmp_path / f"{i}.mp4", index=i)).read_bytes()
            for i in range(3)
        ]
    assert len(set(files)) == 3 and _seen(sglang, done.id)["outputs"] == 3


async def test_a_failed_job_is_data_then_raises(sglang_backend, tmp_path):
    async with AsyncSoraClient(sglang_backend, poll_interval=0.05) as client:
        job = await client.create("please fail")
        with pytest.raises(VideoFailed) as info:
            await client.wait(job, timeout=20)
        assert "CUDA out of memory" in info.value.video.error.message


async def test_missing_actions_are_refused_before_sending(sglang, sglang_backend):
    caps = sglang_backend.capabilities
    async with AsyncSoraClient(sglang_backend) as client:
        before = len(sglang.engine()["seen"])
        for action, call in (
            ("remix", lambda: client.remix("vid", "again")),
            ("edit", lambda: client.edit("vid", "again")),
            ("extend", lambda: client.extend("vid", "again", 4)),
            ("cancel", lambda: client.cancel("vid")),
        ):
            with pytest.raises(ValidationError, match=caps.reason(action)[:20]):
                await call()
    assert len(sglang.engine()["seen"]) == before


async def test_list_and_delete(sglang_backend):
    async with AsyncSoraClient(sglang_backend, poll_interval=0.05) as client:
        made = [await client.create(f"clip {i}") for i in range(3)]
        listed = [v.id async for v in client.list(limit=2)]
        assert set(listed) >= {v.id for v in made}
        done = await client.wait(made[0], timeout=20)
        gone = await client.delete(done)
        assert gone.deleted and gone.id == made[0].id


async def test_fastapi_detail_errors_keep_the_servers_words(sglang_backend):
    async with AsyncSoraClient(sglang_backend) as client:
        with pytest.raises(APIError) as info:
            await client.create("x", num_inference_steps=0)
        assert info.value.status_code == 400
        assert "num_inference_steps must be positive" in info.value.message
        with pytest.raises(APIError) as info:
            await client.download("no-such-video", "/tmp/never.mp4")
        assert info.value.status_code == 404 and "not found" in info.value.message.lower()


async def test_models_tell_which_take_a_first_frame(sglang_backend, sglang_t2v, tmp_path):
    t2v = Backend.compatible(f"{sglang_t2v.root}/v1", KEY, dialect="sglang")
    async with AsyncSoraClient(sglang_backend) as client:
        (model,) = await client.models()
        assert model.id == SGLANG_MODELS["TI2V"] and model.image is True
    async with AsyncSoraClient(t2v, poll_interval=0.05) as client:
        (model,) = await client.models()
        assert model.id == SGLANG_MODELS["T2V"] and model.image is False
        done = await client.wait(await client.create("text only", size="64x64"), timeout=20)
        assert done.status == "completed"
        # sent anyway (the client does not plan), the server's own refusal is kept
        with pytest.raises(APIError, match="not supported for T2V"):
            await client.create("a fox", input_reference=png())
