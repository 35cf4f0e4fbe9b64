"""A key given through `headers=` is redacted wherever one given by `api_key=` is
(reliability review 2, F12): in the error's text, body and headers, and in the request
a chained connection error holds."""

from __future__ import annotations

import traceback

import httpx
import pytest

from sora_notebook.client import AsyncSoraClient, Backend
from sora_notebook.errors import APIConnectionError, AuthenticationError

KEY = "sk-header-key-0123456789abcdef"


@pytest.mark.parametrize(
    "headers",
    [{"Authorization": f"Bearer {KEY}"}, {"X-Api-Key": KEY}, {"X-Goog-Api-Key": KEY}],
)
async def test_an_echoed_header_key_is_redacted(headers):
    def handler(request: httpx.Request) -> httpx.Response:
        echoed = dict(request.headers)
        return httpx.Response(
            401,
            json={"error": {"message": f"bad credentials {echoed}"}},
            headers={"www-authenticate": f"Bearer realm={KEY}", "x-echo": KEY},
        )

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    backend = Backend.compatible("http://h.test/v1", headers=headers)
    async with AsyncSoraClient(backend, http_client=http, max_retries=0) as client:
        with pytest.raises(AuthenticationError) as err:
            await client.retrieve("video_1")
    await http.aclose()
    exc = err.value
    shown = [str(exc), repr(exc), repr(exc.body), repr(dict(exc.headers or {}))]
    shown.append("".join(traceback.format_exception(exc)))
    assert all(KEY not in text for text in shown)
    assert "[redacted]" in str(exc)


async def test_a_connection_error_holds_no_header_key():
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    backend = Backend.compatible("http://h.test/v1", headers={"X-Goog-Api-Key": KEY})
    async with AsyncSoraClient(backend, http_client=http, max_retries=0) as client:
        with pytest.raises(APIConnectionError) as err:
            await client.retrieve("video_1")
    await http.aclose()
    cause = err.value.__cause__
    assert isinstance(cause, httpx.ConnectError)
    assert KEY not in repr(dict(cause.request.headers))


def test_a_key_pasted_as_a_bare_query_name_is_not_echoed():
    """Low: `…/v1?sk-KEY` was echoed by the ValidationError as a parameter name."""
    from sora_notebook.errors import ValidationError

    with pytest.raises(ValidationError, match="query parameter;") as err:
        Backend.compatible(f"http://h.test/v1?{KEY}")
    assert KEY not in str(err.value) and KEY not in repr(err.value)


async def test_the_http_stack_debug_log_holds_no_echoed_key(caplog):
    """F12: httpcore's DEBUG lines print the response headers a server echoed the key in
    (a real socket: httpcore runs only there)."""
    from live_server import LiveServer
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def echo(request):
        key = request.headers.get("x-goog-api-key", "")
        return JSONResponse({"error": {"message": key}}, 401, {"www-authenticate": key})

    app = Starlette(routes=[Route("/v1/videos/{video_id}", echo)])
    with LiveServer(app) as server, caplog.at_level("DEBUG"):
        backend = Backend.compatible(server.base_url, headers={"X-Goog-Api-Key": KEY})
        async with AsyncSoraClient(backend, max_retries=0) as client:
            with pytest.raises(AuthenticationError):
                await client.retrieve("video_1")
    assert "www-authenticate" in caplog.text.lower()  # the line is there, redacted
    assert KEY not in caplog.text
