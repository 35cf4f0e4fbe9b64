"""Downloads: a job's media streamed into a file, checked, resumable, bounded."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from os import PathLike
from pathlib import Path
from typing import Any

import httpx

from sora_notebook.client._http.download import (
    ProgressCallback,
    fetch_to_file,
)
from sora_notebook.client._http.limits import within
from sora_notebook.client._http.media_url import check_media_url
from sora_notebook.client._http.retry import backoff
from sora_notebook.client._requests import (
    RequestCore,
    VideoRef,
    _id,
    _seg,
)
from sora_notebook.errors import (
    APIError,
    DownloadError,
    Expired,
    GoneError,
    NotFoundError,
    NotReadyError,
    SoraNotebookError,
    UnprocessableEntityError,
    ValidationError,
    VideoFailed,
)
from sora_notebook.protocol import (
    MEDIA_TYPES,
    VARIANTS,
    Video,
    id_file_stem,
)

__all__ = ["Downloads"]


class Downloads:
    """A job's media into a file: the media's address, the stream, checks, resume and
    expiry. A part of `AsyncSoraClient`."""

    def __init__(self, core: RequestCore) -> None:
        self.core = core

    async def download(
        self,
        video_id: VideoRef,
        path: str | PathLike[str],
        *,
        variant: str = "video",
        index: int = 0,
        on_progress: ProgressCallback | None = None,
    ) -> Path:
        """Save a job's media at `path` (a file, or a folder to name it in); `index` picks
        one output of a job that made several.

        Streams to `<path>.partial`, checks it is the media asked for, resumes after a
        broken connection, then renames. Raises `NotReadyError` before completion,
        `Expired` after `expires_at`, `VideoFailed` for a failed job, `DownloadError`
        when the bytes are wrong or the server could not give them (with its message).
        """
        job = video_id if isinstance(video_id, Video) else None
        video_id = _id(video_id)
        segment = _seg(video_id)
        self._check_variant(variant)
        target = _resolve_target(Path(path), video_id, variant, index)
        dialect = self.core.backend.dialect
        if dialect.needs_job_for_media:
            job = (
                job if job is not None and job.is_completed else await self.core.retrieve(video_id)
            )
            if job.is_failed:
                raise VideoFailed(job)
            url = dialect.media_url(job.raw, index)
            if url is not None:
                return await self._fetch_url(url, target, video_id, variant, on_progress)
        source = dialect.media(video_id, segment, variant, index)
        if source.path is None:
            raise NotReadyError(f"{video_id} has no media address yet", status_code=404)

        @asynccontextmanager
        async def open_at(offset: int) -> AsyncIterator[httpx.Response]:
            headers = {"range": f"bytes={offset}-"} if offset else {}
            response = await self.core.open_stream(source.path or "", dict(source.params), headers)
            try:
                yield response
            finally:
                await response.aclose()

        try:
            return await self._fetch(
                open_at, target, video_id, variant, on_progress, self.core.backend.url(source.path)
            )
        except NotReadyError:
            raise
        except (GoneError, NotFoundError, UnprocessableEntityError) as exc:
            raise await self._explain_missing(video_id, exc) from exc

    def _check_variant(self, variant: str) -> None:
        """Refuse a variant the protocol or this backend does not have, before asking."""
        if variant not in VARIANTS:
            raise ValidationError(
                f"variant must be one of {', '.join(VARIANTS)}; got {variant!r}.", param="variant"
            )
        if variant not in self.core.backend.capabilities.variants:
            served = ", ".join(self.core.backend.capabilities.variants)
            raise DownloadError(
                f"The {self.core.backend.label} backend has no {variant} (it only serves "
                f"{served}). Make one locally from the video."
            )

    async def _fetch(
        self,
        open_at: Callable[[int], Any],
        target: Path,
        video_id: str,
        variant: str,
        on_progress: ProgressCallback | None,
        url: str,
    ) -> Path:
        return await fetch_to_file(
            open_at,
            target,
            video_id=video_id,
            variant=variant,
            max_retries=self.core.max_retries,
            delay=lambda n: backoff(n, self.core.random),
            sleep=self.core.sleep,
            on_progress=on_progress,
            limits=self.core.limits,
            opener=self.core.open_file,
            url=url,
        )

    async def _fetch_url(
        self,
        url: str,
        target: Path,
        video_id: str,
        variant: str,
        on_progress: ProgressCallback | None,
    ) -> Path:
        """Media at a URL the server gave: https (or the API's own host) only, never
        with the API key."""
        check_media_url(url, self.core.backend.base_url)
        shown = url.split("?", 1)[0]  # a signed URL's query stays out of messages

        @asynccontextmanager
        async def open_at(offset: int) -> AsyncIterator[httpx.Response]:
            headers = {"range": f"bytes={offset}-"} if offset else {}
            request = self.core.http.build_request(
                "GET", url, headers=headers, timeout=self.core.timeout
            )
            sending = self.core.http.send(request, stream=True)
            response = await within(
                self.core.request_deadline, sending, url=shown, what="media URL"
            )
            try:
                if not response.is_success:  # its body is neither read nor shown
                    raise DownloadError(
                        f"The media URL the server gave for {video_id} answered "
                        f"{response.status_code}; retry later (signed URLs expire)."
                    )
                yield response
            finally:
                await response.aclose()

        return await self._fetch(open_at, target, video_id, variant, on_progress, shown)

    async def _explain_missing(self, video_id: str, exc: APIError) -> SoraNotebookError:
        """Explain a 404/410/422 on content: Expired only once `expires_at` has passed
        (or on 410), NotReady while running, VideoFailed for a failed job, else a
        download error with the server's message (worth retrying)."""
        if isinstance(exc, GoneError):
            return Expired(video_id)
        try:
            video: Video | None = await self.core.retrieve(video_id)
        except NotFoundError:
            return exc  # the server does not know the job at all
        except SoraNotebookError:
            video = None
        if video is not None and video.is_expired(self.core.wall_clock()):
            return Expired(video_id, video.expires_at)
        if video is not None and video.is_failed:
            return VideoFailed(video)
        if video is not None and not video.is_terminal:
            return NotReadyError(
                f"{video_id} is still {video.status}",
                status_code=exc.status_code,
                body=exc.body,
                headers=exc.headers,
            )
        return DownloadError(
            f"The server answered {exc.status_code} for the media of {video_id} although the "
            f"job has not expired ({exc.message}); it will be tried again."
        )


def _resolve_target(path: Path, video_id: str, variant: str, index: int = 0) -> Path:
    """The file to write: `path` when it names a file (it has a suffix, or is a file);
    otherwise a folder, made if need be, with the file named for the id (and output)."""
    if path.is_dir() or not (path.suffix or path.is_file()):
        output = f"-{index}" if index else ""
        path = path / f"{id_file_stem(video_id)}{output}{MEDIA_TYPES[variant].ext}"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
