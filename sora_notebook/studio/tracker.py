"""One task that keeps every job of a studio moving: poll, reconcile, download.

The tracker holds a due time per job key. It sleeps until the earliest is due (or until
woken by a new job), then polls all due jobs together, with every job due within the
next `window` seconds when that makes a list request (one request for many, where the
backend can list), and hands reconciles and downloads to short helper tasks,
bounded so a burst of completions does not open dozens of downloads at once. What to do
with a job, and when, is the runner's `next_step`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from sora_notebook.library import Job
from sora_notebook.studio.runner import Runner

__all__ = ["Tracker"]

log = logging.getLogger(__name__)


class Tracker:
    """Schedules every tracked job on one asyncio task."""

    def __init__(
        self,
        runner: Runner,
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        concurrency: int = 2,
        window: float = 1.0,
    ) -> None:
        self.runner = runner
        self.window = window
        self._clock = clock
        self._sleep = sleep
        self._concurrency = concurrency
        self._due: dict[str, float] = {}
        self._busy: set[str] = set()
        self._helpers: set[asyncio.Task[None]] = set()
        self._wake: asyncio.Event | None = None
        self._slots: asyncio.Semaphore | None = None
        self.task: asyncio.Task[None] | None = None

    # --- control -----------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    def start(self) -> asyncio.Task[None]:
        """Start the task on the running loop (again, if it stopped or the loop changed)."""
        loop = asyncio.get_running_loop()
        if self.running and self.task is not None and self.task.get_loop() is loop:
            return self.task
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(self._concurrency)
        self._helpers = set()
        self._busy = set()
        self.task = loop.create_task(self._run(), name="sora-notebook-tracker")
        return self.task

    async def stop(self) -> None:
        """Cancel the task and its helpers (the jobs stay in the library)."""
        tasks = [t for t in (self.task, *self._helpers) if t is not None and not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            done, _ = await asyncio.wait(tasks, timeout=5.0)
            for task in done:
                if not task.cancelled() and task.exception() is not None:
                    log.debug("tracker task ended with %r", task.exception())
        self.task = None

    def schedule(self, job: Job, *, sooner_only: bool = False) -> bool:
        """Track a job per its plan; False when there is nothing left to do with it.
        With `sooner_only`, a job already due earlier keeps its time."""
        step = self.runner.next_step(job)
        if step is None:
            self._due.pop(job.key, None)
            self.runner.settle(job.key)
            return False
        due = self._clock() + step[1]
        if sooner_only and job.key in self._due:
            due = min(due, self._due[job.key])
        self._due[job.key] = due
        if self._wake is not None:
            self._wake.set()
        return True

    def forget(self, key: str) -> None:
        self._due.pop(key, None)
        self.runner.forget(key)

    @property
    def tracked(self) -> int:
        return len(self._due) + len(self._busy)

    def is_tracked(self, key: str) -> bool:
        return key in self._due or key in self._busy

    # --- the loop ----------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            now = self._clock()
            ready = sorted((k for k, t in self._due.items() if t <= now), key=self._due.__getitem__)
            if not ready:
                await self._idle(min(self._due.values()) - now if self._due else None)
                continue
            polls = self._take(ready)
            if polls:
                soon = [k for k, t in self._due.items() if now < t <= now + self.window]
                if soon and self.runner.lists_for(len(polls) + len(soon)):
                    polls += self._take(soon, polls_only=True)
                await self._poll(polls)

    def _take(self, keys: list[str], *, polls_only: bool = False) -> list[Job]:
        """Take `keys` off the schedule; start their reconciles and downloads, return
        the jobs to poll. With `polls_only`, jobs with another step keep their time."""
        polls: list[Job] = []
        for key in keys:
            if key in self._busy:
                if not polls_only:
                    self._due.pop(key, None)
                continue
            job = self.runner.current(key)
            step = None if job is None else self.runner.next_step(job)
            if job is None or step is None:
                self._due.pop(key, None)
            elif step[0] == "poll":
                del self._due[key]
                polls.append(job)
            elif not polls_only:
                del self._due[key]
                self._spawn(step[0], job)
        return polls

    async def _idle(self, timeout: float | None) -> None:
        assert self._wake is not None
        self._wake.clear()
        if timeout is None:
            await self._wake.wait()
            return
        waiter = asyncio.ensure_future(self._wake.wait())
        sleeper = asyncio.ensure_future(self._sleep(max(0.0, timeout)))
        try:
            await asyncio.wait({waiter, sleeper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            # no await here: a cancel of this task arriving now must not be swallowed
            waiter.cancel()
            sleeper.cancel()

    async def _poll(self, jobs: list[Job]) -> None:
        try:
            updated = await self.runner.poll(jobs)
        except Exception:
            log.exception("polling failed; retrying later")
            updated = jobs
            for job in jobs:
                self.runner.note_failure(job.key)
        for job in updated:
            self.schedule(job)

    def _spawn(self, action: str, job: Job) -> None:
        self._busy.add(job.key)
        task = asyncio.get_running_loop().create_task(self._help(action, job))
        self._helpers.add(task)
        task.add_done_callback(self._helpers.discard)

    async def _help(self, action: str, job: Job) -> None:
        assert self._slots is not None
        try:
            async with self._slots:
                current = self.runner.current(job.key)
                if current is None:
                    return
                if action == "reconcile":
                    job = await self.runner.reconcile(current)
                else:
                    job = await self.runner.fetch_media(current)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s of %s failed; retrying later", action, job.key)
            self.runner.note_failure(job.key)
        finally:
            self._busy.discard(job.key)
        latest = self.runner.current(job.key)
        if latest is not None:
            self.schedule(latest)
