"""The client's request plumbing: one request with retries, deadlines and size caps,
the ambiguous-create recovery, and the answer's checks."""

from __future__ import annotations

import asyncio
import logging
import random as _random
import time
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from sora_notebook._headers import parse_poll_after
from sora_notebook.client._http.download import (
    FileOpener,
    open_partial,
)
from sora_notebook.client._http.limits import Limits, TooLarge, read_capped, within
from sora_notebook.client._http.redact import (
    redact,
    redact_headers,
    remember_secrets,
    scrub_request,
    secrets_in,
)
from sora_notebook.client._http.retry import backoff, is_ambiguous, retry_delay, should_retry_status
from sora_notebook.client.backend import Backend
from sora_notebook.client.dialects import ModelInfo
from sora_notebook.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    SoraNotebookError,
    SubmissionUnknown,
    ValidationError,
    error_for_status,
)
from sora_notebook.protocol import (
    Video,
    VideoPage,
    id_path_segment,
)

__all__ = ["RequestCore", "VideoRef"]

_C = TypeVar("_C", bound="RequestCore")

logger = logging.getLogger("sora_notebook.client")

#: How far before the submit a server's `created_at` may be and still match (clock skew).
SUBMIT_SKEW = 60.0
_OPEN_MODEL = "\0open"  # a model name no table knows: validate the form only


Recover = Callable[[], Awaitable["Video | None"]]
ModelList = list[ModelInfo]
#: A job by its id, or the `Video` a method returned.
VideoRef = str | Video


class RequestCore:
    """Configuration and the request loop that `AsyncSoraClient` builds on."""

    #: Poll rounds in a row that may fail transiently before `poll` gives up.
    POLL_FAILURES_TOLERATED = 3
    #: How far before a submit a server's `created_at` may be and still match it.
    SUBMIT_SKEW = SUBMIT_SKEW

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
            **self.backend.http_options(), timeout=timeout
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
        return f"{type(self).__name__}({self.backend!r})"

    # --- what the client's parts (`Bodies`, `Downloads`) build on --------------------

    @property
    def http(self) -> httpx.AsyncClient:
        """The HTTP client every request of this client goes through."""
        return self._http

    @property
    def timeout(self) -> float:
        """Seconds each read may take."""
        return self._timeout

    @property
    def sleep(self) -> Callable[[float], Awaitable[object]]:
        return self._sleep

    @property
    def random(self) -> Callable[[], float]:
        return self._random

    @property
    def wall_clock(self) -> Callable[[], float]:
        return self._wall_clock

    @property
    def open_file(self) -> FileOpener:
        return self._open_file

    async def open_stream(
        self, path: str, params: Mapping[str, str], headers: Mapping[str, str]
    ) -> httpx.Response:
        """A streamed GET of an API path, with the client's retries (its caller closes it)."""
        return await self._call("GET", path, params=params, headers=headers, stream=True)

    async def __aenter__(self: _C) -> _C:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client if this client made it."""
        if self._owns_http:
            await self._http.aclose()

    async def retrieve(self, video_id: VideoRef) -> Video:
        """The job as the server sees it now (a failed job is returned, not raised)."""
        video_id = _id(video_id)
        video, _ = await self.retrieve_with_hint(video_id)
        return video

    async def retrieve_with_hint(self, video_id: VideoRef) -> tuple[Video, float | None]:
        """The job now, and the seconds the server asks to wait before asking again
        (`openai-poll-after-ms`; None when it sends none)."""
        video_id = _id(video_id)
        response = await self._call("GET", f"/videos/{_seg(video_id)}", video_in_error=True)
        return self._parse(response), parse_poll_after(response.headers)

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
        self._secrets.update(secrets_in(auth), secrets_in(self.backend.headers))
        remember_secrets(self._secrets)
        all_headers = {**self.backend.headers, **auth}
        if method == "GET":
            all_headers.update(self.backend.dialect.read_headers())
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
                failure = _transport_error(exc, self.backend.url(path), self._secrets)
                failure.__cause__ = exc
                ambiguous = is_ambiguous(exc)
                delay = backoff(attempt, self._random)
            else:
                verdict = await self._judge(response, path, attempt, stream, video_in_error)
                if verdict is None:
                    return response
                failure, ambiguous, delay = verdict
            if recover is not None and self.backend.dialect.create_refused(failure):
                raise failure  # a 5xx that states why nothing was made: no lookup, no retry
            if self._says_failed(failure, status=video_in_error, media=stream):
                raise failure  # the error says the job failed: asking again won't help
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

    def _says_failed(self, failure: SoraNotebookError, *, status: bool, media: bool) -> bool:
        """Whether the dialect reads `failure` (of a status or media request) as the job's
        end, so that retrying it would only delay the person's red card."""
        dialect = self.backend.dialect
        if status and dialect.failed_status(failure, 1) is not None:
            return True
        return media and dialect.failed_media(failure, 1) is not None

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
        headers = redact_headers(response.headers, self._secrets)
        failure = error_for_status(response.status_code, payload, headers)
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
            reason = failure.message if isinstance(failure, APIError) else None
            listable = self.backend.capabilities.list
            raise SubmissionUnknown(reason, listable=listable) from failure

    async def _create_call(self, path: str, body: _Body, recover: Recover) -> Video:
        try:
            response = await self._call("POST", path, body=body, recover=recover)
            video = self._parse(response)
        except _Recovered as found:
            logger.debug("found the submitted job %s after an ambiguous failure", found.video.id)
            video = found.video
        self._claimed.add(video.id)
        try:
            _seg(video.id)
        except ValidationError as exc:
            raise ValidationError(
                f"The server created a job but its id {video.id[:80]!r} cannot be used to "
                f"follow it ({exc.message}). Check the job on the server itself."
            ) from None
        return video

    def _parse(self, response: httpx.Response) -> Video:
        """A job from a response, mapped from the server's dialect to the official shape."""
        body = _payload(response)
        if not _is_video(body):
            raise _not_json(response)
        data = self._read(body)
        cost = self.backend.dialect.cost_from_headers(response.headers)
        if cost is not None:
            data["server_cost"] = cost
        return Video.from_dict(data)

    def _read(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """A job body in the official shape, with the protocol's status word."""
        data = self.backend.dialect.normalize(body)
        data["status"] = self.backend.dialect.status_word(str(data.get("status") or ""))
        return data

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
        items = body.get("data")
        if isinstance(items, list):
            items = [self._read(v) if _is_video(v) else v for v in items[:1000]]
            body = {**body, "data": items}
        return VideoPage.from_dict(body)


@dataclass(frozen=True)
class _Body:
    content: bytes
    content_type: str


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


def _agrees(expected: Any, actual: Any) -> bool:
    return expected is None or actual is None or str(expected) == str(actual)


def _transport_error(
    exc: httpx.TransportError, url: str, secrets: Collection[str] = ()
) -> APIConnectionError:
    scrub_request(exc, secrets)  # it is chained as the cause: its request must not carry the key
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


def _json_or_empty(response: httpx.Response) -> Mapping[str, Any]:
    body = _payload(response)
    return body if isinstance(body, Mapping) else {}
