"""Test doubles for the client: fake time, a scripted Video API server, connection counting."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import unquote

import httpx
from fakes import T0, FakeTime

from sora_notebook.client import AsyncSoraClient
from sora_notebook.client.backend import Backend

KEY = "sk-test-SECRET-0123456789"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 8


def ThreadedTime() -> FakeTime:
    """Fake time shared with an emulator whose renders run in real threads (and, over a
    socket, whose server runs in one): each sleep also yields a little real time."""
    return FakeTime(T0, real=0.05)


class _Tracked(httpx.AsyncByteStream):
    def __init__(self, inner: Any, counter: CountingTransport) -> None:
        self.inner, self.counter, self.closed = inner, counter, False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.inner:
            yield chunk

    async def aclose(self) -> None:
        if not self.closed:
            self.closed = True
            self.counter.open -= 1
            if hasattr(self.inner, "aclose"):
                await self.inner.aclose()


class CountingTransport(httpx.AsyncBaseTransport):
    """Counts responses handed out and not yet closed (an open connection each)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.open = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        self.open += 1
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_Tracked(response.stream, self),
            request=request,
        )


class ChunkStream(httpx.AsyncByteStream):
    """A body sent in chunks; an exception in the list is raised at that point."""

    def __init__(self, *chunks: bytes | Exception) -> None:
        self.chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            if isinstance(chunk, Exception):
                raise chunk
            yield chunk


class FakeServer:
    """A small in-memory Video API. `faults` is consumed one per request (None = answer).

    A fault is a Response (answered instead of handling), an exception (raised before the
    handler runs: nothing happened), `("after", exc)` (handled, then the answer is lost)
    or `("status-after", code)` (handled, then an error status is answered).
    """

    def __init__(self, time: FakeTime | None = None) -> None:
        self.time = time or FakeTime()
        self.jobs: dict[str, dict[str, Any]] = {}
        self.requests: list[httpx.Request] = []
        self.faults: list[Any] = []
        self.created = 0
        self._ids = itertools.count(1)
        self.poll_after_ms: str | None = None

    def add_job(self, **fields: Any) -> dict[str, Any]:
        job = {
            "id": f"video_{next(self._ids)}",
            "object": "video",
            "model": "sora-2",
            "status": "queued",
            "progress": 0,
            "created_at": int(self.time.now),
            "size": "720x1280",
            "seconds": "4",
            "prompt": "",
            "completed_at": None,
            "expires_at": None,
            "remixed_from_video_id": None,
            "error": None,
        }
        job.update(fields)
        self.jobs[job["id"]] = job
        return job

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        fault = self.faults.pop(0) if self.faults else None
        if isinstance(fault, Exception):
            raise fault
        if isinstance(fault, httpx.Response):
            return fault
        response = self.handle(request)
        if isinstance(fault, tuple) and fault[0] == "after":
            raise fault[1]
        if isinstance(fault, tuple) and fault[0] == "status-after":
            return httpx.Response(fault[1], json={"error": {"message": "boom"}})
        return response

    def posts(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == "POST"]

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode().split("?")[0]
        parts = path.split("/")[3:]  # after /v1/videos
        if request.method == "POST" and parts == []:
            fields = _form_or_json(request)
            self.created += 1
            job = self.add_job(
                prompt=fields.get("prompt", ""),
                model=fields.get("model") or "sora-2",
                size=fields.get("size") or "720x1280",
                seconds=fields.get("seconds") or "4",
            )
            return httpx.Response(200, json=job)
        if request.method == "POST" and len(parts) == 2 and parts[1] == "remix":
            source = unquote(parts[0])
            self.created += 1
            job = self.add_job(
                prompt=json.loads(request.content)["prompt"], remixed_from_video_id=source
            )
            return httpx.Response(200, json=job)
        if request.method == "GET" and parts == []:
            return self.list(request)
        if request.method == "GET" and len(parts) == 1:
            job = self.jobs.get(unquote(parts[0]))
            if job is None:
                return httpx.Response(404, json={"error": {"message": "Video not found"}})
            headers = {"openai-poll-after-ms": self.poll_after_ms} if self.poll_after_ms else {}
            return httpx.Response(200, json=job, headers=headers)
        return httpx.Response(404, json={"error": {"message": f"no route {path}"}})

    def list(self, request: httpx.Request) -> httpx.Response:
        order = request.url.params.get("order", "desc")
        limit = int(request.url.params.get("limit", "20"))
        jobs = sorted(self.jobs.values(), key=lambda j: (j["created_at"], j["id"]))
        if order == "desc":
            jobs.reverse()
        after = request.url.params.get("after")
        if after:
            ids = [j["id"] for j in jobs]
            jobs = jobs[ids.index(after) + 1 :]
        page = jobs[:limit]
        return httpx.Response(
            200,
            json={
                "object": "list",
                "data": page,
                "has_more": len(jobs) > limit,
                "first_id": page[0]["id"] if page else None,
                "last_id": page[-1]["id"] if page else None,
            },
        )


def _form_or_json(request: httpx.Request) -> dict[str, str]:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        return {k: str(v) for k, v in json.loads(request.content).items()}
    return parse_multipart(request)


def parse_multipart(request: httpx.Request) -> dict[str, Any]:
    """Fields of a multipart body (file parts as bytes)."""
    content_type = request.headers["content-type"]
    boundary = content_type.split("boundary=")[1].encode()
    fields: dict[str, Any] = {}
    for part in request.content.split(b"--" + boundary)[1:-1]:
        head, _, body = part.strip(b"\r\n").partition(b"\r\n\r\n")
        name = head.split(b'name="')[1].split(b'"')[0].decode()
        fields[name] = body if b"filename=" in head else body.decode()
    return fields


def make_client(
    handler: Callable[[httpx.Request], Any],
    *,
    backend: Backend | None = None,
    time: FakeTime | None = None,
    max_retries: int = 2,
    random: float = 0.0,
) -> tuple[AsyncSoraClient, CountingTransport, FakeTime]:
    time = time or FakeTime()
    transport = CountingTransport(httpx.MockTransport(handler))
    client = AsyncSoraClient(
        backend or Backend.openai(KEY, base_url="http://test.local/v1"),
        http_client=httpx.AsyncClient(transport=transport),
        max_retries=max_retries,
        sleep=time.sleep,
        clock=time.clock,
        wall_clock=time.clock,
        random=lambda: random,
    )
    return client, transport, time


def video_json(video_id: str = "video_1", status: str = "completed", **extra: Any) -> dict:
    return {"id": video_id, "object": "video", "status": status, "progress": 100, **extra}
