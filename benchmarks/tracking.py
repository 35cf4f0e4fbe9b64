"""Tracking efficiency: the studio's tracker against the `openai` SDK's `create_and_poll`.

N jobs of known durations (4, 8 and 12 s clips in turn) on the emulator over a real
socket. Each side creates its own N jobs: the SDK with one `create_and_poll` task per job
(its default poll: the server's `openai-poll-after-ms`, else 1 s), the studio with
`submit` and its one tracker task (default settings: 5 requests/s, adaptive polling,
media saved on completion). Counted on the server, by route: status requests per job
(`GET /videos/{id}` plus `GET /videos` list pages). Detection latency: from the moment a
job completes on the server (its engine's `finishes_at`; the renders are warmed first so
nothing completes late) to the moment the side sees it (`create_and_poll` returns; the
studio records it as `completed`). Two server behaviours: with the emulator's exact
`openai-poll-after-ms` hint, and without it (vLLM-Omni, LiteLLM, SGLang send none).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import warnings
from collections.abc import Sequence
from typing import Any

import httpx

from benchmarks._common import (
    PROMPT,
    SECONDS,
    SIZE,
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

NAME = "tracking"
TITLE = "status requests per job and detection latency: studio vs openai create_and_poll"
SPEED = {"smoke": 20.0, "full": 4.0}  # at 4, a 4 s clip lasts 5.4 s, a 12 s clip 11.4 s
SIZES = {"smoke": (1,), "full": (1, 20, 200)}
HINTS = {"smoke": (True,), "full": (True, False)}
LIMIT = 240.0  # seconds a phase may take before it is abandoned
#: A diagnostic third side for N >= DIAGNOSE: the studio with its rate limit out of the way
#: (its default 5 requests/s queues polls behind a burst of submissions).
UNLIMITED = 1000.0
DIAGNOSE = 20
LABELS = {
    "sdk": "openai SDK",
    "studio": "studio",
    "studio-unlimited": f"studio, max_rps={UNLIMITED:g}",
}


async def run_sdk(base_url: str, n: int) -> dict[str, float]:
    """`create_and_poll` per job, all at once; returns video id -> time it was seen done."""
    import openai

    seen: dict[str, float] = {}
    client = openai.AsyncOpenAI(api_key="bench-key", base_url=base_url)

    async def one(seconds: str) -> None:
        video = await client.videos.create_and_poll(
            prompt=PROMPT,
            model="sora-2",
            size=SIZE,  # type: ignore[arg-type]
            seconds=seconds,  # type: ignore[arg-type]
        )
        seen[video.id] = time.time()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # "the Sora API is shut down"
        try:
            await asyncio.wait_for(asyncio.gather(*(one(s) for s in seconds_mix(n))), LIMIT)
        finally:
            await client.close()
    return seen


async def run_studio(base_url: str, n: int, max_rps: float | None = None) -> dict[str, float]:
    """`Studio.submit` per job; returns video id -> time the studio recorded completion.

    `max_rps`: None for the studio's default request rate."""
    from sora_notebook.client.backend import Backend
    from sora_notebook.studio import Studio

    seen: dict[str, float] = {}
    done = asyncio.Event()
    expected: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="bench-studio-") as tmp:
        rate = {} if max_rps is None else {"max_rps": max_rps}
        studio = Studio(Backend.compatible(base_url, "bench-key"), library=tmp, **rate)
        original = studio.runner.on_change

        def spy(kind: str, job: Any) -> None:
            if kind == "completed" and job.video_id and job.video_id not in seen:
                seen[job.video_id] = time.time()
                if expected and expected <= seen.keys():
                    done.set()
            original(kind, job)

        studio.runner.on_change = spy
        try:
            jobs = await asyncio.gather(
                *(
                    studio.submit(PROMPT, model="sora-2", size=SIZE, seconds=s)
                    for s in seconds_mix(n)
                )
            )
            expected.update(j.video_id for j in jobs if j.video_id)
            if expected <= seen.keys():
                done.set()
            await asyncio.wait_for(done.wait(), LIMIT)
        finally:
            await studio.aclose()
    return seen


async def _clear(base_url: str) -> None:
    async with httpx.AsyncClient(timeout=60) as http:
        await clear_jobs(http, base_url)


