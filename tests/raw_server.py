"""A raw asyncio socket server on 127.0.0.1 that misbehaves as told: endless bodies,
trickled bytes or header lines. It runs on the test's own loop; each connection is
handled by `script(reader, writer)` and ends quietly when the client hangs up."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]

MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"


async def read_request(reader: asyncio.StreamReader) -> str:
    """The request line and headers (the body, if any, is ignored)."""
    head = await reader.readuntil(b"\r\n\r\n")
    return head.decode("latin-1")


def head(status: str = "200 OK", **headers: str) -> bytes:
    lines = [f"HTTP/1.1 {status}"] + [f"{k.replace('_', '-')}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


@contextlib.asynccontextmanager
async def raw_server(script: Script) -> AsyncIterator[str]:
    """Serve `script` on a free port; yields the base URL (`http://127.0.0.1:P/v1`)."""
    tasks: set[asyncio.Task[None]] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        try:
            await script(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            tasks.discard(task)

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.close()
        for task in list(tasks):
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()


async def endless(writer: asyncio.StreamWriter, piece: bytes, first: bytes = b"") -> None:
    """Send `first`, then `piece` in chunked encoding until the client hangs up."""
    if first:
        writer.write(chunk(first))
    while True:
        writer.write(chunk(piece))
        await writer.drain()


async def trickle(writer: asyncio.StreamWriter, data: bytes, every: float) -> None:
    """Send `data` one byte at a time, `every` seconds apart."""
    for i in range(len(data)):
        writer.write(data[i : i + 1])
        await writer.drain()
        await asyncio.sleep(every)
