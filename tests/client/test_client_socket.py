"""The client against the emulator on a real uvicorn socket: streaming, Range, mid-body faults."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator

import httpx
import pytest
from client_fakes import ThreadedTime
from live_server import LiveServer

from sora_notebook.client import AsyncSoraClient
from sora_notebook.client.backend import Backend
from sora_notebook.emulator import create_app
from sora_notebook.errors import APIConnectionError


@pytest.fixture
def shared_time() -> ThreadedTime:
    return ThreadedTime()


@pytest.fixture
def served(shared_time) -> Iterator[LiveServer]:
    server = LiveServer(create_app(clock=shared_time.clock, render="draft")).start()
    yield server
    server.stop()


@pytest.fixture
async def client(served, shared_time):
    backend = Backend.compatible(f"http://127.0.0.1:{served.port}/v1", "sk-socket-test")
    backend = backend.with_quirks(check_models=True)
    async with AsyncSoraClient(
        backend,
        sleep=shared_time.sleep,
        clock=shared_time.clock,
        wall_clock=shared_time.clock,
        random=lambda: 0.0,
    ) as client:
        yield client


def fault_once(client: AsyncSoraClient, kind: str, method: str | None = None) -> list[str]:
    """Put the emulator's fault header on the next request (of `method`); log requests."""
    log: list[str] = []
    state = {"fired": False}

    async def guarded(request: httpx.Request) -> None:
        log.append(f"{request.method} {request.url.path} {request.headers.get('range', '')}")
        if not state["fired"] and (method is None or request.method == method):
            state["fired"] = True
            request.headers["x-emulator-fault"] = kind

    client._http.event_hooks["request"] = [guarded]
    return log


def busy_connections(client: AsyncSoraClient) -> list:
    pool = client._http._transport._pool  # httpcore's connection pool
    return [c for c in pool.connections if not c.is_idle() and not c.is_closed()]


async def completed_job(client: AsyncSoraClient) -> str:
    job = await client.create("a kite over a windy beach", seconds=4)
    await client.wait(job.id, timeout=3600)
    return job.id


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_stream_a_real_download(client, served, tmp_path):
    video_id = await completed_job(client)
    seen: list[tuple[int, int | None]] = []
    path = await client.download(video_id, tmp_path, on_progress=lambda d, t: seen.append((d, t)))
    engine = served.server.config.app.state.emulator
    assert digest(path) == engine.media_sha256(video_id)
    assert seen[-1] == (path.stat().st_size, path.stat().st_size)
    assert busy_connections(client) == []


async def test_truncated_body_resumes_with_range_over_a_socket(client, served, tmp_path):
    video_id = await completed_job(client)
    log = fault_once(client, "truncate", "GET")
    path = await client.download(video_id, tmp_path / "kite.mp4")
    engine = served.server.config.app.state.emulator
    assert digest(path) == engine.media_sha256(video_id)
    assert len(log) == 2 and "bytes=" in log[1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kite.mp4"]
    assert busy_connections(client) == []


@pytest.mark.parametrize("kind", ["drop-after", "drop-before", "truncate", "500"])
async def test_faulted_create_over_a_socket_bills_once(client, served, kind):
    log = fault_once(client, kind, "POST")
    job = await client.create("a lantern in the fog")
    engine = served.server.config.app.state.emulator
    assert engine.created == 1 and job.prompt == "a lantern in the fog"
    assert sum(1 for line in log if line.startswith("POST")) <= 2
    assert busy_connections(client) == []


async def test_no_key_in_httpcore_debug_logs_over_a_socket(served, shared_time, caplog):
    caplog.set_level(logging.DEBUG)
    secret = "sk-socket-SECRET-98765"
    backend = Backend.compatible(f"http://127.0.0.1:{served.port}/v1", secret)
    async with AsyncSoraClient(backend, sleep=shared_time.sleep, max_retries=0) as client:
        job = await client.create("a quiet harbour")
        await client.retrieve(job.id)
        fault_once(client, "drop-before")
        with pytest.raises(APIConnectionError) as info:
            await client.retrieve(job.id)
    assert any(r.name.startswith("httpcore") for r in caplog.records)
    assert secret not in caplog.text
    assert secret not in str(info.value) and secret not in repr(info.value)
