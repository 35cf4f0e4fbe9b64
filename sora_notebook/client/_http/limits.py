"""Bounds on what one server may send: time, bytes, pages (DESIGN rule 13).

A hostile or broken server must not fill memory or disk or hang a kernel. Every API
request has a total deadline (headers and body together, whatever the per-read
timeout), a JSON body has a byte cap, a download stops at its announced length and at a
ceiling per clip and must keep an average rate, and a list walk stops after a number of
pages and jobs. Change them with `AsyncSoraClient(limits=Limits(...))` or
`Backend.with_quirks(limits=Limits(...))`.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from typing import TypeVar

import httpx

from sora_notebook.errors import APITimeoutError, TooLarge

__all__ = ["Limits", "TooLarge", "read_capped", "within"]

T = TypeVar("T")
MB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """The bounds one client holds a server to.

    - `request_seconds`: total time for one API request, headers and body (not
      downloads); a client with a shorter per-read `timeout` uses twice that instead.
    - `json_bytes`: the largest JSON answer read into memory.
    - `media_bytes`: the largest file one download may write (per clip and variant).
    - `download_seconds` + `download_rate`: a download may take `download_seconds` plus
      one second per `download_rate` bytes received (a trickle ends; a big file on a
      slow line does not).
    - `list_pages` / `list_items`: where a walk of the job list stops.
    - `reference_bytes` / `reference_seconds`: a reference image the client fetches
      from a URL for a server that takes none (its size, and the whole fetch's time).
    """

    request_seconds: float = 120.0
    json_bytes: int = 16 * MB
    media_bytes: int = 2048 * MB
    download_seconds: float = 60.0
    download_rate: float = 32 * 1024
    list_pages: int = 100
    list_items: int = 10_000
    reference_bytes: int = 20 * MB
    reference_seconds: float = 30.0

    def __post_init__(self) -> None:
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not value > 0 or math.isnan(value):
                raise ValueError(f"Limits.{name} must be a number above 0; got {value!r}.")

    def download_allowance(self, received: int) -> float:
        """Seconds a download may have taken once it has received `received` bytes."""
        return self.download_seconds + received / self.download_rate


def _mb(n: int) -> str:
    return f"{n / MB:.4g} MB" if n >= MB else f"{n} bytes"


async def read_capped(response: httpx.Response, limit: int) -> bytes:
    """Read a streamed body up to `limit` bytes; past that close it and raise TooLarge.

    The body is kept on the response, so `response.content` / `.json()` work after.
    """
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        await response.aclose()
        raise _too_large(response, f"announced {_mb(int(length))}", limit)
    buf = bytearray()
    try:
        async for chunk in response.aiter_bytes():
            buf += chunk
            if len(buf) > limit:
                raise _too_large(response, f"sent more than {_mb(limit)}", limit)
    finally:
        await response.aclose()
    response._content = bytes(buf)
    return response._content


def _too_large(response: httpx.Response, what: str, limit: int) -> TooLarge:
    return TooLarge(
        f"The server's answer {what}; answers are read up to {_mb(limit)} "
        "(raise Limits.json_bytes if this server's answers really are that big)",
        status_code=response.status_code,
        headers=response.headers,
    )


async def within(seconds: float, work: Awaitable[T], *, url: str, what: str) -> T:
    """`work`, or APITimeoutError when it takes more than `seconds` in total."""
    try:
        return await asyncio.wait_for(work, seconds)
    except asyncio.TimeoutError:
        raise APITimeoutError(
            f"No complete answer within {seconds:g} s ({what}; Limits.request_seconds, or "
            "twice the client's timeout)",
            url=url,
        ) from None


async def paced(
    chunks: AsyncIterator[bytes],
    limits: Limits,
    *,
    url: str,
    start: float | None = None,
    received: int = 0,
) -> AsyncIterator[bytes]:
    """Chunks of a download, ended by APITimeoutError when they fall behind the pace
    `limits.download_allowance` allows, measured from `start` (the loop's time when the
    download began; default now) with `received` bytes already saved (a resume)."""
    loop = asyncio.get_running_loop()
    start = loop.time() if start is None else start
    while True:
        left = start + limits.download_allowance(received) - loop.time()
        try:
            chunk = await asyncio.wait_for(chunks.__anext__(), max(left, 0.0))
        except StopAsyncIteration:
            return
        except asyncio.TimeoutError:
            raise APITimeoutError(
                f"The download fell behind: {received} bytes in "
                f"{loop.time() - start:.0f} s (Limits.download_seconds + one second per "
                f"{limits.download_rate:g} bytes, Limits.download_rate)",
                url=url,
            ) from None
        received += len(chunk)
        yield chunk
