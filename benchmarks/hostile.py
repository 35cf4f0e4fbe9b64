"""Hostile server: an endless JSON body and an endless MP4 stream, the client against raw httpx.

A raw asyncio socket server in its own process (`python -m benchmarks.hostile serve`)
answers `GET /v1/videos/<id>` with a chunked JSON body that never ends and
`GET /v1/videos/<id>/content` with a chunked `video/mp4` body (it starts with `ftyp`)
that never ends. Each side runs in a fresh process of its own, so one side's memory does
not hide the other's:
- JSON: `AsyncSoraClient.retrieve` (default `Limits`, 16 MB cap) against
  `httpx.AsyncClient.get(...).json()`. Measured: peak RSS growth (sampled every 5 ms)
  and how it ended. The raw side is stopped by the benchmark at a time or memory limit.
- MP4: `AsyncSoraClient.download` with a ceiling (`Limits(media_bytes=...)`) against a
  raw httpx stream into a file. Measured: the most bytes on disk at any moment (sampled
  every 5 ms) and what is left after. The raw side is stopped at a time or size limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks._common import Goal, Result, fmt, run_async

NAME = "hostile"
TITLE = "Endless JSON body and endless MP4 stream: AsyncSoraClient against raw httpx"
MB = 1 << 20
#: How long, and how far, the unbounded raw side is allowed to run before it is stopped.
RAW_SECONDS = {"smoke": 1.0, "full": 10.0}
RAW_BYTES = {"smoke": 256 * MB, "full": 2048 * MB}
CEILING = {"smoke": 8 * MB, "full": 64 * MB}
MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
ROOT = Path(__file__).resolve().parent.parent


# --- the server -------------------------------------------------------------------------


async def _serve() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            video = "/content" in head.split("\r\n", 1)[0]
            kind = "video/mp4" if video else "application/json"
            writer.write(
                f"HTTP/1.1 200 OK\r\ncontent-type: {kind}\r\n"
                "transfer-encoding: chunked\r\n\r\n".encode()
            )
            first = MP4_HEAD if video else b'{"id": "'
            writer.write(f"{len(first):x}\r\n".encode() + first + b"\r\n")
            piece = (b"\x00" if video else b"A") * 65536
            frame = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
            while True:
                writer.write(frame)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(f"port {server.sockets[0].getsockname()[1]}", flush=True)
    await server.serve_forever()


# --- one side, in its own process ----------------------------------------------------------


class _Sampler:
    """The peak of `measure()` sampled every 5 ms in a thread."""

    def __init__(self, measure: Any) -> None:
        self.measure = measure
        self.base = self.peak = measure()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, self.measure())

    def __enter__(self) -> _Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self.peak = max(self.peak, self.measure())


def _rss() -> int:
    import psutil

    return int(psutil.Process().memory_info().rss)


def _folder_bytes(folder: Path) -> int:
    total = 0
    for path in folder.rglob("*"):
        with contextlib.suppress(OSError):
            total += path.stat().st_size
    return total


async def _side(side: str, url: str, folder: Path, size: str) -> dict[str, Any]:
    import httpx

    from sora_notebook.client import AsyncSoraClient, Backend, Limits

    seconds, cap = RAW_SECONDS[size], RAW_BYTES[size]
    if side == "client-json":
        async with AsyncSoraClient(Backend.compatible(url, "k"), max_retries=0) as client:
            try:
                await client.retrieve("video_1")
            except Exception as exc:
                return {"ended": type(exc).__name__}
        return {"ended": "returned"}
    if side == "client-mp4":
        limits = Limits(media_bytes=CEILING[size])
        async with AsyncSoraClient(Backend.compatible(url, "k"), limits=limits) as client:
            try:
                await client.download("video_1", folder / "clip.mp4")
            except Exception as exc:
                return {"ended": type(exc).__name__}
        return {"ended": "returned"}
    deadline = time.monotonic() + seconds
    got = 0
    async with httpx.AsyncClient(timeout=5) as http:
        if side == "raw-json":  # what `response.json()` on an unbounded body does
            async with http.stream("GET", f"{url}/videos/video_1") as response:
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if time.monotonic() > deadline or len(body) > cap:
                        return {"ended": "stopped by the benchmark", "read": len(body)}
        else:
            async with http.stream("GET", f"{url}/videos/video_1/content") as response:
                with (folder / "raw.mp4").open("wb") as fh:
                    async for chunk in response.aiter_bytes():
                        fh.write(chunk)
                        got += len(chunk)
                        if time.monotonic() > deadline or got > cap:
                            return {"ended": "stopped by the benchmark", "read": got}
    return {"ended": "returned"}


def _measure_side(side: str, url: str, size: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as tmp:
        folder = Path(tmp)
        measure = _rss if side.endswith("json") else (lambda: _folder_bytes(folder))
        start = time.perf_counter()
        with _Sampler(measure) as sampler:
            out = run_async(_side(side, url, folder, size))
        out["seconds"] = time.perf_counter() - start
        out["peak_growth"] = sampler.peak - sampler.base
        out["left_on_disk"] = _folder_bytes(folder)
    return out


# --- the benchmark -----------------------------------------------------------------------


def _run_side(side: str, url: str, size: str) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "benchmarks.hostile", "side", side, url, size]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def run(size: str = "full") -> Result:
    server = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.hostile", "serve"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline().split()[1])
        url = f"http://127.0.0.1:{port}/v1"
        sides = {s: _run_side(s, url, size) for s in ("client-json", "raw-json")}
        sides.update({s: _run_side(s, url, size) for s in ("client-mp4", "raw-mp4")})
    finally:
        server.kill()
        server.wait()
        if server.stdout is not None:
            server.stdout.close()
    return _result(sides, size)


def _result(sides: dict[str, dict[str, Any]], size: str) -> Result:
    def mb(n: float) -> float:
        return n / MB

    rows: list[list[Any]] = []
    for side, what in (
        ("client-json", "AsyncSoraClient.retrieve (16 MB cap)"),
        ("raw-json", "httpx get + .json()"),
        ("client-mp4", f"AsyncSoraClient.download ({mb(CEILING[size]):.0f} MB ceiling)"),
        ("raw-mp4", "raw httpx stream into a file"),
    ):
        s = sides[side]
        measured = "peak RSS growth" if side.endswith("json") else "most bytes on disk"
        rows.append(
            [what, measured, mb(s["peak_growth"]), s["seconds"], s["ended"], mb(s["left_on_disk"])]
        )
    client_json = mb(sides["client-json"]["peak_growth"])
    client_disk = sides["client-mp4"]["peak_growth"]
    goals = [
        Goal(
            "peak memory growth under an endless JSON body",
            "<= 64 MB",
            f"{fmt(client_json)} MB (raw httpx: {fmt(mb(sides['raw-json']['peak_growth']))} MB "
            f"when stopped after {fmt(sides['raw-json']['seconds'])} s)",
            client_json <= 64,
        ),
        Goal(
            "disk written under an endless MP4 stream",
            f"<= the ceiling ({mb(CEILING[size]):.0f} MB)",
            f"{fmt(mb(client_disk))} MB at most, {sides['client-mp4']['left_on_disk']} bytes "
            f"left (raw httpx: {fmt(mb(sides['raw-mp4']['peak_growth']))} MB when stopped)",
            client_disk <= CEILING[size] and sides["client-mp4"]["left_on_disk"] == 0,
        ),
    ]
    return Result(
        name=NAME,
        title=TITLE,
        headers=["side", "measured", "MB", "seconds", "ended with", "MB left on disk"],
        rows=rows,
        goals=goals,
        data={"sides": sides, "ceiling": CEILING[size], "raw_limits": [RAW_SECONDS[size]]},
    )


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        run_async(_serve())
    else:
        _, _, side, url, size = sys.argv
        print(json.dumps(_measure_side(side, url, size)), flush=True)
