"""Every reason reaches the person: error bodies in each shape the servers use become the
exception's message and field, from real FastAPI answers (the framework SGLang and
vLLM-Omni serve with) as well as scripted ones; a create's 500 that states its reason is a
refusal (no lookup, no retry); lost answers get advice that fits the backend."""

from __future__ import annotations

import httpx
import pytest
from client_fakes import FakeServer, make_client
from fastapi import FastAPI, Form, HTTPException, Request
from live_server import LiveServer

from sora_notebook.client import AsyncSoraClient
from sora_notebook.client.backend import Backend
from sora_notebook.errors import (
    BadRequestError,
    ServerError,
    ServerRefusal,
    SubmissionUnknown,
    UnprocessableEntityError,
    read_error_body,
)


@pytest.mark.parametrize(
    ("body", "message", "param"),
    [
        ({"error": {"message": "bad size", "param": "size", "code": "x"}}, "bad size", "size"),
        ({"error": "model not found"}, "model not found", None),
        ({"object": "error", "message": "seconds too long", "param": "body.seconds"},
         "seconds too long", "body.seconds"),
        ({"detail": "input_reference is not supported for T2V models."},
         "input_reference is not supported for T2V models.", None),
        ({"detail": [{"loc": ["body", "prompt"], "msg": "Field required", "type": "missing"}]},
         "body.prompt: Field required", "body.prompt"),
        ("upstream said no", "upstream said no", None),
        ({"detail": 7}, "", None),
        ({"error": {"message": ["not", "text"]}}, "", None),
        (None, "", None),
    ],
)  # fmt: skip
def test_every_error_shape_gives_its_reason(body, message, param):
    said = read_error_body(body)
    assert said.message == message
    assert said.param == param


def test_error_text_is_bounded():
    said = read_error_body({"detail": [{"loc": ["body", "x" * 900], "msg": "m" * 900}] * 50})
    assert len(said.message) <= 500 and said.param is not None and len(said.param) <= 200


def _fastapi_app():
    """A real FastAPI app answering as SGLang's video routes do: HTTPException's
    `{"detail": "..."}` and request validation's `{"detail": [...]}` (422)."""
    app = FastAPI()
    app.state.creates = 0

    @app.post("/v1/videos")
    async def create(request: Request) -> dict[str, str]:
        app.state.creates += 1
        if request.headers.get("content-type", "").startswith("application/json"):
            fields = await request.json()
        else:
            fields = await request.form()
        if str(fields.get("prompt", "")).startswith("steps=0"):
            raise HTTPException(400, "num_inference_steps must be positive")
        raise HTTPException(500, "remix is not supported by Google Veo")

    @app.post("/v1/validate")
    async def validate(prompt: str = Form(...), seconds: int = Form(4)) -> dict[str, str]:
        return {"prompt": prompt}

    @app.get("/v1/videos/{video_id}")
    async def status(video_id: str) -> dict[str, str]:
        raise HTTPException(404, f"Video {video_id} not found")

    return app


@pytest.fixture
def fastapi_app():
    return _fastapi_app()


@pytest.fixture
def fastapi_server(fastapi_app):
    with LiveServer(fastapi_app) as server:
        yield server


def _client(url: str) -> AsyncSoraClient:
    backend = Backend.compatible(url, dialect="sglang", api_key="k")
    return AsyncSoraClient(backend, max_retries=2)


async def test_fastapi_detail_is_the_message(fastapi_server):
    async with _client(fastapi_server.base_url) as client:
        with pytest.raises(BadRequestError) as caught:
            await client.create("steps=0 a kite")
    assert caught.value.message == "num_inference_steps must be positive"
    assert "HTTP 400" not in str(caught.value)


async def test_fastapi_validation_list_names_the_field(fastapi_server):
    async with httpx.AsyncClient() as raw:
        answer = await raw.post(f"{fastapi_server.base_url}/validate", data={"seconds": "4"})
    error = read_error_body(answer.json())
    assert answer.status_code == 422 and error.param == "body.prompt"
    assert "Field required" in error.message


async def test_a_stated_500_on_create_is_a_refusal_without_lookup(fastapi_server):
    async with _client(fastapi_server.base_url) as client:
        with pytest.raises(ServerError) as caught:
            await client.create("a kite")
    assert caught.value.message == "remix is not supported by Google Veo"
    assert isinstance(caught.value, ServerRefusal) and "retry later" not in str(caught.value)


async def test_a_stated_500_is_sent_once_and_never_looked_up():
    server = FakeServer()
    server.faults = [
        httpx.Response(
            500, json={"error": {"message": "Object of type BytesIO is not JSON serializable"}}
        )
    ]
    client, _, _ = make_client(server)
    with pytest.raises(ServerError, match="not JSON serializable"):
        await client.create("a red kite")
    assert len(server.posts()) == 1
    assert not [r for r in server.requests if r.method == "GET"]


async def test_a_502_stays_ambiguous_and_is_looked_up():
    server = FakeServer()
    server.faults = [("status-after", 502)]
    client, _, _ = make_client(server, max_retries=0)
    video = await client.create("a red kite")
    assert video.prompt == "a red kite" and server.created == 1


def test_lost_answer_advice_fits_a_backend_without_a_list():
    assert "client.list()" in str(SubmissionUnknown())
    unlisted = str(SubmissionUnknown(listable=False))
    assert "client.list()" not in unlisted and "dashboard" in unlisted


async def test_422_from_a_real_validator_keeps_the_field(fastapi_server):
    async with httpx.AsyncClient() as raw:
        answer = await raw.post(f"{fastapi_server.base_url}/validate", data={"seconds": "x"})
    from sora_notebook.errors import error_for_status

    error = error_for_status(answer.status_code, answer.json())
    assert isinstance(error, UnprocessableEntityError) and error.param is not None


async def test_a_refusal_is_the_cards_message_and_never_sent_again(
    fastapi_app, fastapi_server, tmp_path
):
    """Through the studio: the job ends rejected with the server's words, sent once."""
    from sora_notebook import Studio

    backend = Backend.compatible(fastapi_server.base_url, dialect="sglang", api_key="k")
    async with Studio(backend, library=tmp_path / "lib") as studio:
        with pytest.raises(ServerRefusal):
            await studio.submit("a kite")
        (job,) = studio.library.jobs()
    assert job.status == "rejected" and fastapi_app.state.creates == 1
    assert "remix is not supported by Google Veo" in (job.error_message or "")
