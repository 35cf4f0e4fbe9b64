"""Studio events, coalesced: many changes in one tick reach subscribers as one batch.

A batch holds at most one event per (job, kind); repeated `updated` events of one job
keep only the newest state, and an `updated` that arrives alongside an `added`,
`completed` or `failed` of the same job gives that event its newer state (one alongside
a `removed` is dropped). Order follows first occurrence.
Callbacks run on the event loop thread; one that raises is logged, never fatal.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sora_notebook.library import Job

__all__ = ["EVENT_KINDS", "EventHub", "StudioEvent"]

log = logging.getLogger(__name__)

EVENT_KINDS = ("added", "updated", "completed", "failed", "media_ready", "removed")
_SUPERSEDES_UPDATE = {"completed", "failed", "removed", "added"}
Callback = Callable[[list["StudioEvent"]], object]


@dataclass(frozen=True)
class StudioEvent:
    """Something happened to a job; `job` is its record right after."""

    kind: str
    job: Job


class EventHub:
    """Collects events and delivers them to subscribers in coalesced batches."""

    def __init__(self, *, interval: float = 0.1) -> None:
        self.interval = interval
        self._subscribers: list[Callback] = []
        self._pending: dict[tuple[str, str], StudioEvent] = {}
        self._handle: asyncio.TimerHandle | asyncio.Handle | None = None

    def subscribe(self, callback: Callback) -> Callable[[], None]:
        """Call `callback(list[StudioEvent])` for every batch; returns an unsubscriber."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    def emit(self, kind: str, job: Job) -> None:
        """Queue an event; it is delivered within `interval` seconds (at once off-loop)."""
        if kind not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {kind!r}")
        if kind == "updated":
            held = [k for k in _SUPERSEDES_UPDATE if (job.key, k) in self._pending]
            for k in held:  # the event that supersedes it carries the newest state
                if k != "removed":
                    self._pending[(job.key, k)] = StudioEvent(k, job)
            if held:
                return
        if kind in _SUPERSEDES_UPDATE:
            self._pending.pop((job.key, "updated"), None)
        # a dict keeps a replaced key's first position: first occurrence, newest state
        self._pending[(job.key, kind)] = StudioEvent(kind, job)
        self._schedule()

    def _schedule(self) -> None:
        if self._handle is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return
        self._handle = loop.call_later(self.interval, self.flush)

    def flush(self) -> None:
        """Deliver what is queued now."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if not self._pending:
            return
        batch = list(self._pending.values())
        self._pending.clear()
        for callback in list(self._subscribers):
            try:
                callback(batch)
            except Exception:
                log.exception("A studio event subscriber failed; it stays subscribed.")

    def close(self) -> None:
        """Deliver anything queued, then stop scheduling."""
        self.flush()
