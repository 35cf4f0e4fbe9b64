"""Kernel responsiveness while many jobs are tracked and the panel follows them.

Each side follows the same number of fresh jobs (created straight over HTTP on the
emulator, on a real socket) for the same window, on this process's event loop, as in a
kernel. The studio side: `Studio.import_remote()` adopts them, its tracker polls and
saves media, and the real view (`studio.panel()`, the studio view) redraws from the
studio's coalesced events. The naive side: one task per job polling every second, each
snapshot written into that job's own progress bar and label (ipywidgets).

Measured on both: event-loop lag (a 10 ms ticker's oversleep), the latency of a
"trivial cell" (a small coroutine sent to the loop from another thread every 50 ms, as
the kernel's message handler would), and the widget messages that would reach the
browser (every widget's comm is replaced by a counting one; nothing is attached).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any, ClassVar

import httpx

from benchmarks._common import (
    HEADERS,
    Goal,
    Result,
    Server,
    clear_jobs,
    create_jobs,
    fmt,
    median,
    quantile,
    ratio,
    run_async,
    seconds_mix,
)

NAME = "responsiveness"
TITLE = "event-loop lag, trivial-cell latency and widget messages: studio+panel vs naive"
JOBS = {"smoke": 1, "full": 200}
WINDOW = {"smoke": 1.0, "full": 25.0}
SPEED = 2.0  # 4/8/12 s clips last about 11/17/23 s: every job completes in the window
TICK = 0.010
CELL_EVERY = 0.050


class Meter:
    """Counts what widgets would send to the browser (comm messages and their bytes)."""

    active: ClassVar[Meter | None] = None

    def __init__(self) -> None:
        self.times: list[float] = []
        self.bytes = 0
        self.opens = 0

    def record(self, msg_type: str, data: Any, buffers: Any) -> None:
        if msg_type == "comm_open":
            self.opens += 1
            return
        if msg_type != "comm_msg":
            return
        self.times.append(time.perf_counter())
        with contextlib.suppress(TypeError, ValueError):
            self.bytes += len(json.dumps(data, default=str))
        self.bytes += sum(len(b) for b in buffers or ())

    def per_second(self, start: float, end: float) -> tuple[float, int]:
        """(mean messages/s over the window, busiest 1 s bucket)."""
        inside = [t for t in self.times if start <= t <= end]
        buckets: dict[int, int] = {}
        for t in inside:
            buckets[int(t - start)] = buckets.get(int(t - start), 0) + 1
        return len(inside) / max(1e-9, end - start), max(buckets.values(), default=0)


@contextlib.contextmanager
def counting_comms(meter: Meter) -> Any:
    """Every widget created inside gets a comm that counts instead of sending."""
    import comm
    from comm import DummyComm

    class CountingComm(DummyComm):  # type: ignore[misc]
        def publish_msg(
            self,
            msg_type: str,
            data: Any = None,
            metadata: Any = None,
            buffers: Any = None,
            **keys: Any,
        ) -> None:
            meter.record(msg_type, data, buffers)

    original = comm.create_comm
    comm.create_comm = lambda *a, **k: CountingComm(*a, **k)
    try:
        yield meter
    finally:
        comm.create_comm = original


class Probes:
    """A loop-lag ticker on the loop and a trivial-cell sender in a thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.lags: list[float] = []
        self.cells: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._cells, daemon=True)
        self._ticker: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(TICK)
            self.lags.append(time.perf_counter() - start - TICK)

    def _cells(self) -> None:
        async def trivial() -> int:
            return sum(range(100))

        while not self._stop.wait(CELL_EVERY):
            start = time.perf_counter()
            future = asyncio.run_coroutine_threadsafe(trivial(), self.loop)
            try:
                future.result(timeout=10)
            except Exception:  # the loop stopped under us
                return
            self.cells.append(time.perf_counter() - start)

    def start(self) -> None:
        self._ticker = self.loop.create_task(self._tick())
        self._thread.start()

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.to_thread(self._thread.join, 15)
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker

    def summary(self) -> dict[str, float]:
        return {
            "lag_p50_ms": 1000 * median(self.lags),
            "lag_p95_ms": 1000 * quantile(self.lags, 0.95),
            "lag_max_ms": 1000 * max(self.lags, default=float("nan")),
            "cell_p50_ms": 1000 * median(self.cells),
            "cell_p95_ms": 1000 * quantile(self.cells, 0.95),
            "cell_max_ms": 1000 * max(self.cells, default=float("nan")),
            "cells": len(self.cells),
        }


async def _window(window: float, follow: Callable[[], Any], meter: Meter) -> dict[str, Any]:
    """Run `follow()` (a coroutine) with the probes on for `window` seconds."""
    probes = Probes(asyncio.get_running_loop())
    probes.start()
    start = time.perf_counter()
    task = asyncio.ensure_future(follow())
    await asyncio.sleep(window)
    end = time.perf_counter()
    await probes.stop()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    out: dict[str, Any] = dict(probes.summary())
    out["msgs_per_s"], out["msgs_peak_1s"] = meter.per_second(start, end)
    out["kib_per_s"] = meter.bytes / 1024 / (end - start)
    return out


