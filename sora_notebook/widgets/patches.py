"""`JobPatches`: the jobs reach the page as what changed since the last message.

The `jobs` trait keeps the whole list in Python (what a saved notebook stores and what a
page reconnecting gets), but after the first state a flush sends only
`{"kind": "jobs", "seq", "changed": [...], "fields"?: [...], "removed"?: [...],
"order"?: [...]}` as a custom message: `changed` whole jobs (new, or whose fields came or
went), `fields` the key and only the fields that changed of the others (most often the
progress), `order` (every key, oldest first) only when keys came or went. A page
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


def same_course(old: Any, new: Any) -> bool:
    """Whether progress `new` ([fraction, seconds_left, as_of, source]) is where `old`'s
    formula (`Progress.at`) has moved by `new`'s time: within a point and 2 s (or 10%)."""
    if not (isinstance(old, list) and isinstance(new, list) and len(old) == len(new) == 4):
        return False
    (f0, left0, t0, src0), (f1, left1, t1, src1) = old, new
    if src0 != src1 or (left0 is None) != (left1 is None):
        return False
    if left0 is None or left1 is None or left0 <= 0:
        return bool(f0 == f1 and left0 == left1)
    dt = t1 - t0
    moved = min(0.99, f0 + dt * (1.0 - f0) / left0)
    return bool(abs(moved - f1) <= 0.01 and abs((left0 - dt) - left1) <= max(2.0, 0.1 * left1))


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
        for state in states:
            old = self._sent.get(state["key"])
            if old is not None and same_course(old.get("p"), state.get("p")):
                state["p"] = old["p"]  # the page's animation already shows this progress
        before, self._sent = self._sent, {s["key"]: s for s in states}
        if self.full or self.whole:
            self.full = False
            self._view.jobs = states
            return
        changed = [s for s in states if before.get(s["key"]) != s]
        whole = [
            s for s in changed if s["key"] not in before or before[s["key"]].keys() != s.keys()
        ]
        fields = [
            {"key": s["key"], **{k: v for k, v in s.items() if before[s["key"]].get(k) != v}}
            for s in changed
            if s["key"] in before and before[s["key"]].keys() == s.keys()
        ]
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
        patch: dict[str, Any] = {"kind": "jobs", "seq": self.seq, "changed": whole}
        if fields:
            patch["fields"] = fields
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
