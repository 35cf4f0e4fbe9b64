"""Tracking several backends in one studio against one backend.

An arena fans each prompt out to four backends (4 x P prompts x 2 variants). Each backend
is its own emulator in its own uvicorn process on 127.0.0.1. Counted on the servers, by
route: status requests per job (`GET /videos/{id}` plus list pages), and the wall time
until every job was seen completed with its video saved. The goal: a job tracked among
four backends costs no more status requests than a job of one backend does today, i.e.
than one backend given its share (P x 2 jobs). For reference, a third side sends the
arena's whole number of jobs to one backend (one list page covers more jobs there, which
four servers cannot share).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from contextlib import ExitStack
from typing import Any

from benchmarks._common import Goal, Result, Server, fmt, ratio, run_async

NAME = "arena"
TITLE = "status requests per job: four backends in one studio vs one backend, same jobs"
PROMPTS = {"smoke": 2, "full": 50}
BACKENDS = 4
VARIANTS = 2
SPEED = 4.0  # a 4 s clip lasts about 5 s: waiting, not rendering, dominates
LIMIT = 600.0


async def _run(base_urls: list[str], prompts: int, per_backend: int) -> tuple[int, float]:
    """Fan `prompts` prompts out to every backend, `per_backend` jobs each; (jobs, seconds)."""
    from sora_notebook.client.backend import Backend
    from sora_notebook.studio import Studio

    backends = {f"b{i}": Backend.compatible(url, "bench-key") for i, url in enumerate(base_urls)}
    with tempfile.TemporaryDirectory(prefix="bench-arena-") as tmp:
        studio = Studio(backends, library=tmp, max_rps=50.0)
        start = time.perf_counter()
        try:
            jobs = []
            for n in range(prompts):
                prompt = f"arena prompt {n}: a paper boat on a stream"
                targets = [f"{name}:sora-2" for name in backends] * per_backend
                jobs += await studio.fan_out(prompt, targets, size="720x1280", seconds="4")
            await asyncio.wait_for(asyncio.gather(*(studio.wait(j) for j in jobs)), LIMIT)
        finally:
            await studio.aclose()
        return len(jobs), time.perf_counter() - start


def _side(servers: list[Server], prompts: int, per_backend: int, label: str) -> dict[str, Any]:
    for server in servers:
        server.call("POST", "reset")
    jobs, took = run_async(_run([s.base_url for s in servers], prompts, per_backend))
    status = 0
    for server in servers:
        counts = server.call("GET", "stats")["counts"]
        status += counts.get("retrieve", 0) + counts.get("list", 0)
    per_minute = status / len(servers) / took * 60
    return {"side": label, "jobs": jobs, "status": status, "seconds": took, "rate": per_minute}


def run(size: str = "full") -> Result:
    prompts = PROMPTS[size]
    with ExitStack() as stack:
        servers = [stack.enter_context(Server(speed=SPEED)) for _ in range(BACKENDS)]
        one = _side(servers[:1], prompts, VARIANTS, "one backend, its share")
        four = _side(servers, prompts, VARIANTS, "four backends, one studio")
        whole = _side(servers[:1], prompts, VARIANTS * BACKENDS, "one backend, every job")
    sides = [one, four, whole]
    for side in sides:
        side["per_job"] = side["status"] / max(1, side["jobs"])
    rows = [
        [s["side"], s["jobs"], s["status"], s["per_job"], s["rate"], s["seconds"]] for s in sides
    ]
    goal = Goal(
        "status requests per job, four backends vs one",
        "no more than one backend needs",
        f"{fmt(four['per_job'])} vs {fmt(one['per_job'])} "
        f"({fmt(ratio(four['per_job'], one['per_job']))}x)",
        four["per_job"] <= one["per_job"] * 1.05,
    )
    return Result(
        NAME,
        TITLE,
        ["side", "jobs", "status requests", "per job", "per backend a minute", "seconds"],
        rows,
        goals=[goal],
        data={"sides": sides, "prompts": prompts, "variants": VARIANTS, "speed": SPEED},
        notes=[
            f"{prompts} prompts x {BACKENDS} targets x {VARIANTS} variants; each backend an "
            f"emulator at speed {SPEED:g} in its own process. 5 % slack for the adaptive "
            "poll's timing.",
            "A backend's jobs are followed by one job-list request for all of them, so the "
            "requests grow with backends x time, not with jobs: compare the rate per backend.",
        ],
    )
