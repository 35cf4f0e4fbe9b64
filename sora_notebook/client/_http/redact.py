"""Keys out of error text: a server that echoes the auth header must not put it in an error."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from typing import Any

import httpx

__all__ = [
    "AUTH_HEADERS",
    "redact",
    "redact_headers",
    "remember_secrets",
    "scrub_request",
    "secrets_in",
]

REDACTED = "[redacted]"
AUTH_HEADERS = ("authorization", "api-key", "x-api-key")
#: Extra headers known to carry no secret; every other header given with `headers=`
#: may hold a key (X-Goog-Api-Key, a gateway's own name...) and is treated as one.
PUBLIC_HEADERS = frozenset(
    {"user-agent", "http-referer", "referer", "x-title", "accept", "content-type", "openai-beta"}
)


def secrets_in(headers: Mapping[str, str]) -> set[str]:
    """The credentials in auth headers, or in any header but `PUBLIC_HEADERS` (a bearer
    token without its `Bearer `, and the whole value)."""
    found = set()
    for name, value in headers.items():
        if name.lower() in PUBLIC_HEADERS:
            continue
        for token in (value.split(" ", 1)[-1].strip(), value.strip()):
            if len(token) >= 6:
                found.add(token)
    return found


def redact_headers(headers: httpx.Headers, secrets: Collection[str]) -> httpx.Headers:
    """A copy of response headers with every credential replaced (a server may echo the
    key in `WWW-Authenticate` or a debug header)."""
    return httpx.Headers([(k, redact(v, secrets)) for k, v in headers.multi_items()])


def redact(body: Any, secrets: Collection[str]) -> Any:
    """`body` with every credential replaced, in strings, mappings and lists."""
    if isinstance(body, str):
        for secret in secrets:
            body = body.replace(secret, REDACTED)
        return body
    if isinstance(body, Mapping):
        return {redact(k, secrets): redact(v, secrets) for k, v in body.items()}
    if isinstance(body, list):
        return [redact(v, secrets) for v in body]
    return body


def scrub_request(exc: httpx.HTTPError, secrets: Collection[str] = ()) -> None:
    """Blank the auth headers, and any header holding one of `secrets`, of the request an
    httpx error holds (it may be chained into one of ours, and a debugger or traceback
    formatter can print it)."""
    try:
        request = exc.request
    except RuntimeError:  # an error raised before any request was made
        return
    for name, value in list(request.headers.items()):
        if name.lower() in AUTH_HEADERS or redact(value, secrets) != value:
            request.headers[name] = REDACTED


#: Loggers of the HTTP stack that print what a server sent (httpcore's DEBUG lines hold
#: response headers, where a server may echo the key).
_HTTP_LOGGERS = (
    *("httpx", "httpcore.connection", "httpcore.http11", "httpcore.http2"),
    *("httpcore.proxy", "httpcore.socks"),
)
_KNOWN: set[str] = set()


class _Redacting(logging.Filter):
    """Replaces every key a client of this process sent in the HTTP stack's log lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _KNOWN:
            text = record.getMessage()
            clean = redact(text, _KNOWN)
            if clean != text:
                record.msg, record.args = clean, ()
        return True


_FILTER = _Redacting()


def remember_secrets(secrets: Collection[str]) -> None:
    """Keep `secrets` out of the HTTP stack's log lines from now on."""
    if not secrets or set(secrets) <= _KNOWN:
        return
    _KNOWN.update(secrets)
    for name in _HTTP_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
