"""A media host whose certificate cannot be verified is named as such, not as a download
that "broke off at 0 bytes" (reliability review 2, the SSRF policy note): the exception
comes from a real TLS handshake with a self-signed server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import ssl

import httpx
from live_server import self_signed

from sora_notebook.client._http.download import _broke_off


async def test_an_unverified_certificate_is_named(tmp_path):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*self_signed(tmp_path))

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=context)
    port = server.sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient() as client:
            try:
                await client.get(f"https://127.0.0.1:{port}/video.mp4")
            except httpx.TransportError as exc:
                failure = exc
    finally:
        server.close()
    message = _broke_off("video_1", 0, failure)
    assert "certificate" in message and "broke off" not in message
    assert "broke off at 10 bytes" in _broke_off("video_1", 10, httpx.ReadError("reset"))
