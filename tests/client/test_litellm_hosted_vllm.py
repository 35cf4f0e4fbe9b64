"""LiteLLM's `hosted_vllm` provider in front of vLLM-Omni, as the real code answers (seen in
tests/thirdparty/real_servers/test_litellm_vllm_omni.py): a failed job's status is LiteLLM's
own 500 embedding the job, and a remix would go to OpenAI's default host."""

from __future__ import annotations

import base64

import httpx
import pytest

from sora_notebook.client import AsyncSoraClient
from sora_notebook.client.backend import Backend
from sora_notebook.errors import ValidationError, VideoFailed

#: LiteLLM 1.108.7's answer to a failed vLLM-Omni job's status (the job abridged).
FAILED_STATUS = (
    "litellm.InternalServerError: InternalServerError: Hosted_vllmException - "
    '{"model":"Wan-AI/Wan2.2-T2V-A14B-Diffusers","id":"video_gen_1","object":"video",'
    '"status":"failed","error":{"code":500,"message":"CUDA out of memory"}}\n\n'
    "LiteLLM: model group 'wan-omni' failed with the error above. No fallback was attempted."
)


def litellm_id(provider: str) -> str:
    text = f"litellm:custom_llm_provider:{provider};model_id:wan-omni;video_id:video_gen_1"
    return "video_" + base64.b64encode(text.encode()).decode().rstrip("=")


async def test_a_failed_job_ends_failed_at_the_first_such_answer():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(500, json={"error": {"message": FAILED_STATUS, "code": "500"}})

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    backend = Backend.litellm("http://proxy.test:4000", "k")
    async with AsyncSoraClient(backend, http_client=http, poll_interval=0.01) as client:
        with pytest.raises(VideoFailed) as caught:
            await client.wait(litellm_id("hosted_vllm"), timeout=5)
    await http.aclose()
    assert caught.value.video.error.message == "The upstream job failed: CUDA out of memory"
    assert len(seen) == 1  # not ridden out as a transient 5xx


@pytest.mark.parametrize("kind", ["remix", "edit", "extend"])
async def test_deriving_a_hosted_vllm_job_is_refused_before_sending(kind):
    seen: list[httpx.Request] = []
    http = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: seen.append(r)))  # type: ignore[func-returns-value]
    backend = Backend.litellm("http://proxy.test:4000", "k")
    async with AsyncSoraClient(backend, http_client=http) as client:
        call = getattr(client, kind)
        with pytest.raises(ValidationError, match=f"hosted_vllm provider cannot {kind}"):
            await call(litellm_id("hosted_vllm"), "again", *([4] if kind == "extend" else []))
    await http.aclose()
    assert seen == []
    dialect = backend.dialect
    assert dialect.derive_refused("remix", litellm_id("openai")) is None  # OpenAI-shaped: sent
    assert dialect.derive_refused("remix", "video_plain") is None
