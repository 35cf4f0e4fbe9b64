"""Every reason reaches the person: error bodies in each server's shape, refusals stated
in a 5xx, LiteLLM's failures read from its status answers, gateways' money."""

from __future__ import annotations

import httpx
import pytest

from sora_notebook.client import AsyncSoraClient
from sora_notebook.client.backend import Backend
from sora_notebook.client.dialects import DIALECTS
from sora_notebook.errors import (
    BadRequestError,
    NotFoundError,
    ServerError,
    SubmissionUnknown,
    UnprocessableEntityError,
    error_for_status,
)


@pytest.mark.parametrize(
    ("status", "body", "cls", "message", "param"),
    [
        # vLLM's envelope (vllm/entrypoints/serve/exception_handling/handlers/validation.py)
        (
            400,
            {"error": {"message": "Field required", "type": "Bad Request", "param": "body.fps"}},
            BadRequestError,
            "Field required",
            "body.fps",
        ),
        # SGLang's warm-up middleware and OpenRouter: `{"error": "text"}`
        (503, {"error": "scheduler died"}, ServerError, "scheduler died", None),
        # FastAPI's default handler (SGLang's HTTPException)
        (
            400,
            {"detail": "input_reference is not supported for T2V models."},
            BadRequestError,
            "input_reference is not supported for T2V models.",
            None,
        ),
        (404, {"detail": "Video variant 5 not found"}, NotFoundError, "Video variant 5", None),
        # FastAPI's query validation: a list of errors
        (
            422,
            {"detail": [{"loc": ["query", "order"], "msg": "Input should be 'asc' or 'desc'"}]},
            UnprocessableEntityError,
            "query.order: Input should be 'asc' or 'desc'",
            "query.order",
        ),
        (400, "plain words", BadRequestError, "plain words", None),
    ],
)
def test_every_error_body_shape_gives_its_message_and_field(status, body, cls, message, param):
    error = error_for_status(status, body)
    assert isinstance(error, cls)
    assert message in error.message and message in str(error)
    assert error.param == param


def _server(status: int, body: dict) -> tuple[httpx.AsyncClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, json=body)

    return httpx.AsyncClient(transport=httpx.MockTransport(handler)), seen


@pytest.mark.parametrize(
    "text",
    [
        # litellm/llms/gemini/videos/transformation.py:501 (NotImplementedError -> 500)
        "litellm.APIConnectionError: Video remix is not supported by Google Veo. "
        "Please use video_generation() to create new videos.",
        # litellm/llms/runwayml/videos/transformation.py:170
        "litellm.APIConnectionError: Object of type BytesIO is not JSON serializable",
    ],
)
async def test_a_5xx_create_that_states_a_refusal_is_a_refusal(text):
    http, seen = _server(500, {"error": {"message": text, "type": None, "code": "500"}})
    backend = Backend.litellm("http://proxy.test:4000", "k")
    async with AsyncSoraClient(backend, http_client=http, max_retries=2) as client:
        with pytest.raises(ServerError) as caught:
            await client.create("a kite", model="veo-3.1")
    await http.aclose()
    assert text in str(caught.value)
    assert [r.method for r in seen] == ["POST"]  # no lookup, no second send


async def test_a_lost_create_keeps_the_reason_and_the_advice_fits_the_backend():
    http, seen = _server(502, {"error": {"message": "upstream connect error"}})
    backend = Backend.litellm("http://proxy.test:4000", "k")
    async with AsyncSoraClient(backend, http_client=http, max_retries=0) as client:
        with pytest.raises(SubmissionUnknown) as caught:
            await client.create("a kite", model="veo-3.1")
    await http.aclose()
    text = str(caught.value)
    assert "upstream connect error" in text and "client.list()" not in text
    assert "no job list" in text and [r.method for r in seen] == ["POST"]
    assert "client.list()" in str(SubmissionUnknown("x"))


def test_litellm_status_words_and_failures_read_from_its_answers():
    litellm = DIALECTS["litellm"]
    assert litellm.status_word("processing") == "in_progress"
    assert litellm.status_word("rendering") == "rendering"  # unknown: shown as it is
    # a safety-filtered Veo operation: LiteLLM's own model refuses it (types/llms/gemini.py:318)
    safety = error_for_status(
        500,
        {
            "error": {
                "message": "1 validation error for GeminiLongRunningOperationResponse\n"
                "response.generateVideoResponse.generatedSamples\n  Field required"
            }
        },
    )
    assert "safety" in (litellm.failed_status(safety, 1) or "")
    # a failed vLLM-Omni job behind hosted_vllm: LiteLLM's 500 embeds the job
    embedded = error_for_status(
        500,
        {
            "error": {
                "message": 'litellm.APIError: {"id":"video_1","status":"failed",'
                '"error":{"code":500,"message":"CUDA out of memory"}}'
            }
        },
    )
    assert litellm.failed_status(embedded, 1) == "The upstream job failed: CUDA out of memory"
    other = error_for_status(500, {"error": {"message": "timeout"}})
    assert litellm.failed_status(other, 1) is None and litellm.failed_status(other, 2) is None
    assert "timeout" in (litellm.failed_status(other, litellm.STATUS_TRIES) or "")
    assert litellm.failed_status(error_for_status(404, {"detail": "x"}), 9) is None
    # a Veo operation done with an error: reported completed, content a 500 (:468)
    lost = error_for_status(500, {"error": {"message": "No response data in completed operation"}})
    assert "no video" in (litellm.failed_media(lost, 1) or "")
    assert litellm.failed_media(other, 1) is None and litellm.failed_media(other, 2)
    # the official protocol has no such defects
    openai = DIALECTS["openai"]
    assert openai.failed_status(safety, 99) is None and openai.failed_media(lost, 99) is None


def test_openrouter_prices_by_the_sku_of_the_requests_resolution():
    openrouter = DIALECTS["openrouter"]
    (veo,) = openrouter.parse_models(
        {
            "data": [
                {
                    "id": "google/veo-3.1",
                    "supported_resolutions": ["720p", "1080p"],
                    "supported_aspect_ratios": ["16:9"],
                    "supported_sizes": ["1024x768"],
                    "pricing_skus": {
                        "per-video-second-1080p": "0.50",
                        "per-video-second": "0.40",
                        "per-request": "1",
                    },
                }
            ]
        }
    )
    assert veo.price_for("1920x1080") == 0.50 and veo.price_for("1280x720") == 0.40
    assert veo.price_per_second == 0.40 and "1024x768" in veo.sizes
    assert openrouter.reported_cost({"usage": {"cost": 0.61}}) == 0.61
    assert openrouter.reported_cost({"usage": {"cost": float("nan")}}) is None
    assert openrouter.reported_cost({"server_cost": 5.0}) is None  # only its own shape
