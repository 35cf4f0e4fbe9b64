"""Downloads: `AsyncSoraClient.download` against a raw httpx stream, memory, and a resume.

One completed emulator job's MP4 is grown to 200 MB (a valid MP4: the original boxes
plus a trailing `free` box) and served by the emulator (Starlette `FileResponse`) on a
real socket from another process. Measured: throughput of the client's download (to a
`.partial` file, checked, fsynced, renamed) against a raw `httpx` stream into /dev/null
and into a file with fsync (median of interleaved runs); the client's peak Python memory
(tracemalloc) and peak RSS growth while downloading; and a connection cut at 50% of the
body, resumed with `Range`: the bytes fetched twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, BinaryIO

import httpx

from benchmarks._common import (
    HEADERS,
    Goal,
    Result,
    Server,
    create_jobs,
    fmt,
    median,
    ratio,
    run_async,
)

NAME = "downloads"
TITLE = "200 MB media download: AsyncSoraClient.download vs a raw httpx stream"
MB = {"smoke": 5.0, "full": 200.0}
REPEAT = {"smoke": 1, "full": 5}
CHUNK = 65536  # the most httpx hands over per read from a socket (httpcore reads 64 KiB)


def _client(base_url: str) -> Any:
    from sora_notebook.client import AsyncSoraClient
    from sora_notebook.client.backend import Backend

    return AsyncSoraClient(Backend.compatible(base_url, "bench-key"))


async def _raw(base_url: str, video_id: str, sink: BinaryIO, fsync: bool) -> int:
    url = f"{base_url}/videos/{video_id}/content"
    total = 0
    async with (
        httpx.AsyncClient(timeout=60) as http,
        http.stream("GET", url, headers=HEADERS) as response,
    ):
        response.raise_for_status()
        async for chunk in response.aiter_bytes():
            sink.write(chunk)
            total += len(chunk)
    if fsync:
        sink.flush()
        os.fsync(sink.fileno())
    return total


async def _sora(base_url: str, video_id: str, target: Path) -> int:
    async with _client(base_url) as client:
        saved = await client.download(video_id, target)
    return (await asyncio.to_thread(saved.stat)).st_size


def _timed(make: Callable[[], Awaitable[int]]) -> tuple[float, int]:
    start = time.perf_counter()
    size = run_async(make())  # type: ignore[arg-type]
    return time.perf_counter() - start, size


class RssPeak:
    """Samples this process's resident memory every 5 ms in a thread."""

    def __init__(self) -> None:
        import psutil

        self._proc = psutil.Process()
        self.base = self.peak = self._proc.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, self._proc.memory_info().rss)

    def __enter__(self) -> RssPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.base) / 1e6


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


async def _big_job(server: Server, mb: float) -> tuple[str, dict[str, Any]]:
    async with httpx.AsyncClient(timeout=60) as http:
        (job,) = await create_jobs(http, server.base_url, ["4"], prompt="a 200 MB download")
        for _ in range(600):  # at most about 60 s
            video = (
                await http.get(f"{server.base_url}/videos/{job['id']}", headers=HEADERS)
            ).json()
            if video["status"] == "completed":
                break
            await asyncio.sleep(0.1)
    grown = await asyncio.to_thread(server.call, "POST", "big", video_id=job["id"], mb=mb)
    return job["id"], grown


def run(size: str = "full") -> Result:
    mb, repeat = MB[size], REPEAT[size]
    times: dict[str, list[float]] = {"raw /dev/null": [], "raw file+fsync": [], "client": []}
    with Server(speed=50.0) as server, tempfile.TemporaryDirectory(prefix="bench-dl-") as tmp:
        video_id, grown = run_async(_big_job(server, mb))
        nbytes = int(grown["size"])
        base = server.base_url
        target = Path(tmp) / "video.mp4"
        raw_file = Path(tmp) / "raw.mp4"
        rss_growth = 0.0
        for i in range(repeat):
            with open(os.devnull, "wb") as null:
                took, got = _timed(lambda null=null: _raw(base, video_id, null, False))
            times["raw /dev/null"].append(took)
            with raw_file.open("wb") as fh:
                took, got = _timed(lambda fh=fh: _raw(base, video_id, fh, True))
            times["raw file+fsync"].append(took)
            raw_file.unlink()
            target.unlink(missing_ok=True)
            with RssPeak() as rss:
                took, got = _timed(lambda: _sora(base, video_id, target))
            times["client"].append(took)
            if i == 0:
                rss_growth = rss.growth_mb
            assert got == nbytes, (got, nbytes)
        same = _sha256(target) == grown["sha256"]
        target.unlink()
        # peak Python memory, in a run of its own (tracemalloc slows allocation down)
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        _timed(lambda: _sora(base, video_id, target))
        traced_peak = (tracemalloc.get_traced_memory()[1] - before) / 1e6
        tracemalloc.stop()
        target.unlink()
        # a cut at 50%, then the client resumes
        server.call("POST", "reset")
        server.call("POST", "cut", fraction=0.5)
        took_cut, got_cut = _timed(lambda: _sora(base, video_id, target))
        resumed_same = _sha256(target) == grown["sha256"]
        content = server.call("GET", "stats")["content"]
    sent = sum(int(c["sent"]) for c in content)
    refetched = sent - nbytes
    ranges = [c["range"] for c in content]
    speed = {k: nbytes / 1e6 / median(v) for k, v in times.items()}
    rel = ratio(speed["client"], speed["raw /dev/null"])
    rows: list[list[Any]] = [
        [k, median(v), speed[k], ratio(speed[k], speed["raw /dev/null"])] for k, v in times.items()
    ]
    rows.append(["client, cut at 50% + resume", took_cut, nbytes / 1e6 / took_cut, ""])
    goals = [
        Goal(
            "throughput against a raw httpx stream to /dev/null",
            ">= 0.9x",
            f"{fmt(rel)}x ({fmt(speed['client'], 0)} vs {fmt(speed['raw /dev/null'], 0)} MB/s; "
            f"raw into a file with fsync: {fmt(speed['raw file+fsync'], 0)} MB/s)",
            rel >= 0.9,
        ),
        Goal(
            "peak memory growth during the client download",
            "< 20 MB",
            f"tracemalloc {fmt(traced_peak)} MB, RSS {fmt(rss_growth)} MB",
            max(traced_peak, rss_growth) < 20,
        ),
        Goal(
            "cut at 50%, resumed: bytes fetched twice",
            f"<= one chunk ({CHUNK} B)",
            f"{refetched} B over {len(content)} requests (ranges {ranges}); file intact: "
            f"{resumed_same and got_cut == nbytes}",
            0 <= refetched <= CHUNK and resumed_same and len(content) == 2,
        ),
    ]
    return Result(
        name=NAME,
        title=TITLE,
        headers=["download", "median s", "MB/s", "vs raw /dev/null"],
        rows=rows,
        goals=goals,
        data={
            "bytes": nbytes,
            "repeat": repeat,
            "times": times,
            "mb_per_s": speed,
            "tracemalloc_peak_mb": traced_peak,
            "rss_growth_mb": rss_growth,
            "sha256_ok": same,
            "cut": {"requests": content, "refetched_bytes": refetched, "intact": resumed_same},
        },
        notes=[f"{nbytes / 1e6:.0f} MB file, median of {repeat} interleaved runs"],
    )
