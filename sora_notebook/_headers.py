"""HTTP header hints a server sends about time: Retry-After and the poll-after hint.

A leaf: the standard library only, so `errors`, `protocol` and the client can all use it.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping

__all__ = ["parse_poll_after", "parse_retry_after"]


def parse_retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds to wait from `retry-after-ms` (first) or `Retry-After` (seconds or HTTP date).

    None when neither is present or valid. Header names are matched case-insensitively.
    """
    lower = {k.lower(): v for k, v in headers.items()}
    ms = lower.get("retry-after-ms")
    if ms is not None:
        try:
            value = float(ms) / 1000
            if value >= 0 and value == value:  # not NaN
                return value
        except ValueError:
            pass
    text = lower.get("retry-after")
    if text is None:
        return None
    text = text.strip()
    try:
        value = float(text)
        return value if value >= 0 and value == value else None
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def parse_poll_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from `openai-poll-after-ms` (at least 0.05), or None when absent or invalid."""
    value = headers.get("openai-poll-after-ms")
    try:
        seconds = float(value) / 1000 if value is not None else None
    except ValueError:
        return None
    if seconds is None or seconds != seconds or seconds < 0:
        return None
    return max(seconds, 0.05)
