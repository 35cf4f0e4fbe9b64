"""The emulator on a real socket, wrapped in a benchmark middleware (run as a subprocess).

    python -m benchmarks._server --speed 4 --render draft     # prints "port N", then serves

The middleware counts requests by route and answers control requests under `/_bench/`:
`stats` (counts, each job's server-side completion time, content responses), `reset`,
`hint?on=0|1` (strip `openai-poll-after-ms`, as servers without the hint behave),
`cut?fraction=0.5` (cut the next media response at that fraction, then drop the
connection), `renders` (render every job's media now, so none completes late),
`big?video_id=...&mb=200` (grow a completed job's MP4 with a trailing `free` box, still a
valid MP4). The emulator itself is not modified.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import os
import re
import socket
import struct
from collections import Counter
from typing import Any

import uvicorn
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sora_notebook.emulator import create_app
from sora_notebook.protocol import COMPLETED

_ID = re.compile(r"^/v1/videos/([^/]+)(/content|/remix)?$")


class _Cut(Exception):
    """Raised mid-body to make uvicorn drop the connection."""


def route_of(method: str, path: str) -> str:
    if path == "/v1/videos":
        return "create" if method == "POST" else "list"
    match = _ID.match(path)
    if match is None:
        return "other"
    if match[2] == "/content":
        return "content"
    if match[2] == "/remix":
        return "remix"
    return {"GET": "retrieve", "DELETE": "delete"}.get(method, "other")


class Bench:
    """Counting and control middleware around the emulator app."""

    def __init__(self, app: ASGIApp, engine: Any) -> None:
        self.app, self.engine = app, engine
        self.counts: Counter[str] = Counter()
        self.hint = True
        self.cut: float | None = None
        self.content: list[dict[str, Any]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path.startswith("/_bench/"):
            await self._control(scope, receive, send)
            return
        route = route_of(scope["method"], path)
        self.counts[route] += 1
        if route == "content":
            await self._content(scope, receive, send)
            return

        async def strip_hint(message: Message) -> None:
            if message["type"] == "http.response.start" and not self.hint:
                message["headers"] = [
                    (k, v) for k, v in message.get("headers", []) if k != b"openai-poll-after-ms"
                ]
            await send(message)

        await self.app(scope, receive, strip_hint)

    async def _content(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers", []))
        entry: dict[str, Any] = {
            "range": headers.get(b"range", b"").decode() or None,
            "status": None,
            "sent": 0,
            "cut": False,
        }
        self.content.append(entry)
        cut, self.cut = self.cut, None
        limit: int | None = None

        async def counted(message: Message) -> None:
            nonlocal limit
            if message["type"] == "http.response.start":
                entry["status"] = message["status"]
                length = dict(message.get("headers", [])).get(b"content-length")
                if cut is not None and length is not None and message["status"] == 200:
                    limit = int(int(length) * cut)
            elif message["type"] == "http.response.body":
                body = message.get("body", b"")
                if limit is not None and entry["sent"] + len(body) >= limit:
                    keep = body[: limit - entry["sent"]]
                    entry["sent"] += len(keep)
                    entry["cut"] = True
                    await send({"type": "http.response.body", "body": keep, "more_body": True})
                    raise _Cut
                entry["sent"] += len(body)
            await send(message)

        await self.app(scope, receive, counted)

    async def _control(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        action = scope["path"].removeprefix("/_bench/")
        q = request.query_params
        body: Any
        if action == "stats":
            body = {
                "counts": dict(self.counts),
                "requests": self.engine.requests,
                "jobs": {
                    j.id: {"created_at": j.created_at, "finishes_at": j.finishes_at}
                    for j in self.engine.jobs.values()
                },
                "content": self.content,
            }
        elif action == "reset":
            self.counts.clear()
            self.content = []
            body = {"ok": True}
        elif action == "hint":
            self.hint = q.get("on", "1") == "1"
            body = {"hint": self.hint}
        elif action == "cut":
            self.cut = float(q.get("fraction", "0.5"))
            body = {"cut": self.cut}
        elif action == "renders":
            body = await asyncio.to_thread(self._renders)
        elif action == "big":
            body = await asyncio.to_thread(self._grow, q["video_id"], float(q.get("mb", "200")))
        else:
            body = {"error": f"unknown action {action!r}"}
        await JSONResponse(body)(scope, receive, send)

    def _renders(self) -> dict[str, Any]:
        """Render every job's media now (as if each had left the queue), and wait."""
        for job in list(self.engine.jobs.values()):
            self.engine.touch(job, now=float("inf"))
        self.engine.wait_all_renders(timeout=300)
        return {"rendered": len(self.engine.jobs)}

    def _grow(self, video_id: str, mb: float) -> dict[str, Any]:
        job = self.engine.get(video_id)
        if job is None or self.engine.status(job)[0] != COMPLETED:
            return {"error": "the job must exist and be completed"}
        path = self.engine.media_path(job)
        original = path.read_bytes()
        pad = max(0, int(mb * 1_000_000) - len(original) - 8)
        tmp = path.with_name(path.name + ".grow")
        digest = hashlib.sha256()
        with tmp.open("wb") as fh:
            for part in (original, struct.pack(">I4s", pad + 8, b"free")):
                fh.write(part)
                digest.update(part)
            block = bytes(1 << 20)
            left = pad
            while left:
                n = min(left, len(block))
                fh.write(block[:n])
                digest.update(block[:n])
                left -= n
        os.replace(tmp, path)
        return {"size": path.stat().st_size, "sha256": digest.hexdigest()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed", type=float, default=4.0)
    parser.add_argument("--render", choices=("draft", "full"), default="draft")
    args = parser.parse_args()
    app = create_app(speed=args.speed, render=args.render)
    wrapped = Bench(app, app.state.emulator)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)  # connections queue from now on, before uvicorn accepts them
    print(f"port {sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(wrapped, log_level="critical", lifespan="on", access_log=False)
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
