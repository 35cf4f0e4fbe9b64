"""`JobPatches`: the jobs reach the page as what changed since the last message.

The `jobs` trait keeps the whole list in Python (what a saved notebook stores and what a
page reconnecting gets), but after the first state a flush sends only
`{"kind": "jobs", "seq", "changed": [...], "removed": [...], "order"?: [...]}` as a
custom message; `order` (every key, oldest first) only when keys came or went. A page
asks for the whole list once per render (`request_jobs`, stamped with the same `seq`) and
applies the patches numbered after it (`patchJobs` in `static/common.js`).
"""

from __future__ import annotations

from typing import Any, Protocol

from sora_notebook.widgets.rpc import Handler, Reply

__all__ = ["JobPatches"]

JobState = dict[str, Any]


class _View(Protocol):
    jobs: list[JobState]

    def send(self, content: dict[str, Any], buffers: Any = None) -> None: ...
    def handle(self, handlers: dict[str, Handler]) -> None: ...


class JobPatches:
    """Sets the view's `jobs` without syncing it and sends the difference instead."""

    def __init__(self, view: _View) -> None:
        self._view = view
        self._sent: dict[str, JobState] = {}
        self.seq = 0
        self.quiet = False  # while True the `jobs` trait is not sent whole
        self.full = True  # the next update sends the whole trait (the first state)
        self.whole = False  # True: every update sends the whole list (the benchmark's before)
        view.handle({"jobs": self.request_jobs})

    def update(self, states: list[JobState]) -> None:
        """The jobs as they are now; the page gets a patch if anything differs."""
        before, self._sent = self._sent, {s["key"]: s for s in states}
        if self.full or self.whole:
            self.full = False
            self._view.jobs = states
            return
        changed = [s for s in states if before.get(s["key"]) != s]
        removed = [k for k in before if k not in self._sent]
        keys = list(self._sent)
        if not changed and not removed and keys == list(before):
            return
        self.quiet = True
        try:
            self._view.jobs = states
        finally:
            self.quiet = False
        self.seq += 1
        patch: dict[str, Any] = {"kind": "jobs", "seq": self.seq, "changed": changed}
        if removed:
            patch["removed"] = removed
        if keys != [k for k in before if k in self._sent] + [
            s["key"] for s in changed if s["key"] not in before
        ]:
            patch["order"] = keys
        self._view.send(patch)

    def request_jobs(self, _args: dict[str, Any], _buffers: list[bytes]) -> Reply:
        """The whole list, for a page that just rendered (or reconnected)."""
        return {"seq": self.seq, "jobs": list(self._sent.values())}, []
