"""A reference image given by URL, fetched for a server that takes no URL
(`client/_http/reference_url.py`): its bounds in bytes and time, its host rules, no key
sent, redirects not followed, only images kept. Against a real uvicorn socket."""

from __future__ import annotations

import asyncio
import base64
import io
import json

import httpx
import pytest
from live_server import LiveServer
from PIL import Image
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from sora_notebook.client import AsyncSoraClient, Backend
from sora_notebook.client._http.limits import Limits
from sora_notebook.client._http.reference_url import fetch_reference
from sora_notebook.errors import ValidationError


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 36), (200, 80, 40)).save(out, format="PNG")
    return out.getvalue()


PNG = _png()
LIMITS = Limits(reference_bytes=4096, reference_seconds=1.0)


def _image_host() -> Starlette:
    seen: list[dict[str, str]] = []

    async def image(request: Request) -> Response:
        seen.append(dict(request.headers))
        return Response(PNG, media_type="image/png")

    async def announced(request: Request) -> Response:
        return Response(b"x" * 5000, media_type="image/png")

    async def endless(request: Request) -> Response:
        async def chunks():
            while True:  # no content-length: only the running count stops it
                yield PNG[:1000]
                await asyncio.sleep(0)

        return StreamingResponse(chunks(), media_type="image/png")

    async def slow(request: Request) -> Response:
        async def chunks():
            yield PNG[:100]
            await asyncio.sleep(5)
            yield PNG[100:]

        return StreamingResponse(chunks(), media_type="image/png")

    async def page(request: Request) -> Response:
        return Response(b"<html>not found</html>" * 3, media_type="text/html")

    async def missing(request: Request) -> Response:
        return Response(b"gone", status_code=404)

    async def moved(request: Request) -> Response:
        return RedirectResponse("http://169.254.169.254/latest/meta-data/")

    app = Starlette(
        routes=[
            Route("/ref.png", image),
            Route("/announced.png", announced),
            Route("/endless.png", endless),
            Route("/slow.png", slow),
            Route("/page.png", page),
            Route("/missing.png", missing),
            Route("/moved.png", moved),
        ]
    )
    app.state.seen = seen
    return app


@pytest.fixture(scope="module")
def host():
    app = _image_host()
    with LiveServer(app) as server:
        server.app = app
        yield server


async def _fetch(host: LiveServer, path: str, limits: Limits = LIMITS) -> bytes:
    root = f"http://127.0.0.1:{host.port}"
    async with httpx.AsyncClient() as http:
        part = await fetch_reference(http, root + path, root + "/v1", limits)
    return part.content


async def test_an_image_on_the_apis_own_host_is_fetched_without_any_key(host):
    root = f"http://127.0.0.1:{host.port}"
    backend = Backend.compatible(f"{root}/v1", "sk-canary-do-not-send", headers={"x-team": "t"})
    async with AsyncSoraClient(backend) as client:
        part = await fetch_reference(client._http, f"{root}/ref.png", backend.base_url, LIMITS)
    assert (part.content, part.content_type, part.filename) == (PNG, "image/png", "reference.png")
    sent = host.app.state.seen[-1]
    assert "authorization" not in sent and "x-team" not in sent
    assert "sk-canary" not in repr(sent)


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/announced.png", "announced"),  # content-length past the limit: nothing read
        ("/endless.png", "sent more than"),  # no length: the running count stops it
        ("/slow.png", "took more than 1 s"),  # the whole fetch is timed
        ("/page.png", "not a JPEG, PNG or WebP"),
        ("/missing.png", "answered HTTP 404"),
        ("/moved.png", "redirect, which is not followed"),
    ],
)
async def test_each_bound_refuses_with_its_reason(host, path, words):
    with pytest.raises(ValidationError, match=words) as caught:
        await _fetch(host, path)
    assert caught.value.param == "input_reference" and "Nothing was sent" in caught.value.message


async def test_hosts_and_schemes_are_checked_before_connecting():
    async def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"nothing may be fetched: {request.url}")

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as http:
        for url in (
            "http://127.0.0.2:9/ref.png",  # plain http on another host than the API's
            "file:///etc/passwd",
            "ftp://example.org/ref.png",
            "https:///no-host",
        ):
            with pytest.raises(ValidationError, match="is not fetched"):
                await fetch_reference(http, url, "http://127.0.0.1:8000/v1", LIMITS)


async def test_a_data_url_is_decoded_within_the_same_bound():
    async with httpx.AsyncClient() as http:
        small = "data:image/png;base64," + base64.b64encode(PNG).decode()
        assert (await fetch_reference(http, small, "http://x/v1", Limits())).content == PNG
        big = "data:image/png;base64," + base64.b64encode(PNG + bytes(5000)).decode()
        with pytest.raises(ValidationError, match=r"more than 0\.00391 MB"):
            await fetch_reference(http, big, "http://x/v1", LIMITS)
        with pytest.raises(ValidationError, match="base64 is not valid"):
            await fetch_reference(http, "data:image/png;base64,%%%", "http://x/v1", LIMITS)


async def test_litellm_asks_each_models_provider_once_and_falls_back_to_a_file():
    """Scripted proxy answers: a Runway group gets a data: URL in JSON; a group whose
    provider cannot be learned (the info route fails) gets the file, as LiteLLM's route
    takes it. The provider is asked once per model."""
    asked: list[str] = []
    creates: list[httpx.Request] = []

    def proxy(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/model_group/info":
            group = request.url.params["model_group"]
            asked.append(group)
            if group == "broken":
                return httpx.Response(500, json={"error": {"message": "db down"}})
            return httpx.Response(200, json={"data": [{"providers": ["runwayml"]}]})
        creates.append(request)
        return httpx.Response(200, json={"id": "video_1", "object": "video", "status": "queued"})

    backend = Backend.litellm("http://proxy.test", "sk-proxy")
    http = httpx.AsyncClient(transport=httpx.MockTransport(proxy))
    async with AsyncSoraClient(backend, http_client=http) as client:
        for model in ("runway", "runway", "broken"):
            await client.create("x", model=model, seconds=5, input_reference=PNG)
    await http.aclose()
    assert asked == ["runway", "broken"]
    first = creates[0]
    assert first.headers["content-type"] == "application/json"
    sent = json.loads(first.content)["input_reference"]
    assert sent == "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert creates[2].headers["content-type"].startswith("multipart/form-data")
    assert PNG in creates[2].content
