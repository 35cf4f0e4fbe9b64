"""Every error sora-notebook raises, under one root.

```
SoraNotebookError
├── ValidationError            bad input, caught before any request (also a ValueError)
├── APIError                   the server answered with an error status, or not at all
│   ├── BadRequestError          400
│   ├── AuthenticationError      401
│   ├── PermissionDeniedError    403
│   ├── NotFoundError            404
│   │   └── NotReadyError          404 "not ready yet": the job has no media yet
│   ├── ConflictError            409
│   ├── GoneError                410
│   ├── UnprocessableEntityError 422
│   ├── RateLimitError           429
│   ├── ServerError              5xx
│   ├── TooLarge                 an answer above its size limit (Limits.json_bytes)
│   └── APIConnectionError       no answer: refused, reset, dropped (`status_code` 0)
│       └── APITimeoutError        no answer in time (or not in total within the limits)
├── SubmissionUnknown          a create may or may not have reached the server
├── DownloadError              the media that arrived is not what was asked for
│   └── DiskFull                 the disk under the download is full
├── ListTruncated              a list walk stopped at a page or job limit
├── VideoFailed                a job ended `failed` (raised only by an explicit wait)
├── Expired                    the server no longer keeps this job's media
├── WaitTimeout                a wait passed its deadline (also a TimeoutError)
└── BudgetExceeded             a request would pass the studio's budget
```

As in openai-python, `except APIError` also catches a connection that gave no answer.
HTTP statuses map to classes in exactly one place, `error_for_status`. Every message
says what to do next. No message, repr or attribute ever carries a key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sora_notebook._headers import parse_retry_after

__all__ = [
    "TRANSIENT_STATUSES",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BudgetExceeded",
    "ConflictError",
    "DiskFull",
    "DownloadError",
    "Expired",
    "GoneError",
    "ListTruncated",
    "NotFoundError",
    "NotReadyError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "SoraNotebookError",
    "SubmissionUnknown",
    "TooLarge",
    "UnprocessableEntityError",
    "ValidationError",
    "VideoFailed",
    "WaitTimeout",
    "error_for_status",
]


#: Statuses that say "not now" rather than "no": retried, and never a definitive refusal.
TRANSIENT_STATUSES = frozenset({408, 409, 429})


class SoraNotebookError(Exception):
    """The root of every error this package raises."""


class ValidationError(SoraNotebookError, ValueError):
    """Input that would be refused, caught before anything is sent (nothing is billed)."""

    def __init__(self, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param


class APIError(SoraNotebookError):
    """The server answered with an error status.

    `message`, `code`, `param` and `type` come from the `{"error": {...}}` envelope when
    the server sent one; `body` is the parsed body (or text), `headers` the response headers.
    """

    hint = "Check the request against the server's documentation."

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        code: str | int | None = None,
        param: str | None = None,
        type: str | None = None,
    ) -> None:
        self.message = message
        self.status_code = status_code
        self.body = body
        self.headers = dict(headers or {})
        self.code = code
        self.param = param
        self.type = type
        super().__init__(f"{status_code}: {message} ({self.hint})")

    @property
    def request_id(self) -> str | None:
        return self.headers.get("x-request-id")


class BadRequestError(APIError):
    """400: the server refused a parameter."""

    hint = "Fix the parameter the message names; the request was not billed."


class AuthenticationError(APIError):
    """401: no key, or a key the server does not accept."""

    hint = (
        "Check the key: set OPENAI_API_KEY (or AZURE_OPENAI_API_KEY), or pass api_key= "
        "to the Backend."
    )


class PermissionDeniedError(APIError):
    """403: the key may not do this."""

    hint = "This key may not use this model or resource; check its project and permissions."


class NotFoundError(APIError):
    """404: no such job (or no such media) on this server."""

    hint = "Check the id and the backend: jobs live on the server that created them."


class NotReadyError(NotFoundError):
    """404 before completion: the job has no media yet."""

    hint = "The job has no media yet; wait for it to complete, then download."


class ConflictError(APIError):
    """409: the job is busy with another operation."""

    hint = "The job is busy (for example still cancelling); try again in a moment."


class GoneError(APIError):
    """410: the server no longer keeps this."""

    hint = "The server no longer keeps this; play the local copy if one was saved."


class UnprocessableEntityError(APIError):
    """422: the request is well-formed but cannot be done."""

    hint = "The server understood the request but cannot do it; change the input."


class RateLimitError(APIError):
    """429: too many requests or running jobs."""

    hint = "Too many requests or running jobs; wait and retry, or lower the concurrency."

    @property
    def retry_after(self) -> float | None:
        """Seconds the server asked to wait, from `retry-after-ms` or `Retry-After`."""
        return parse_retry_after(self.headers)


class ServerError(APIError):
    """5xx: the server failed."""

    hint = "The server failed; retry later. If it persists, the backend is down."


class TooLarge(APIError):
    """An answer larger than the limit set for it (nothing of it was kept)."""


class APIConnectionError(APIError):
    """No answer: the connection was refused, reset or dropped (`status_code` is 0)."""

    hint = "Check the base URL and that the server is running."

    def __init__(self, message: str = "", *, url: str | None = None) -> None:
        self.url = url
        where = f" to {url}" if url else ""
        text = message or "Could not connect"
        self.message = text
        self.status_code = 0
        self.body = None
        self.headers = {}
        self.code = self.param = self.type = None
        SoraNotebookError.__init__(
            self,
            f"{text}{where}. Check the base URL and that the server is running "
            "(`sora-notebook emulator` starts a local one).",
        )


class APITimeoutError(APIConnectionError):
    """The server did not answer in time."""


class SubmissionUnknown(SoraNotebookError):
    """A create's answer was lost and the job list could not be read to find it.

    It was not sent again, so nothing is billed twice; the job may exist on the server.
    """

    def __init__(self, reason: str | None = None, *, listable: bool = True) -> None:
        self.reason = reason
        said = f" (the server said: {reason})" if reason else ""
        look = (
            "Look for the job with `client.list()` (or let the studio reconcile it) "
            if listable
            else "This backend has no job list: look for the job in the provider's own "
            "console or usage page "
        )
        super().__init__(
            f"The request may have reached the server, but its answer was lost{said} and "
            "the job list could not be read to check. It was not sent again, so you are not "
            f"billed twice. {look}before submitting again."
        )


class DownloadError(SoraNotebookError):
    """What arrived is not the media asked for (an error page, a cut-short body...).

    Nothing is kept: a partial file is removed, a complete earlier file is untouched.
    """


class DiskFull(DownloadError):
    """The disk under the download filled up; nothing partial was kept."""

    def __init__(self, folder: Any, free: int | None = None) -> None:
        self.folder = str(folder)
        self.free = free
        left = "" if free is None else f" ({free / 1e6:.1f} MB free)"
        super().__init__(
            f"The disk holding {self.folder} is full{left}, so the download stopped and "
            "nothing partial was kept. Free some space there (or move the library to a "
            "bigger disk); the download starts again by itself once there is room."
        )


class ListTruncated(SoraNotebookError):
    """A walk of the job list stopped at a page or job limit (the server kept going)."""

    def __init__(self, pages: int, items: int, limit: str) -> None:
        self.pages, self.items, self.limit = pages, items, limit
        super().__init__(
            f"Stopped reading the job list after {pages} pages and {items} jobs: the "
            f"server still said there was more ({limit} reached). If it really holds "
            "more jobs, raise Limits.list_pages / Limits.list_items."
        )


class VideoFailed(SoraNotebookError):
    """A job ended `failed`. Raised only by an explicit wait; polling returns it as data."""

    def __init__(self, video: Any) -> None:
        self.video = video
        error = getattr(video, "error", None)
        reason = error.message if error is not None else "no reason given"
        code = error.code if error is not None else None
        self.code = code
        hint = (
            "Rephrase the prompt: avoid real people, copyrighted characters and adult content."
            if code == "moderation_blocked" or "moderation" in reason.lower()
            else "Change the prompt or parameters and submit again."
        )
        super().__init__(f"Video {video.id} failed: {reason} {hint}")


class Expired(SoraNotebookError):
    """The server no longer keeps this job's media (past `expires_at`)."""

    def __init__(self, video_id: str, expires_at: int | None = None) -> None:
        self.video_id = video_id
        self.expires_at = expires_at
        super().__init__(
            f"The media of {video_id} has expired on the server. Play the local copy if it "
            "was saved; otherwise generate it again."
        )


