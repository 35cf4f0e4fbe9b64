"""ASGI middleware in front of the routes: request counting, request ids, faults, auth."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sora_notebook.emulator.faults import FAULT_HEADER, KINDS, ConnectionDropped, FaultPlan

__all__ = ["Gate", "error_body"]


def error_body(
    message: str,
    *,
    type: str = "invalid_request_error",
    param: str | None = None,
    code: str | None = None,
) -> dict[str, Any]:
    """The OpenAI error envelope."""
    return {"error": {"message": message, "type": type, "param": param, "code": code}}


_FAULT_ERRORS = {
    "429": (
        429,
        "Rate limit reached for requests (emulated fault). Retry shortly.",
        "requests",
        "rate_limit_exceeded",
    ),
    "500": (
        500,
        "The server had an error while processing your request (emulated fault).",
        "server_error",
        None,
    ),
    "503": (
        503,
        "The engine is currently overloaded (emulated fault). Retry shortly.",
        "server_error",
        None,
    ),
}


class Gate:
    """Counts requests, applies the fault of the request (header or plan), checks the key."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        engine: Any,
        faults: FaultPlan | None = None,
        api_key: str | None = None,
    ) -> None:
        self.app = app
        self.engine = engine
        self.faults = faults
        self.api_key = api_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.engine.requests += 1
        request_id = "req_" + uuid.uuid4().hex[:24]

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        headers = Headers(scope=scope)
        kind = headers.get(FAULT_HEADER)
        if kind is not None and kind not in KINDS:
            await _json(
                send_with_id,
                400,
                error_body(
                    f"Unknown {FAULT_HEADER} {kind!r}; use one of {', '.join(KINDS)}.",
                    param=FAULT_HEADER,
                ),
            )
            return
        if kind is None and self.faults is not None:
            kind = self.faults.draw()
        if kind in _FAULT_ERRORS:
            status, message, etype, code = _FAULT_ERRORS[kind]
            extra = {"retry-after-ms": "200", "retry-after": "1"} if status == 429 else {}
            await _json(send_with_id, status, error_body(message, type=etype, code=code), extra)
            return
        if kind == "drop-before":
            await _start_and_drop(send_with_id)
        if kind == "slow":
            await asyncio.sleep(self.faults.slow_seconds if self.faults else 1.5)
        if scope["path"].startswith("/v1/") and not self._authorized(headers):
            await _json(send_with_id, 401, _auth_error(headers))
            return
        if kind in ("drop-after", "truncate"):
            messages = await _capture(self.app, scope, receive)
            if kind == "drop-after":
                await _start_and_drop(send_with_id)
            await _send_truncated(send_with_id, messages)
            return
        await self.app(scope, receive, send_with_id)

    def _authorized(self, headers: Headers) -> bool:
        key = _key(headers)
        if not key:
            return False
        return self.api_key is None or key == self.api_key


def _key(headers: Headers) -> str:
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return headers.get("api-key", "").strip()


def _auth_error(headers: Headers) -> dict[str, Any]:
    if not _key(headers):
        return error_body(
            "You didn't provide an API key. Send it as 'Authorization: Bearer <key>' "
            "(any key works unless the emulator was started with --api-key).",
            code="missing_api_key",
        )
    return error_body("Incorrect API key provided.", code="invalid_api_key")


async def _json(
    send: Send, status: int, body: dict[str, Any], extra: dict[str, str] | None = None
) -> None:
    data = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    headers += [(k.encode(), v.encode()) for k, v in (extra or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


async def _start_and_drop(send: Send) -> None:
    """Start a response, then fail: a real server closes the socket mid-response."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
        }
    )
    raise ConnectionDropped("emulated fault: the connection was dropped")


async def _capture(app: ASGIApp, scope: Scope, receive: Receive) -> list[Message]:
    messages: list[Message] = []

    async def collect(message: Message) -> None:
        messages.append(message)

    await app(scope, receive, collect)
    return messages


async def _send_truncated(send: Send, messages: list[Message]) -> None:
    """Send the captured response with its headers but only half of its body."""
    start = next(m for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    await send(start)
    await send({"type": "http.response.body", "body": body[: len(body) // 2]})