def _phase(server: Server, side: str, n: int) -> dict[str, Any]:
    """One side tracking n fresh jobs: `sdk`, `studio` or `studio-unlimited`."""
    run_async(_clear(server.base_url))
    server.call("POST", "reset")
    before = set(server.call("GET", "stats")["jobs"])
    start = time.perf_counter()
    if side == "sdk":
        seen = run_async(run_sdk(server.base_url, n))
    else:
        rate = UNLIMITED if side == "studio-unlimited" else None
        seen = run_async(run_studio(server.base_url, n, rate))
    took = time.perf_counter() - start
    stats = server.call("GET", "stats")
    counts = stats["counts"]
    jobs = {k: v for k, v in stats["jobs"].items() if k not in before}
    latencies = [seen[k] - v["finishes_at"] for k, v in jobs.items() if k in seen]
    status = counts.get("retrieve", 0) + counts.get("list", 0)
    return {
        "side": side,
        "n": n,
        "jobs": len(jobs),
        "seen": len(latencies),
        "status_requests": status,
        "status_per_job": status / max(1, n),
        "counts": counts,
        "latency_median": median(latencies),
        "latency_p95": quantile(latencies, 0.95),
        "latency_max": max(latencies) if latencies else float("nan"),
        "seconds": took,
    }


async def _warm(server: Server, n: int) -> None:
    async with httpx.AsyncClient(timeout=60) as http:
        await create_jobs(http, server.base_url, seconds_mix(min(n, len(SECONDS))))
    server.call("POST", "renders")


def run(size: str = "full", sizes: Sequence[int] | None = None) -> Result:
    sizes = sizes or SIZES[size]
    rows: list[list[Any]] = []
    phases: list[dict[str, Any]] = []
    goals: list[Goal] = []
    with Server(speed=SPEED[size]) as server:
        run_async(_warm(server, max(sizes)))
        for hint in HINTS[size]:
            server.call("POST", "hint", on="1" if hint else "0")
            for n in sizes:
                sdk = _phase(server, "sdk", n)
                studio = _phase(server, "studio", n)
                sides = [sdk, studio]
                if size == "full" and n >= DIAGNOSE:
                    sides.append(_phase(server, "studio-unlimited", n))
                for p in sides:
                    p["hint"] = hint
                phases += sides
                req = ratio(studio["status_per_job"], sdk["status_per_job"])
                lat = ratio(studio["latency_median"], sdk["latency_median"])
                label = "hint" if hint else "no hint"
                for p in sides:
                    rows.append(
                        [
                            label,
                            n,
                            LABELS[p["side"]],
                            p["status_per_job"],
                            p["latency_median"],
                            p["latency_p95"],
                            p["counts"].get("content", 0),
                            p["seconds"],
                        ]
                    )
                rows.append([label, n, "studio / SDK", req, lat, "", "", ""])
                goals.append(
                    Goal(
                        f"status requests, N={n}, {label}",
                        "<= 25% of the SDK's",
                        f"{fmt(100 * req, 0)}% ({fmt(studio['status_per_job'])} vs "
                        f"{fmt(sdk['status_per_job'])} per job)",
                        req <= 0.25,
                    )
                )
                goals.append(
                    Goal(
                        f"median detection latency, N={n}, {label}",
                        "no worse than the SDK's",
                        f"{fmt(studio['latency_median'], 3)} s vs "
                        f"{fmt(sdk['latency_median'], 3)} s",
                        studio["latency_median"] <= sdk["latency_median"] + 0.010,
                    )
                )
    return Result(
        name=NAME,
        title=TITLE,
        headers=[
            "server",
            "N",
            "side",
            "status req/job",
            "latency p50 s",
            "latency p95 s",
            "media req",
            "phase s",
        ],
        rows=rows,
        goals=goals,
        data={"phases": phases, "speed": SPEED[size], "seconds": SECONDS},
        notes=[
            "latency = seen - server completion; a 10 ms tolerance applies to the latency goal",
            "the studio also saves each video's MP4, thumbnail and spritesheet (media req);"
            " the SDK side downloads nothing",
            f"goals are judged on the studio's defaults; the max_rps={UNLIMITED:g} rows"
            " (N >= 20) show what its rate limiter costs",
        ],
    )