class WaitTimeout(SoraNotebookError, TimeoutError):
    """A wait passed its deadline. The job goes on; nothing was cancelled."""

    def __init__(self, video_id: str, timeout: float, last: Any = None) -> None:
        self.video_id = video_id
        self.timeout = timeout
        self.last = last
        status = getattr(last, "status", "unknown")
        super().__init__(
            f"{video_id} was still {status} after {timeout:g} s. The job goes on: wait again "
            "with a longer timeout, or track it in the studio."
        )


class BudgetExceeded(SoraNotebookError):
    """A request would pass the budget. Nothing was sent."""

    def __init__(self, cost: float, spent: float, budget: float) -> None:
        self.cost, self.spent, self.budget = cost, spent, budget
        super().__init__(
            f"This would cost ${cost:.2f}, and ${spent:.2f} of the ${budget:.2f} budget is "
            "spent. Raise the budget, or choose fewer, shorter or smaller videos."
        )


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    410: GoneError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def error_reason(body: Any) -> tuple[str, Any, Any, Any]:
    """(message, code, param, type) from an error body in any shape these servers use:
    `{"error": {...}}` (OpenAI, vLLM, LiteLLM), `{"error": "text"}` (OpenRouter, SGLang's
    warm-up), FastAPI's `{"detail": "text"}` and `{"detail": [{"loc", "msg"}, ...]}`
    (SGLang), `{"message": ...}`, or plain text."""
    if isinstance(body, str):
        return body.strip()[:500], None, None, None
    if not isinstance(body, Mapping):
        return "", None, None, None
    envelope = body.get("error")
    if isinstance(envelope, Mapping):
        message = str(envelope.get("message") or envelope.get("msg") or "")[:2000]
        return message, envelope.get("code"), envelope.get("param"), envelope.get("type")
    if isinstance(envelope, str) and envelope.strip():
        return envelope.strip()[:2000], body.get("code"), body.get("param"), None
    detail = body.get("detail")
    if isinstance(detail, str):
        return detail.strip()[:2000], None, None, None
    if isinstance(detail, list):
        items = [d for d in detail[:20] if isinstance(d, Mapping)]
        texts: list[str] = []
        params: list[str] = []
        for item in items:
            loc = item.get("loc")
            where = ".".join(str(x) for x in loc) if isinstance(loc, list | tuple) else ""
            texts.append(f"{where}: {item.get('msg')}" if where else str(item.get("msg")))
            params.append(where)
        return "; ".join(texts)[:2000], None, (params[0] or None) if params else None, None
    text = body.get("message")
    if isinstance(text, str):
        return text.strip()[:2000], body.get("code"), body.get("param"), None
    return "", None, None, None


def error_for_status(
    status_code: int, body: Any = None, headers: Mapping[str, str] | None = None
) -> APIError:
    """The one place an HTTP error status becomes an exception."""
    message, code, param, kind = error_reason(body)
    message = message or f"HTTP {status_code}"
    if status_code >= 500:
        cls: type[APIError] = ServerError
    elif status_code == 404 and "not ready" in message.lower():
        cls = NotReadyError
    else:
        cls = _BY_STATUS.get(status_code, APIError)
    return cls(
        message,
        status_code=status_code,
        body=body,
        headers=headers,
        code=code,
        param=param if isinstance(param, str) else None,
        type=kind if isinstance(kind, str) else None,
    )
