"""Shared pieces of the benchmarks: results, statistics, tables, machine facts, the server."""

from __future__ import annotations

import asyncio
import json
import math
import os
import platform
import subprocess
import sys
import time
from collections.abc import Coroutine, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

import httpx

T = TypeVar("T")

RESULTS = Path(__file__).parent / "results"
PACKAGES = (
    "sora-notebook",
    "openai",
    "httpx",
    "httpx2",
    "uvicorn",
    "starlette",
    "ipywidgets",
    "anywidget",
    "av",
    "numpy",
)


@dataclass
class Goal:
    """One target of the issue: what was measured against what it should be."""

    name: str
    target: str
    value: str
    met: bool | None  # None: not applicable in this run


@dataclass
class Result:
    """What one benchmark reports: a table, its goals and the raw numbers."""

    name: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    goals: list[Goal] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- statistics ------------------------------------------------------------------------


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run` that always closes its loop: once nest-asyncio2 has patched
    `asyncio.run` in a process (as `studio.run` does inside a running loop), the patched
    one leaves its loops open."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def quantile(values: Sequence[float], q: float) -> float:
    """The q-quantile (0..1) with linear interpolation; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def median(values: Sequence[float]) -> float:
    return quantile(values, 0.5)


def ratio(a: float, b: float) -> float:
    """a / b, NaN when b is 0 or either is NaN."""
    if b == 0 or math.isnan(a) or math.isnan(b):
        return math.nan
    return a / b


def fmt(value: Any, digits: int = 2) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:,.{digits}f}"
    return str(value)


# --- output ------------------------------------------------------------------------------


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A plain-text table, numbers right-aligned."""
    text = [[fmt(c) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in text:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=False)]
    out = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=False))]
    out.append("  ".join("-" * w for w in widths))
    for row, raw in zip(text, rows, strict=False):
        cells = [
            c.rjust(w) if isinstance(r, int | float) else c.ljust(w)
            for c, w, r in zip(row, widths, raw, strict=False)
        ]
        out.append("  ".join(cells))
    return "\n".join(out)


def report(result: Result) -> str:
    lines = [f"== {result.name}: {result.title} ({result.seconds:.1f} s)", ""]
    lines.append(table(result.headers, result.rows))
    if result.goals:
        lines.append("")
        for goal in result.goals:
            mark = {True: "MET", False: "MISSED", None: "n/a"}[goal.met]
            lines.append(f"  [{mark}] {goal.name}: {goal.value} (goal {goal.target})")
    for note in result.notes:
        lines.append(f"  note: {note}")
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    """Cores, memory, Python and package versions of this run."""
    memory = None
    try:
        import psutil

        memory = round(psutil.virtual_memory().total / 2**30, 1)
    except ImportError:
        pass
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "cores": os.cpu_count(),
        "memory_gib": memory,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "packages": versions,
        "when": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
    }


def save(name: str, payload: dict[str, Any], folder: Path = RESULTS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2, default=str), "utf-8")
    return path


# --- the emulator in its own process -----------------------------------------------------


class Server:
    """The emulator (plus the benchmark's counting middleware) in a uvicorn subprocess on
    127.0.0.1, on an ephemeral port. Its own process, so its CPU and memory are not ours."""

    def __init__(self, *, speed: float, render: str = "draft") -> None:
        self.speed, self.render = speed, render
        self.proc: subprocess.Popen[str] | None = None
        self.port = 0

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root}/v1"

    def __enter__(self) -> Server:
        cmd = [sys.executable, "-m", "benchmarks._server", f"--speed={self.speed}"]
        cmd.append(f"--render={self.render}")
        self.proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).parent.parent,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("port "):
            self.__exit__()
            raise RuntimeError(f"the benchmark server did not start: {line!r}")
        self.port = int(line.split()[1])
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()

    def call(self, method: str, path: str, **params: Any) -> Any:
        """A control request to the benchmark middleware (`/_bench/...`)."""
        response = httpx.request(method, f"{self.root}/_bench/{path}", params=params, timeout=120)
        response.raise_for_status()
        return response.json()


HEADERS = {"authorization": "Bearer bench-key"}
PROMPT = "A paper boat drifts down a rain-filled gutter, close-up, morning light"
SIZE = "720x1280"
SECONDS = ("4", "8", "12")


def seconds_mix(n: int) -> list[str]:
    """Clip lengths for n jobs: 4, 8 and 12 s in turn (known, different durations)."""
    return [SECONDS[i % len(SECONDS)] for i in range(n)]


async def create_jobs(
    http: httpx.AsyncClient, base_url: str, seconds: Sequence[str], prompt: str = PROMPT
) -> list[dict[str, Any]]:
    """Create one job per entry of `seconds` straight over HTTP (JSON), all at once."""
    import asyncio

    async def one(sec: str) -> dict[str, Any]:
        body = {"prompt": prompt, "model": "sora-2", "size": SIZE, "seconds": sec}
        response = await http.post(f"{base_url}/videos", json=body, headers=HEADERS)
        response.raise_for_status()
        return dict(response.json())

    return list(await asyncio.gather(*(one(s) for s in seconds)))


async def wait_completed(
    http: httpx.AsyncClient, base_url: str, ids: Iterable[str], *, limit: float = 120.0
) -> None:
    """Poll (every 0.2 s, bounded) until every job is completed: warms the render cache."""
    import asyncio

    left = set(ids)
    deadline = time.monotonic() + limit
    while left and time.monotonic() < deadline:
        for video_id in list(left):
            response = await http.get(f"{base_url}/videos/{video_id}", headers=HEADERS)
            if response.json().get("status") in ("completed", "failed"):
                left.discard(video_id)
        if left:
            await asyncio.sleep(0.2)
    if left:
        raise RuntimeError(f"{len(left)} warm-up jobs did not complete in {limit} s")


async def clear_jobs(http: httpx.AsyncClient, base_url: str) -> int:
    """Delete every job the server lists (its render cache stays), so the next side
    follows only its own jobs."""
    ids: list[str] = []
    after: str | None = None
    for _ in range(1000):  # bounded: 100 000 jobs
        params = {"limit": "100", **({"after": after} if after else {})}
        page = (await http.get(f"{base_url}/videos", params=params, headers=HEADERS)).json()
        ids += [v["id"] for v in page["data"]]
        if not page.get("has_more") or not page["data"]:
            break
        after = page["data"][-1]["id"]
    for video_id in ids:
        await http.delete(f"{base_url}/videos/{video_id}", headers=HEADERS)
    return len(ids)
