"""The job store the stand-ins share: jobs move on with time, a prompt with "fail" fails.

Each stand-in (standins_gateways.py) copies one gateway's HTTP surface; this store only plays
the GPU: queued, then running, then done after `RUN_SECONDS`.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

RUN_SECONDS = 0.6


@dataclass
class StandinJob:
    id: str
    prompt: str
    model: str
    size: str
    seconds: str
    outputs: int = 1
    fields: dict[str, Any] = field(default_factory=dict)
    created: float = field(default_factory=time.time)
    cancelled: bool = False
    remixed_from: str | None = None

    @property
    def fails(self) -> bool:
        return "fail" in self.prompt.lower()

    def state(self) -> tuple[str, int]:
        """(status, progress 0-100) in the official words."""
        if self.cancelled:
            return "failed", 0
        elapsed = time.time() - self.created
        if elapsed < RUN_SECONDS / 3:
            return "queued", 0
        if elapsed < RUN_SECONDS:
            return "in_progress", int(100 * elapsed / RUN_SECONDS)
        return ("failed", 100) if self.fails else ("completed", 100)


class Store:
    """Jobs by id, plus what the stand-in saw (headers of media fetches, forms)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.jobs: dict[str, StandinJob] = {}
        self.seen: list[dict[str, Any]] = []

    def add(self, **kw: Any) -> StandinJob:
        job = StandinJob(id=f"{self.prefix}{uuid.uuid4().hex}", **kw)
        self.jobs[job.id] = job
        return job

    def newest_first(self) -> list[StandinJob]:
        return sorted(self.jobs.values(), key=lambda j: j.created, reverse=True)
