"""The in-process transport that puts the emulator behind an httpx client."""

from __future__ import annotations

from typing import Any

import httpx

__all__ = ["EmulatorTransport"]


class EmulatorTransport(httpx.AsyncBaseTransport):
    """ASGI in-process, with a dropped connection surfacing as a real socket shows it."""

    def __init__(self, app: Any) -> None:
        self._inner = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._inner.handle_async_request(request)
        except ConnectionError as exc:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a complete response.", request=request
            ) from exc

    async def aclose(self) -> None:
        await self._inner.aclose()