async def studio_side(base_url: str, n: int, window: float) -> dict[str, Any]:
    from sora_notebook.client.backend import Backend
    from sora_notebook.studio import Studio

    meter = Meter()
    async with httpx.AsyncClient(timeout=60) as http:
        await clear_jobs(http, base_url)
        await create_jobs(http, base_url, seconds_mix(n))
    with tempfile.TemporaryDirectory(prefix="bench-studio-") as tmp, counting_comms(meter):
        studio = Studio(Backend.compatible(base_url, "bench-key"), library=tmp)
        panel = studio.panel()
        state: dict[str, Any] = {}

        async def follow() -> None:
            state["imported"] = await studio.import_remote()
            await asyncio.Event().wait()

        try:
            out = await _window(window, follow, meter)
        finally:
            completed = len(studio.jobs(status="completed"))
            panel.close()
            await studio.aclose()
    out.update(side="studio + panel", completed=completed, imported=state.get("imported", 0))
    out["panel"] = True
    return out


async def naive_side(base_url: str, n: int, window: float) -> dict[str, Any]:
    import ipywidgets as w

    meter = Meter()
    async with httpx.AsyncClient(timeout=60) as http:
        await clear_jobs(http, base_url)
        jobs = await create_jobs(http, base_url, seconds_mix(n))
        with counting_comms(meter):
            bars = {j["id"]: (w.IntProgress(max=100), w.Label()) for j in jobs}
            rows = [w.HBox(list(pair)) for pair in bars.values()]
            box = w.VBox(rows)
            done: set[str] = set()

            async def one(video_id: str) -> None:
                bar, label = bars[video_id]
                while True:
                    response = await http.get(f"{base_url}/videos/{video_id}", headers=HEADERS)
                    video = response.json()
                    bar.value = int(video.get("progress") or 0)
                    label.value = f"{video.get('status')} {video.get('progress')}%"
                    if video.get("status") in ("completed", "failed"):
                        done.add(video_id)
                        return
                    await asyncio.sleep(1.0)

            async def follow() -> None:
                await asyncio.gather(*(one(v) for v in bars))
                await asyncio.Event().wait()

            out = await _window(window, follow, meter)
            box.close()
            for row in rows:
                row.close()
            for pair in bars.values():
                for widget in pair:
                    widget.close()
    out.update(side="naive (task per job, 1 s)", completed=len(done), imported=n, panel=False)
    return out


async def idle_side(window: float) -> dict[str, Any]:
    meter = Meter()
    out = await _window(window, lambda: asyncio.Event().wait(), meter)
    out.update(side="idle loop (noise floor)", completed=0, imported=0, panel=False)
    return out


async def _warm(base_url: str, n: int) -> None:
    async with httpx.AsyncClient(timeout=60) as http:
        await create_jobs(http, base_url, seconds_mix(min(n, 3)))


def run(size: str = "full") -> Result:
    n, window = JOBS[size], WINDOW[size]
    with Server(speed=SPEED) as server:
        run_async(_warm(server.base_url, n))
        server.call("POST", "renders")
        idle = run_async(idle_side(min(window, 3.0)))
        naive = run_async(naive_side(server.base_url, n, window))
        studio = run_async(studio_side(server.base_url, n, window))
    rows = []
    for side in (idle, naive, studio):
        rows.append(
            [
                side["side"],
                side["lag_p50_ms"],
                side["lag_p95_ms"],
                side["lag_max_ms"],
                side["cell_p50_ms"],
                side["cell_p95_ms"],
                side["msgs_per_s"],
                side["msgs_peak_1s"],
                side["kib_per_s"],
                side["completed"],
            ]
        )
    rows.append(
        [
            "studio / naive",
            ratio(studio["lag_p50_ms"], naive["lag_p50_ms"]),
            ratio(studio["lag_p95_ms"], naive["lag_p95_ms"]),
            ratio(studio["lag_max_ms"], naive["lag_max_ms"]),
            ratio(studio["cell_p50_ms"], naive["cell_p50_ms"]),
            ratio(studio["cell_p95_ms"], naive["cell_p95_ms"]),
            ratio(studio["msgs_per_s"], naive["msgs_per_s"]),
            ratio(studio["msgs_peak_1s"], naive["msgs_peak_1s"]),
            ratio(studio["kib_per_s"], naive["kib_per_s"]),
            "",
        ]
    )
    goals = [
        Goal(
            f"trivial-cell p95 with {n} jobs tracked",
            "< 50 ms",
            f"{fmt(studio['cell_p95_ms'], 1)} ms (naive {fmt(naive['cell_p95_ms'], 1)} ms)",
            studio["cell_p95_ms"] < 50,
        ),
        Goal(
            "widget messages per second, bounded and coalesced",
            "fewer than the naive per-snapshot updates",
            f"{fmt(studio['msgs_per_s'], 1)}/s, busiest second {studio['msgs_peak_1s']} "
            f"(naive {fmt(naive['msgs_per_s'], 1)}/s, busiest {naive['msgs_peak_1s']})",
            studio["msgs_per_s"] < naive["msgs_per_s"],
        ),
    ]
    return Result(
        name=NAME,
        title=TITLE,
        headers=[
            "side",
            "lag p50 ms",
            "lag p95 ms",
            "lag max ms",
            "cell p50 ms",
            "cell p95 ms",
            "msgs/s",
            "msgs peak 1 s",
            "KiB/s",
            "completed",
        ],
        rows=rows,
        goals=goals,
        data={"jobs": n, "window_s": window, "speed": SPEED, "sides": [idle, naive, studio]},
        notes=[
            f"{n} jobs, {window:g} s window per side; the studio also downloads media",
            "panel imported: " + ("yes" if studio["panel"] else "NO (sora_notebook.widgets)"),
        ],
    )
