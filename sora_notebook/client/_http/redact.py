"""Keys out of error text: a server that echoes the auth header must not put it in an error."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import httpx

__all__ = ["AUTH_HEADERS", "redact", "scrub_request", "secrets_in"]

REDACTED = "[redacted]"
AUTH_HEADERS = ("authorization", "api-key", "x-api-key")


def secrets_in(headers: Mapping[str, str]) -> set[str]:
    """The credentials in auth headers (a bearer token without its `Bearer `)."""
    found = set()
    for value in headers.values():
        token = value.split(" ", 1)[-1].strip()
        if len(token) >= 6:
            found.add(token)
    return found


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


def scrub_request(exc: httpx.HTTPError) -> None:
    """Blank the auth headers of the request an httpx error holds (it may be chained
    into one of ours, and a debugger or traceback formatter can print it)."""
    try:
        request = exc.request
    except RuntimeError:  # an error raised before any request was made
        return
    for name in AUTH_HEADERS:
        if name in request.headers:
            request.headers[name] = REDACTED
