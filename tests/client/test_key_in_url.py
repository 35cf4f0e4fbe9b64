"""A key written into the base URL is moved into the auth header, never shown (point 7)."""

from __future__ import annotations

import logging

import httpx
import pytest
from raw_server import head, raw_server, read_request

from sora_notebook import Studio
from sora_notebook.client import AsyncSoraClient, Backend
from sora_notebook.errors import ValidationError

KEY = "sk-CANARY-url-0123456789"
JOB = b'{"id": "video_1", "object": "video", "status": "queued"}'


def forms(url: str) -> list[str]:
    host = url.split("://", 1)[1]
    return [f"http://user:{KEY}@{host}", f"http://{KEY}@{host}", f"{url}?api-key={KEY}"]


async def test_the_key_travels_only_in_the_auth_header(caplog, tmp_path):
    seen: list[str] = []

    async def script(reader, writer):
        seen.append(await read_request(reader))
        writer.write(head(content_type="application/json", content_length=str(len(JOB))) + JOB)
        await writer.drain()

    caplog.set_level(logging.DEBUG)
    async with raw_server(script) as url:
        for form in forms(url):
            backend = Backend.compatible(form)
            assert backend.base_url == url and backend.has_key
            async with AsyncSoraClient(backend) as client:
                await client.retrieve("video_1")
            studio = Studio(backend, library=tmp_path / "lib")
            shown = [repr(backend), str(backend), backend.label, repr(studio), repr(client)]
            await studio.aclose()
            assert not [s for s in shown if KEY in s]
    request_lines = [r.split("\r\n", 1)[0] for r in seen]
    assert all(KEY not in line for line in request_lines)
    assert all(f"authorization: Bearer {KEY}\r\n" in r for r in seen)
    assert "HTTP Request" in caplog.text and KEY not in caplog.text


def test_a_key_in_the_url_and_another_as_api_key_is_refused():
    with pytest.raises(ValidationError, match="different one") as err:
        Backend.compatible(f"http://u:{KEY}@h.test/v1", api_key="sk-other-key")
    assert KEY not in str(err.value)
    assert Backend.compatible(f"http://u:{KEY}@h.test/v1", api_key=KEY).has_key


def test_other_query_parameters_are_refused_without_echoing_them():
    with pytest.raises(ValidationError, match="query parameter 'sig'") as err:
        Backend.compatible(f"http://h.test/v1?sig={KEY}")
    assert KEY not in str(err.value)


async def test_httpx_sees_no_key_in_the_url():
    urls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        urls.append(str(request.url))
        return httpx.Response(200, content=JOB, headers={"content-type": "application/json"})

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    backend = Backend.compatible(f"https://h.test/v1?api_key={KEY}")
    async with AsyncSoraClient(backend, http_client=http) as client:
        await client.retrieve("video_1")
    await http.aclose()
    assert urls == ["https://h.test/v1/videos/video_1"]


@pytest.mark.parametrize("typo", [f"htps://u:{KEY}@h.test/v1", f"h.test:8000/v1?api-key={KEY}"])
def test_a_mistyped_url_is_refused_without_echoing_its_key(typo):
    with pytest.raises(ValidationError, match="http:// or https://") as err:
        Backend.compatible(typo)
    assert KEY not in str(err.value) and KEY not in repr(err.value)


def test_a_percent_encoded_key_in_the_url_is_sent_decoded():
    """user:pass@ is percent-encoded (RFC 3986): a key with / or @ arrives as written."""
    backend = Backend.compatible("http://u:sk%2Fab%40cd@h.test/v1")
    assert backend._api_key == "sk/ab@cd" and backend.base_url == "http://h.test/v1"
    assert "sk" not in backend.label and "%2F" not in repr(backend)


async def test_a_connection_error_does_not_chain_a_request_holding_the_key():
    import socket

    from sora_notebook.errors import APIConnectionError

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    backend = Backend.compatible(f"http://127.0.0.1:{port}/v1", KEY)
    async with AsyncSoraClient(backend, max_retries=0) as client:
        with pytest.raises(APIConnectionError) as err:
            await client.retrieve("video_1")
    cause = err.value.__cause__
    assert isinstance(cause, httpx.ConnectError)
    # the values themselves, not the repr (httpx masks `authorization` in a repr; M37)
    assert all(KEY not in value for value in cause.request.headers.values())
    assert KEY not in repr(err.value)
