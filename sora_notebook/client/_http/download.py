"""Stream media to `<path>.partial`, check it, resume after a break, rename when whole.

The HTTP side (auth, status errors, retries of the opening request) belongs to the
caller's `open_at(offset)`, which yields a successful streaming response (200 or 206).
This module handles the bytes: Content-Type and magic checks, Content-Length /
Content-Range accounting, `Range` resume (restart from zero when the server answers 200),
fsync and the atomic rename. On any failure the partial file is removed.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import shutil
import ssl
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import BinaryIO

import httpx

from sora_notebook.client._http.limits import Limits, paced
from sora_notebook.client._http.media import check_content_type, check_magic, parse_content_range
from sora_notebook.errors import APIConnectionError, DiskFull, DownloadError

__all__ = ["FileOpener", "ProgressCallback", "fetch_to_file", "open_partial", "partial_path"]

ProgressCallback = Callable[[int, "int | None"], object]
OpenAt = Callable[[int], AbstractAsyncContextManager[httpx.Response]]
FileOpener = Callable[[Path], BinaryIO]
_FULL = {errno.ENOSPC, errno.EDQUOT}

_HEAD = 12  # bytes needed to recognise a file


class _Short(Exception):
    """The body ended before its announced length."""


def partial_path(target: Path) -> Path:
    return target.with_name(target.name + ".partial")


def open_partial(path: Path) -> BinaryIO:
    """How a download opens its partial file (a client can be given another opener)."""
    return path.open("w+b")


def _disk_full(folder: Path) -> DiskFull:
    try:
        free: int | None = shutil.disk_usage(folder).free
    except OSError:
        free = None
    return DiskFull(folder, free)


class _Sink:
    """The partial file and what is known about it."""

    def __init__(self, fh: BinaryIO, video_id: str, variant: str, ceiling: int) -> None:
        self.fh, self.video_id, self.variant = fh, video_id, variant
        self.ceiling = ceiling
        self.done = 0
        self.total: int | None = None
        self.head = b""

    def restart(self, offset: int = 0) -> None:
        self.fh.seek(offset)
        self.fh.truncate()
        self.done = offset
        self.head = self.head[:offset]

    def begin(self, response: httpx.Response) -> None:
        """Position the file for this response (a fresh 200 or a 206 continuing)."""
        check_content_type(self.video_id, self.variant, response.headers.get("content-type"))
        if response.status_code == 206:
            parsed = parse_content_range(response.headers.get("content-range"))
            if parsed is None or parsed[0] > self.done:
                raise DownloadError(
                    f"The server answered a resume of {self.video_id} with an unusable "
                    "range, so nothing was saved. Download again."
                )
            start, self.total = parsed
            if start < self.done:
                self.restart(start)
            return
        self.restart(0)
        length = response.headers.get("content-length")
        identity = response.headers.get("content-encoding", "identity") == "identity"
        self.total = int(length) if length and length.isdigit() and identity else None
        if self.total is not None and self.total > self.ceiling:
            raise self._over(f"announced {self.total} bytes")

    def _over(self, what: str) -> DownloadError:
        return DownloadError(
            f"The server {what} for the {self.variant} of {self.video_id}, above the "
            f"ceiling of {self.ceiling} bytes per clip, so nothing was saved. If the clip "
            "really is that big, raise Limits.media_bytes."
        )

    def write(self, chunk: bytes) -> None:
        if len(self.head) < _HEAD:
            self.head += chunk[: _HEAD - len(self.head)]
            if len(self.head) >= _HEAD:
                check_magic(self.video_id, self.variant, self.head)
        after = self.done + len(chunk)
        if self.total is not None and after > self.total:
            raise DownloadError(
                f"The server sent more bytes for {self.video_id} than it announced, so "
                "nothing was saved. Download again."
            )
        if after > self.ceiling:  # checked before writing: the disk never holds more
            raise self._over(f"sent more than {self.ceiling} bytes")
        self.fh.write(chunk)
        self.done = after

    def finish(self) -> None:
        if self.total is not None and self.done < self.total:
            raise _Short
        if len(self.head) < _HEAD:
            raise DownloadError(
                f"The {self.variant} of {self.video_id} arrived empty or too short "
                f"({self.done} bytes), so nothing was saved. Retry later."
            )
        self.fh.flush()
        os.fsync(self.fh.fileno())


async def fetch_to_file(
    open_at: OpenAt,
    target: Path,
    *,
    video_id: str,
    variant: str,
    max_retries: int,
    delay: Callable[[int], float],
    sleep: Callable[[float], Awaitable[object]],
    on_progress: ProgressCallback | None = None,
    limits: Limits | None = None,
    opener: FileOpener = open_partial,
    url: str = "",
) -> Path:
    """Download into `target` through `<target>.partial`; resume up to `max_retries`
    times in a row without progress after a broken or short body.

    Bounded by `limits` (ceiling per clip, pace). A full disk raises DiskFull; on any
    failure the partial file is removed.
    """
    limits = limits or Limits()
    partial = partial_path(target)
    try:
        fh = opener(partial)
    except OSError as exc:
        if exc.errno in _FULL:
            raise _disk_full(target.parent) from exc
        raise
    try:
        await _fetch(
            open_at, fh, limits, video_id, variant, max_retries, delay, sleep, on_progress, url
        )
        fh.close()
        os.replace(partial, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            fh.close()
        partial.unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.errno in _FULL:
            raise _disk_full(target.parent) from exc
        raise
    return target


async def _fetch(
    open_at: OpenAt,
    fh: BinaryIO,
    limits: Limits,
    video_id: str,
    variant: str,
    max_retries: int,
    delay: Callable[[int], float],
    sleep: Callable[[float], Awaitable[object]],
    on_progress: ProgressCallback | None,
    url: str,
) -> None:
    failures = 0
    sink = _Sink(fh, video_id, variant, limits.media_bytes)
    start = asyncio.get_running_loop().time()  # one pace over every resume
    while True:
        before = sink.done
        try:
            async with open_at(sink.done) as response:
                sink.begin(response)
                body = response.aiter_bytes()
                async for chunk in paced(body, limits, url=url, start=start, received=sink.done):
                    sink.write(chunk)
                    if on_progress is not None:
                        on_progress(sink.done, sink.total)
            sink.finish()
            return
        except (httpx.TransportError, _Short) as exc:
            failures = 1 if sink.done > before else failures + 1
            if failures > max_retries:
                if isinstance(exc, _Short):
                    raise DownloadError(
                        f"The {variant} of {video_id} kept arriving cut short "
                        f"({sink.done} of {sink.total} bytes), so nothing was saved. "
                        "Retry later."
                    ) from None
                raise APIConnectionError(_broke_off(video_id, sink.done, exc)) from exc
            await sleep(delay(failures - 1))


def _broke_off(video_id: str, done: int, exc: BaseException) -> str:
    """What went wrong, in words: a certificate the server could not prove is not a
    download that broke off."""
    if done == 0 and _caused_by_tls(exc):
        return (
            f"The download of {video_id} was refused: the media host's TLS certificate "
            "could not be verified. Check the backend's `verify=` setting (a CA bundle for "
            "a private certificate authority)."
        )
    return f"The download of {video_id} broke off at {done} bytes"


def _caused_by_tls(exc: BaseException | None) -> bool:
    """Whether a TLS failure lies anywhere in the chain of causes (httpx wraps httpcore,
    which wraps `ssl`), looking at most a few links deep."""
    for _ in range(6):
        if exc is None:
            return False
        if isinstance(exc, ssl.SSLError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False
