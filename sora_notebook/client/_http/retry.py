"""When to retry a request and how long to wait first (the official SDK's rules, and more).

Retryable: connection errors, timeouts, 408, 409, 429 and every 5xx. A server's
`x-should-retry: true|false` overrides the status. `retry-after-ms`, then `Retry-After`
(seconds or an HTTP date), is honoured up to `MAX_RETRY_AFTER` seconds; a longer wait is
not retried at all. Otherwise the wait is `min(0.5 * 2**n, 8)` seconds times a jitter
of 0.75-1.0.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import httpx

from sora_notebook._headers import parse_retry_after
from sora_notebook.errors import TRANSIENT_STATUSES

__all__ = [
    "MAX_RETRY_AFTER",
    "backoff",
    "is_ambiguous",
    "retry_delay",
    "should_retry_status",
]

MAX_RETRY_AFTER = 120.0
INITIAL_DELAY = 0.5
MAX_DELAY = 8.0


def should_retry_status(status_code: int, headers: Mapping[str, str]) -> bool:
    """True when an answer with this status (and headers) may be retried."""
    override = {k.lower(): v for k, v in headers.items()}.get("x-should-retry")
    if override is not None and override.strip().lower() in {"true", "false"}:
        return override.strip().lower() == "true"
    return status_code in TRANSIENT_STATUSES or status_code >= 500


def backoff(attempt: int, random: Callable[[], float]) -> float:
    """Capped exponential backoff for retry number `attempt` (0-based), with jitter."""
    base = min(INITIAL_DELAY * 2.0**attempt, MAX_DELAY)
    return base * (1.0 - 0.25 * random())


def retry_delay(
    attempt: int,
    headers: Mapping[str, str] | None,
    random: Callable[[], float],
    *,
    now: float | None = None,
) -> float | None:
    """Seconds to wait before retry number `attempt`; None when the server asks too much."""
    hint = parse_retry_after(headers or {}, now=now)
    if hint is not None:
        return hint if hint <= MAX_RETRY_AFTER else None
    return backoff(attempt, random)


def is_ambiguous(exc: httpx.TransportError) -> bool:
    """True when the request may have reached the server before the failure.

    A refused connection, a connect timeout or a pool timeout sent nothing; a read or
    write failure, a dropped connection or a read timeout may have.
    """
    return not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
