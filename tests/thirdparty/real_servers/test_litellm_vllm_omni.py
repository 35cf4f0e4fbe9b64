"""A real LiteLLM proxy (1.108.7, `hosted_vllm` provider) in front of vLLM-Omni 0.30.0's real
HTTP layer: what LiteLLM carries works end to end; what it cannot carry is refused before
sending with a reason naming LiteLLM; a failed upstream job ends failed with its reason."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from sora_notebook.client import AsyncSoraClient, Backend
from sora_notebook.errors import ValidationError, VideoFailed
from sora_notebook.studio import Studio
from sora_notebook.studio.polling import PollPolicy

from ..litellm_proxy import MASTER_KEY
from .conftest import HOSTED_GROUP
from .facts import FRAMES

pytestmark = [pytest.mark.thirdparty, pytest.mark.slow]  # a LiteLLM proxy: about 7 s to start

FAST = PollPolicy(min_interval=0.2, max_interval=0.4, first_delay=0.2)


def png(width: int = 64, height: int = 64) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (90, 140, 200)).save(out, format="PNG")
    return out.getvalue()


def backend(proxy) -> Backend:
    return Backend.litellm(proxy.base_url, MASTER_KEY)


def _seen(vllm_omni, prompt: str) -> dict:
    return next(s for s in vllm_omni.engine()["seen"] if s["prompt"] == prompt)


async def test_text_to_video_create_poll_download(litellm_vllm, vllm_omni, tmp_path):
    import av

    async with AsyncSoraClient(backend(litellm_vllm), poll_interval=0.2) as client:
        job = await client.create("through the proxy", model=HOSTED_GROUP, size="64x64")
        done = await client.wait(job, timeout=30)
        path = await client.download(done, tmp_path)
    with av.open(str(path)) as container:
        assert sum(1 for _ in container.decode(video=0)) == FRAMES
    assert _seen(vllm_omni, "through the proxy")["width"] == 64


async def test_image_to_video_by_upload_and_by_url(litellm_vllm, vllm_omni):
    url = "data:image/png;base64," + base64.b64encode(png(32, 32)).decode()
    async with AsyncSoraClient(backend(litellm_vllm), poll_interval=0.2) as client:
        uploaded = await client.create(
            "an uploaded frame", model=HOSTED_GROUP, input_reference=png()
        )
        by_url = await client.create(
            "a frame by url", model=HOSTED_GROUP, input_reference={"image_url": url}
        )
        await client.wait(uploaded, timeout=30)
        await client.wait(by_url, timeout=30)
    assert _seen(vllm_omni, "an uploaded frame")["image"] == [64, 64]
    assert _seen(vllm_omni, "a frame by url")["image"] == [32, 32]  # fetched and uploaded


async def test_a_failed_upstream_job_ends_with_its_reason(litellm_vllm):
    """vLLM-Omni answers a failed job's status with HTTP 500 + the job; LiteLLM turns that
    into its own 500 embedding the job (at once: the dialect asks it not to retry reads):
    the client ends the job failed at that first answer, with the job's words."""
    async with AsyncSoraClient(backend(litellm_vllm), poll_interval=0.2) as client:
        job = await client.create("this one will fail", model=HOSTED_GROUP)
        with pytest.raises(VideoFailed, match="CUDA out of memory") as caught:
            await client.wait(job, timeout=30)  # failed, not WaitTimeout
    assert (
        caught.value.video.error.message
        == "The upstream job failed: CUDA out of memory (fake engine)"
    )


async def test_what_litellm_cannot_carry_is_refused_before_sending(litellm_vllm, vllm_omni):
    async with AsyncSoraClient(backend(litellm_vllm), poll_interval=0.2) as client:
        done = await client.wait(await client.create("to derive", model=HOSTED_GROUP), timeout=30)
        before = len(vllm_omni.engine()["seen"])
        for call in (
            lambda: client.remix(done, "again"),  # LiteLLM would send it to api.openai.com
            lambda: client.edit(done, "again"),
            lambda: client.extend(done, "again", 4),
            lambda: client.delete(done),
            lambda: client.cancel(done),
        ):
            with pytest.raises(ValidationError, match="LiteLLM"):
                await call()
        with pytest.raises(ValidationError, match="LiteLLM"):
            [v async for v in client.list()]
    assert len(vllm_omni.engine()["seen"]) == before


async def test_studio_generate_and_a_failed_job(litellm_vllm, tmp_path):
    async with Studio(backend(litellm_vllm), tmp_path / "lib", poll=FAST) as studio:
        job = await studio.generate("a studio clip", model=HOSTED_GROUP, timeout=30)
        assert job.status == "completed" and "thumbnail" in job.media
        with pytest.raises(ValidationError, match="hosted_vllm provider cannot remix"):
            await studio.remix(job, "at night")
        with pytest.raises(VideoFailed, match="CUDA out of memory"):  # not WaitTimeout
            await studio.generate("a studio fail", model=HOSTED_GROUP, timeout=30)
