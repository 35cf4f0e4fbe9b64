"""Fixtures for the emulator tests: fake clock, in-process clients, a real uvicorn server."""

from __future__ import annotations

import base64
import io
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from PIL import Image

from sora_notebook.emulator import create_app

T0 = 1_900_000_000.0
KEY = {"authorization": "Bearer sk-test"}


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


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


async def complete(client: httpx.AsyncClient, clock: FakeClock, video_id: str) -> dict:
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


class ServerThread:
    """uvicorn serving an app on 127.0.0.1 on an ephemeral port, in a thread."""

    def __init__(self, app: Any) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="critical", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]})

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()


@pytest.fixture
def serve(make_app) -> Iterator[Callable[..., ServerThread]]:
    """Start uvicorn servers for apps; stopped at the end of the test."""
    servers: list[ServerThread] = []

    def start(app: Any | None = None, **kwargs: Any) -> ServerThread:
        server = ServerThread(app if app is not None else make_app(**kwargs)).__enter__()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.__exit__()
