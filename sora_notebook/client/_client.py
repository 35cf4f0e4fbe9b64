"""`AsyncSoraClient`: the Video API over httpx, with safe retries, polling and downloads.

```python
async with AsyncSoraClient() as client:          # Backend.from_env(): emulator by default
    job = await client.create("a calico cat playing piano", seconds=4)
    job = await client.wait(job.id, timeout=600)
    await client.download(job.id, "cat.mp4")
```
A create (and remix, edit, extend) is never re-sent blindly: after an ambiguous failure
the newest jobs are searched for it first (`find_submitted`), so nobody is billed twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random as _random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

import httpx

from sora_notebook._headers import parse_poll_after
from sora_notebook.client._http.download import (
    FileOpener,
    ProgressCallback,
    fetch_to_file,
    open_partial,
)
from sora_notebook.client._http.limits import Limits, TooLarge, read_capped, within
from sora_notebook.client._http.multipart import FilePart, encode_multipart
from sora_notebook.client._http.redact import redact, scrub_request, secrets_in
from sora_notebook.client._http.retry import backoff, is_ambiguous, retry_delay, should_retry_status
from sora_notebook.client.backend import Backend
from sora_notebook.client.references import load_reference
from sora_notebook.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    DownloadError,
    Expired,
    GoneError,
    ListTruncated,
    NotFoundError,
    NotReadyError,
    RateLimitError,
    ServerError,
    SoraNotebookError,
    SubmissionUnknown,
    ValidationError,
    VideoFailed,
    WaitTimeout,
    error_for_status,
)
from sora_notebook.protocol import (
    DEFAULT_SIZE,
    VARIANTS,
    DeletedVideo,
    Video,
    VideoPage,
    id_file_stem,
    id_path_segment,
    normalize_seconds,
    validate_create,
)

__all__ = ["AsyncSoraClient"]

logger = logging.getLogger("sora_notebook.client")

#: How far before the submit a server's `created_at` may be and still match (clock skew).
SUBMIT_SKEW = 60.0
_OPEN_MODEL = "\0open"  # a model name no table knows: validate the form only
_EXT = {"video": ".mp4", "thumbnail": ".webp", "spritesheet": ".jpg"}


@dataclass(frozen=True)
class _Body:
    content: bytes
    content_type: str


Recover = Callable[[], Awaitable["Video | None"]]
#: A job by its id, or the `Video` a method returned.
VideoRef = str | Video


class AsyncSoraClient:
    """An async client for one backend. Use it as an async context manager.

    Inject `http_client` (an `httpx.AsyncClient`, e.g. over a `MockTransport`), and
    `sleep`, `clock` (monotonic seconds), `wall_clock` (Unix seconds) and `random` for
    fast, deterministic tests. `timeout` applies to each read, and twice it bounds a
    whole request; `limits` (else the backend's, else `Limits()`) bound every request's
    total time and size, downloads and list walks. `open_file` opens a download's
    partial file (tests inject a full disk).
    """

    #: Poll rounds in a row that may fail transiently before `poll` gives up.
    POLL_FAILURES_TOLERATED = 3

    def __init__(
        self,
        backend: Backend | None = None,
        *,
        http_client: httpx.AsyncClient | None = None,
        max_retries: int = 2,
        timeout: float = 60.0,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        random: Callable[[], float] = _random.random,
        wall_clock: Callable[[], float] = time.time,
        poll_interval: float = 1.0,
        max_poll_interval: float = 15.0,
        limits: Limits | None = None,
        open_file: FileOpener = open_partial,
    ) -> None:
        if max_retries < 0:
            raise ValidationError("max_retries must be 0 or more.", param="max_retries")
        self.backend = backend if backend is not None else Backend.from_env()
        self.max_retries = max_retries
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(
            transport=self.backend.transport(), timeout=timeout
        )
        self._timeout = timeout
        self._sleep = sleep
        self._clock = clock
        self._random = random
        self._wall_clock = wall_clock
        self._poll_interval = poll_interval
        self._max_poll_interval = max_poll_interval
        self._claimed: set[str] = set()
        self.limits = limits or getattr(self.backend, "limits", None) or Limits()
        self._open_file = open_file
        self._secrets: set[str] = set()

    def __repr__(self) -> str:
        return f"AsyncSoraClient({self.backend!r})"

    async def __aenter__(self) -> AsyncSoraClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client if this client made it."""
        if self._owns_http:
            await self._http.aclose()

    # --- jobs ----------------------------------------------------------------------

    async def create(
        self,
        prompt: str,
        *,
        model: str | None = None,
        size: str | None = None,
        seconds: int | str | None = None,
        input_reference: Any = None,
        **extra: Any,
    ) -> Video:
        """Start a job. `input_reference`: bytes, a path or a PIL image matching `size`
        exactly (see `fit_reference`), or `{"image_url": ...}` / `{"file_id": ...}`.
        `**extra` is sent as is (seed, negative_prompt, ...)."""
        model, size, seconds = self._validate(prompt, model, size, seconds)
        fields: dict[str, Any] = {"prompt": prompt, "model": model, "size": size}
        fields["seconds"] = seconds
        fields.update(self._reference_fields(input_reference, size))
        fields.update(extra)
        submitted = self._wall_clock()

        async def recover() -> Video | None:
            return await self.find_submitted(
                prompt,
                model=model,
                size=size,
                seconds=seconds,
                created_after=submitted - SUBMIT_SKEW,
                exclude=self._claimed,
            )

        return await self._create_call("/videos", self._create_body(fields), recover)

    async def remix(self, video_id: VideoRef, prompt: str) -> Video:
        """A new job from a finished one with a changed prompt."""
        video_id = _id(video_id)
        return await self._derive("remix", video_id, prompt, f"/videos/{_seg(video_id)}/remix")

    async def edit(self, video_id: VideoRef, prompt: str) -> Video:
        """A new job that edits a finished video as the prompt says."""
        video_id = _id(video_id)
        return await self._derive("edit", video_id, prompt, "/videos/edits")

    async def extend(self, video_id: VideoRef, prompt: str, seconds: int | str) -> Video:
        """A new job continuing a finished video by `seconds`."""
        video_id = _id(video_id)
        return await self._derive("extend", video_id, prompt, "/videos/extensions", seconds)

    async def retrieve(self, video_id: VideoRef) -> Video:
        """The job as the server sees it now (a failed job is returned, not raised)."""
        video_id = _id(video_id)
        video, _ = await self._retrieve(video_id)
        return video

    async def list(
        self, *, limit: int | None = None, order: str | None = None, after: str | None = None
    ) -> AsyncIterator[Video]:
        """Every job, page by page (`limit` is the page size). Raises ListTruncated after
        `limits.list_pages` pages or `limits.list_items` jobs when the server says more."""
        seen: set[str] = set()
        pages = 0
        while True:
            if pages >= self.limits.list_pages:
                raise ListTruncated(pages, len(seen), "Limits.list_pages")
            page = await self._list_page(limit=limit, order=order, after=after)
            pages += 1
            fresh = [v for v in page.data if v.id not in seen]
            for video in fresh:
                if len(seen) >= self.limits.list_items:
                    raise ListTruncated(pages, len(seen), "Limits.list_items")
                seen.add(video.id)
                yield video
            if not fresh or page.has_more is False:
                return
            if page.has_more is None and (limit is None or len(page.data) < limit):
                return
            after = page.last_id or fresh[-1].id

    async def delete(self, video_id: VideoRef) -> DeletedVideo:
        """Delete a job and its media on the server."""
        video_id = _id(video_id)
        response = await self._call("DELETE", f"/videos/{_seg(video_id)}")
        return DeletedVideo.from_dict(_json_or_empty(response), video_id)

    async def find_submitted(
        self,
        prompt: str,
        *,
        model: str | None = None,
        size: str | None = None,
        seconds: int | str | None = None,
        created_after: float | None = None,
        remixed_from: str | None = None,
        exclude: Collection[str] = (),
        limit: int = 100,
    ) -> Video | None:
        """The newest listed job with this prompt and these parameters, if any.

        Parameters left None match anything; a field the server does not report matches
        too. Used after an ambiguous create, and to reconcile a submission whose answer
        never arrived.
        """
        page = await self._list_page(limit=limit, order="desc", after=None)
        matches = [
            v
            for v in page.data
            if v.id not in exclude
            and v.prompt == prompt
            and _agrees(model, v.model)
            and _agrees(size, v.size)
            and _agrees(seconds, v.seconds)
            and _agrees(remixed_from, v.remixed_from_video_id)
            and (created_after is None or v.created_at is None or v.created_at >= created_after)
        ]
        if not matches:
            return None
        return max(matches, key=lambda v: v.created_at or 0)

    # --- waiting -------------------------------------------------------------------

    async def poll(
        self, video_id: VideoRef, *, timeout: float | None = None
    ) -> AsyncIterator[Video]:
        """Snapshots of a job until it is `completed` or `failed` (a failed job is data).

        Waits as the server's `openai-poll-after-ms` says, else backs off from
        `poll_interval` to `max_poll_interval`. Rides out up to `POLL_FAILURES_TOLERATED`
        rounds in a row of transient failures (no connection, 5xx, 429) after each
        request's own retries. Raises `WaitTimeout` past `timeout`.
        """
        video_id = _id(video_id)
        deadline = None if timeout is None else self._clock() + timeout
        interval = self._poll_interval
        last: Video | None = None
        failures = 0
        while True:
            hint: float | None = None
            try:
                last, hint = await self._retrieve(video_id)
            except (APIConnectionError, ServerError, RateLimitError):
                failures += 1
                if failures > self.POLL_FAILURES_TOLERATED:
                    raise
                logger.debug("poll of %s failed (%d in a row); polling on", video_id, failures)
            else:
                failures = 0
                yield last
                if last.is_terminal:
                    return
            wait = hint if hint is not None else interval
            interval = min(interval * 1.5, self._max_poll_interval)
            if deadline is not None:
                left = deadline - self._clock()
                if left <= 0:
                    raise WaitTimeout(video_id, timeout or 0.0, last)
                wait = min(wait, left)
            await self._sleep(wait)

    async def wait(self, video_id: VideoRef, *, timeout: float | None = None) -> Video:
        """The completed job. Raises `VideoFailed` if it failed, `WaitTimeout` past
        `timeout` seconds (the job goes on)."""
        video_id = _id(video_id)
        last: Video | None = None
        async for last in self.poll(video_id, timeout=timeout):  # noqa: B007
            pass
        assert last is not None
        if last.is_failed:
            raise VideoFailed(last)
        return last

    # --- media ---------------------------------------------------------------------

    async def download(
        self,
        video_id: VideoRef,
        path: str | PathLike[str],
        *,
        variant: str = "video",
        on_progress: ProgressCallback | None = None,
    ) -> Path:
        """Save a job's media at `path` (a file, or a folder to name it in).

        Streams to `<path>.partial`, checks it is the media asked for, resumes after a
        broken connection, then renames. Raises `NotReadyError` before completion,
        `Expired` after `expires_at`, `DownloadError` when the bytes are wrong.
        """
        video_id = _id(video_id)
        segment = _seg(video_id)
        if variant not in VARIANTS:
            raise ValidationError(
                f"variant must be one of {', '.join(VARIANTS)}; got {variant!r}.", param="variant"
            )
        if variant not in self.backend.variants:
            raise DownloadError(
                f"The {self.backend.label} backend has no {variant} (it only serves "
                f"{', '.join(self.backend.variants)}). Make one locally from the video."
            )
        target = _resolve_target(Path(path), video_id, variant)

        @asynccontextmanager
        async def open_at(offset: int) -> AsyncIterator[httpx.Response]:
            headers = {"range": f"bytes={offset}-"} if offset else {}
            response = await self._call(
                "GET",
                f"/videos/{segment}/content",
                params={"variant": variant},
                headers=headers,
                stream=True,
            )
            try:
                yield response
            finally:
                await response.aclose()

        try:
            return await fetch_to_file(
                open_at,
                target,
                video_id=video_id,
                variant=variant,
                max_retries=self.max_retries,
                delay=lambda n: backoff(n, self._random),
                sleep=self._sleep,
                on_progress=on_progress,
                limits=self.limits,
                opener=self._open_file,
                url=self.backend.url(f"/videos/{segment}/content"),
            )
        except NotReadyError:
            raise
        except (GoneError, NotFoundError) as exc:
            raise await self._explain_missing(video_id, exc) from exc

    # --- internals: requests -------------------------------------------------------

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None,
        body: _Body | None,
        headers: Mapping[str, str] | None,
        stream: bool,
    ) -> httpx.Response:
        auth = await self.backend.auth_headers()
        self._secrets.update(secrets_in(auth))
        all_headers = dict(auth)
        if body is not None:
            all_headers["content-type"] = body.content_type
        all_headers.update(headers or {})
        request = self._http.build_request(
            method,
            self.backend.url(path),
            params={**self.backend.query(), **(params or {})},
            content=body.content if body is not None else None,
            headers=all_headers,
            timeout=self._timeout,
        )
        logger.debug("%s %s", method, path)
        response = await self._http.send(request, stream=True)
        if not stream:
            await read_capped(response, self.limits.json_bytes)
        return response

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: _Body | None = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
        recover: Recover | None = None,
        video_in_error: bool = False,
    ) -> httpx.Response:
        """Send with retries. A 2xx response is returned (open when `stream`).

        With `recover`, an ambiguous failure first calls it; a job it finds is raised
        back as `_Recovered` for the caller. With `video_in_error`, a non-2xx answer whose
        body is a job is returned as if it were a success.
        """
        attempt = 0
        while True:
            failure: SoraNotebookError
            delay: float | None
            try:
                sending = self._send(
                    method, path, params=params, body=body, headers=headers, stream=stream
                )
                response = await within(
                    self.request_deadline, sending, url=self.backend.url(path), what=path
                )
            except (APITimeoutError, TooLarge) as exc:
                # a server that trickles or floods does so again: not retried
                failure, ambiguous, delay = exc, True, None
            except httpx.TransportError as exc:
                failure = _transport_error(exc, self.backend.url(path))
                failure.__cause__ = exc
                ambiguous = is_ambiguous(exc)
                delay = backoff(attempt, self._random)
            else:
                verdict = await self._judge(response, path, attempt, stream, video_in_error)
                if verdict is None:
                    return response
                failure, ambiguous, delay = verdict
            can_retry = delay is not None and attempt < self.max_retries
            if can_retry:
                assert delay is not None
                await self._sleep(delay)
            if recover is not None and ambiguous:
                found = await self._recover(recover, failure)
                if found is not None:
                    raise _Recovered(found)
            if not can_retry:
                raise failure
            attempt += 1
            logger.debug("retry %d of %s %s", attempt, method, path)

    async def _judge(
        self, response: httpx.Response, path: str, attempt: int, stream: bool, video_ok: bool
    ) -> tuple[SoraNotebookError, bool, float | None] | None:
        """None when `response` is the answer; else (failure, ambiguous, retry delay).
        With `video_ok`, an error status whose body is a job is an answer too."""
        if response.is_success and not _cut_short(response, stream):
            return None
        if stream:
            try:
                await read_capped(response, self.limits.json_bytes)
            except TooLarge:
                response._content = b""
        logger.debug("%s -> %s", path, response.status_code)
        if response.is_success:  # a 2xx whose body ended early: the answer is lost
            lost = APIConnectionError("The answer was cut short", url=self.backend.url(path))
            return lost, True, backoff(attempt, self._random)
        payload = redact(_payload(response), self._secrets)
        if video_ok and _is_video(payload):
            return None
        failure = error_for_status(response.status_code, payload, response.headers)
        return failure, response.status_code >= 500, self._status_delay(attempt, response)

    @property
    def request_deadline(self) -> float:
        """Seconds one API request may take in total: `limits.request_seconds`, or twice
        the per-read `timeout` when that is shorter."""
        return min(self.limits.request_seconds, 2 * self._timeout)

    def _status_delay(self, attempt: int, response: httpx.Response) -> float | None:
        """The wait before retrying an error status; None when it must not be retried."""
        if not should_retry_status(response.status_code, response.headers):
            return None
        return retry_delay(attempt, response.headers, self._random, now=self._wall_clock())

    async def _recover(self, recover: Recover, failure: SoraNotebookError) -> Video | None:
        """The job an ambiguous create made, or None when the list shows there is none.

        When the list itself cannot be read, whether the job exists is unknown: raise
        rather than send again, so nobody is billed twice.
        """
        try:
            return await recover()
        except SoraNotebookError as exc:
            logger.debug("could not look for the submitted job: %s", type(exc).__name__)
            raise SubmissionUnknown() from failure

    async def _create_call(self, path: str, body: _Body, recover: Recover) -> Video:
        try:
            response = await self._call("POST", path, body=body, recover=recover)
            video = _video(response)
        except _Recovered as found:
            logger.debug("found the submitted job %s after an ambiguous failure", found.video.id)
            video = found.video
        self._claimed.add(video.id)
        return video

    async def _derive(
        self,
        kind: str,
        video_id: str,
        prompt: str,
        path: str,
        seconds: int | str | None = None,
    ) -> Video:
        if not getattr(self.backend, f"supports_{kind}"):
            raise ValidationError(
                f"The {self.backend.label} backend cannot {kind} videos. Submit a new video "
                "with a changed prompt instead.",
                param=kind,
            )
        validate_create(prompt, _OPEN_MODEL, None, None)
        _seg(video_id)  # refuse an unusable id before sending anything
        payload: dict[str, Any] = {"prompt": prompt}
        if kind != "remix":
            payload["video"] = {"id": video_id}
        if seconds is not None:
            payload["seconds"] = normalize_seconds(seconds)
        submitted = self._wall_clock()

        async def recover() -> Video | None:
            return await self.find_submitted(
                prompt,
                created_after=submitted - SUBMIT_SKEW,
                remixed_from=video_id if kind == "remix" else None,
                exclude=self._claimed,
            )

        body = _Body(json.dumps(payload).encode(), "application/json")
        return await self._create_call(path, body, recover)

    async def _retrieve(self, video_id: str) -> tuple[Video, float | None]:
        response = await self._call("GET", f"/videos/{_seg(video_id)}", video_in_error=True)
        return _video(response), parse_poll_after(response.headers)

    async def _list_page(
        self, *, limit: int | None, order: str | None, after: str | None
    ) -> VideoPage:
        params: dict[str, str] = {}
        if limit is not None:
            params["limit"] = str(limit)
        if order is not None:
            params["order"] = order
        if after is not None:
            params["after"] = after
        response = await self._call("GET", "/videos", params=params)
        body = _payload(response)
        if not isinstance(body, Mapping):
            raise _not_json(response)
        return VideoPage.from_dict(body)

    async def _explain_missing(self, video_id: str, exc: APIError) -> SoraNotebookError:
        """Turn a 404/410 on content into Expired or NotReady when the job says so."""
        if isinstance(exc, GoneError):
            return Expired(video_id)
        try:
            video = await self.retrieve(video_id)
        except SoraNotebookError:
            return exc
        if video.is_expired(self._wall_clock()):
            return Expired(video_id, video.expires_at)
        if not video.is_terminal:
            return NotReadyError(
                f"{video_id} is still {video.status}",
                status_code=exc.status_code,
                body=exc.body,
                headers=exc.headers,
            )
        return exc

    # --- internals: bodies ---------------------------------------------------------

    def _validate(
        self, prompt: str, model: str | None, size: str | None, seconds: int | str | None
    ) -> tuple[str | None, str | None, str | None]:
        if self.backend.check_models or model:
            return validate_create(prompt, model, size, seconds)
        _, size, secs = validate_create(prompt, _OPEN_MODEL, size, seconds)
        return None, size, secs

    def _reference_fields(self, reference: Any, size: str | None) -> dict[str, Any]:
        if reference is None:
            return {}
        if isinstance(reference, str) and reference.startswith(("http://", "https://", "data:")):
            reference = {"image_url": reference}
        if isinstance(reference, Mapping):
            if not {"image_url", "file_id"} & set(reference):
                raise ValidationError(
                    "input_reference as a dict needs 'image_url' or 'file_id'.",
                    param="input_reference",
                )
            if self.backend.image_url_field and "image_url" in reference:
                return {self.backend.image_url_field: json.dumps(dict(reference))}
            return {"input_reference": dict(reference)}
        expected = size or (DEFAULT_SIZE if self.backend.check_models else None)
        ref = load_reference(reference, expected)
        return {"input_reference": FilePart(ref.filename, ref.content, ref.content_type)}

    def _create_body(self, fields: Mapping[str, Any]) -> _Body:
        has_file = any(isinstance(v, FilePart) for v in fields.values())
        if self.backend.multipart or has_file:
            content, content_type = encode_multipart(fields)
            return _Body(content, content_type)
        clean = {k: v for k, v in fields.items() if v is not None}
        return _Body(json.dumps(clean).encode(), "application/json")


