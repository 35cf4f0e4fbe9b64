"""The project's client against vLLM-Omni 0.30.0's real HTTP layer (engine faked): create
with an uploaded first frame, poll, download (and resume against real 206 answers), a failed
job, list/delete, models, and the server's own error envelopes."""

from __future__ import annotations

import io

import av
import httpx
import pytest
from PIL import Image

from sora_notebook.client import AsyncSoraClient
from sora_notebook.errors import APIError, ValidationError, VideoFailed

from .facts import FRAMES
from .facts import VLLM_OMNI_MODEL as MODEL

pytestmark = pytest.mark.thirdparty


def png(width: int = 64, height: int = 64) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (90, 140, 200)).save(out, format="PNG")
    return out.getvalue()


def _frames(path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


async def test_create_with_a_reference_poll_and_download(vllm_omni, vllm_backend, tmp_path):
    async with AsyncSoraClient(vllm_backend, poll_interval=0.1) as client:
        job = await client.create(
            "a paper boat", size="64x64", seconds=4, input_reference=png(), seed=7
        )
        assert job.status == "queued" and job.id.startswith("video_gen_")
        done = await client.wait(job, timeout=20)
        path = await client.download(done, tmp_path)
    assert _frames(path) == FRAMES  # the real encoder wrote what the engine yielded
    seen = next(s for s in vllm_omni.engine()["seen"] if s["request_id"] == job.id)
    assert seen["prompt"] == "a paper boat" and seen["image"] == [64, 64]
    assert (seen["width"], seen["height"], seen["seed"]) == (64, 64, 7)
    assert done.raw["num_frames"] == FRAMES and done.seconds == "4"


async def test_a_reference_by_url_reaches_the_engine(vllm_omni, vllm_backend):
    import base64

    url = "data:image/png;base64," + base64.b64encode(png(32, 32)).decode()
    async with AsyncSoraClient(vllm_backend, poll_interval=0.1) as client:
        job = await client.create("from a url", input_reference={"image_url": url})
        await client.wait(job, timeout=20)
    seen = next(s for s in vllm_omni.engine()["seen"] if s["request_id"] == job.id)
    assert seen["image"] == [32, 32]


async def test_resumed_download_against_real_206_answers(vllm_backend, tmp_path):
    async with AsyncSoraClient(vllm_backend, poll_interval=0.1) as client:
        done = await client.wait(await client.create("resume me", size="64x64"), timeout=20)
        whole = await client.download(done, tmp_path / "whole.mp4")
        data = whole.read_bytes()
        part = tmp_path / "part.mp4"
        part.with_name(part.name + ".part").write_bytes(data[:700])
        resumed = await client.download(done, part)
    assert resumed.read_bytes() == data
    url = f"{vllm_backend.base_url.rstrip('/')}/videos/{done.id}/content"
    answer = httpx.get(url, headers={"Range": "bytes=700-"})
    assert answer.status_code == 206 and answer.content == data[700:]


async def test_a_failed_job_is_data_then_raises(vllm_backend, tmp_path):
    async with AsyncSoraClient(vllm_backend, poll_interval=0.1) as client:
        job = await client.create("please fail")
        with pytest.raises(VideoFailed) as info:
            await client.wait(job, timeout=20)
        assert "CUDA out of memory" in info.value.video.error.message
        with pytest.raises(VideoFailed):
            await client.download(job.id, tmp_path)


async def test_missing_actions_are_refused_before_sending(vllm_omni, vllm_backend):
    caps = vllm_backend.capabilities
    async with AsyncSoraClient(vllm_backend) as client:
        before = len(vllm_omni.engine()["seen"])
        for action, call in (
            ("remix", lambda: client.remix("vid", "again")),
            ("edit", lambda: client.edit("vid", "again")),
            ("extend", lambda: client.extend("vid", "again", 4)),
        ):
            with pytest.raises(ValidationError, match=caps.reason(action)[:20]):
                await call()
        with pytest.raises(ValidationError):
            await client.create("two", outputs=2)
    assert len(vllm_omni.engine()["seen"]) == before


async def test_list_and_delete(vllm_omni, vllm_backend):
    async with AsyncSoraClient(vllm_backend, poll_interval=0.1) as client:
        made = [await client.create(f"clip {i}") for i in range(3)]
        listed = [v.id async for v in client.list(limit=2)]
        assert set(listed) >= {v.id for v in made}
        gone = await client.delete(made[0])  # still running: the engine is told to abort
        assert gone.deleted and gone.id == made[0].id
        with pytest.raises(APIError, match="Video not found"):
            await client.retrieve(made[0].id)
    assert made[0].id in vllm_omni.engine()["aborted"]


async def test_models(vllm_backend):
    async with AsyncSoraClient(vllm_backend) as client:
        assert [m.id for m in await client.models()] == [MODEL]


async def test_errors_keep_the_servers_words_and_field(vllm_backend):
    async with AsyncSoraClient(vllm_backend) as client:
        with pytest.raises(APIError) as info:
            await client.create("x", model="other/model")
        assert "Model mismatch" in str(info.value)
        with pytest.raises(APIError) as info:
            await client.create("x", seconds=4, fps=0)
        assert info.value.status_code == 400 and info.value.param == "body.fps"
