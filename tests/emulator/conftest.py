"""Fixtures for the emulator tests: fake clock, in-process clients, a real uvicorn server."""

from __future__ import annotations

import base64
import io
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from fakes import FakeTime
from live_server import LiveServer
from PIL import Image

from sora_notebook.emulator import create_app

KEY = {"authorization": "Bearer sk-test"}


@pytest.fixture
def clock() -> FakeTime:
    return FakeTime()


@pytest.fixture
def make_app() -> Iterator[Callable[..., Any]]:
    """Build apps (draft render by default); their engines are closed after the test."""
    apps: list[Any] = []

    def make(**kwargs: Any) -> Any:
        kwargs.setdefault("render", "draft")
        app = create_app(**kwargs)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.state.emulator.close()


@pytest.fixture
def app(make_app, clock):
    return make_app(clock=clock)


def asgi_client(app: Any, **headers: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://emulator.test/v1",
        headers={**KEY, **headers},
    )


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app) as c:
        yield c


async def complete(client: httpx.AsyncClient, clock: FakeTime, video_id: str) -> dict:
    """Move the fake clock past the job's end and return the finished job."""
    clock.advance(300)
    r = await client.get(f"/videos/{video_id}")
    assert r.status_code == 200, r.text
    return r.json()


def png_bytes(width: int, height: int, colour=(200, 30, 30), fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    img = Image.new("RGB", (width, height), colour)
    for x in range(0, width, 40):  # some structure so the picture is recognisable
        img.paste((20, 20, 220), (x, 0, min(width, x + 10), height))
    img.save(buf, format=fmt)
    return buf.getvalue()


def data_url(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


@pytest.fixture
def serve(make_app) -> Iterator[Callable[..., LiveServer]]:
    """Start uvicorn servers for apps; stopped at the end of the test."""
    servers: list[LiveServer] = []

    def start(app: Any | None = None, **kwargs: Any) -> LiveServer:
        server = LiveServer(app if app is not None else make_app(**kwargs)).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