class _Recovered(Exception):
    """Control flow: an ambiguous create's job was found. Never escapes the client."""

    def __init__(self, video: Video) -> None:
        super().__init__(video.id)
        self.video = video


def _seg(video_id: str) -> str:
    return id_path_segment(video_id)


def _id(ref: VideoRef) -> str:
    """The id of a `Video`, or the id given."""
    return ref.id if isinstance(ref, Video) else ref


def _resolve_target(path: Path, video_id: str, variant: str) -> Path:
    """The file to write: `path` when it names a file (it has a suffix, or is a file);
    otherwise a folder, made if need be, with the file named for the id inside."""
    if path.is_dir() or not (path.suffix or path.is_file()):
        path = path / f"{id_file_stem(video_id)}{_EXT[variant]}"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _agrees(expected: Any, actual: Any) -> bool:
    return expected is None or actual is None or str(expected) == str(actual)


def _transport_error(exc: httpx.TransportError, url: str) -> APIConnectionError:
    scrub_request(exc)  # it is chained as the cause: its request must not carry the key
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"No answer in time ({type(exc).__name__})", url=url)
    return APIConnectionError(f"Connection failed ({type(exc).__name__})", url=url)


def _cut_short(response: httpx.Response, stream: bool) -> bool:
    """True when a read body is shorter than its Content-Length (a lost answer)."""
    length = response.headers.get("content-length")
    if stream or not length or not length.isdigit():
        return False
    if response.headers.get("content-encoding", "identity") != "identity":
        return False
    return len(response.content) < int(length)


def _payload(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        return response.text


def _is_video(body: Any) -> bool:
    return isinstance(body, Mapping) and bool(body.get("id")) and "status" in body


def _not_json(response: httpx.Response) -> APIError:
    return APIError(
        "The server's answer is not the JSON the Video API sends",
        status_code=response.status_code,
        body=response.text[:500],
        headers=response.headers,
    )


def _video(response: httpx.Response) -> Video:
    body = _payload(response)
    if not _is_video(body):
        raise _not_json(response)
    return Video.from_dict(body)


def _json_or_empty(response: httpx.Response) -> Mapping[str, Any]:
    body = _payload(response)
    return body if isinstance(body, Mapping) else {}
