"""`Studio`: the engine a person drives from code or from the panel.

```python
studio = Studio(budget=5)                       # the emulator, ./sora_studio/, $5 in all
job = await studio.generate("a paper boat on a stream", seconds=4)
kid = await studio.remix(job, "the same boat at night")
studio.plan("a fox", n=4).cost; studio.progress(kid).fraction; studio.spend.today
job = studio.generate_sync("...")               # for code that does not await
```
Every request is planned once (`plan`: checks, reference fit, price, budget), recorded
with its quote reserved against the budget before it is sent, and followed by one tracker
task (polling, reconciling, downloading); the media is saved the moment a job completes,
what it was billed is kept in the library, and events reach subscribers in coalesced
batches. Knows nothing about widgets except how to import the panel lazily.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import httpx

from sora_notebook.client import AsyncSoraClient, Backend
from sora_notebook.client.dialects import ModelInfo
from sora_notebook.errors import DiskFull, VideoFailed, WaitTimeout
from sora_notebook.library import DELETED_REMOTE, REJECTED, Job, Library
from sora_notebook.library.ledger import Reservation
from sora_notebook.library.lineage import Tree
from sora_notebook.protocol import COMPLETED, FAILED, Video, VideoError
from sora_notebook.studio.blocking import Blocking
from sora_notebook.studio.events import EventHub, StudioEvent
from sora_notebook.studio.importing import ImportReport, import_listed
from sora_notebook.studio.judging import Judging
from sora_notebook.studio.plans import Plan, Quote, Submission, expand_grid
from sora_notebook.studio.polling import PollPolicy
from sora_notebook.studio.ratelimit import RateLimiter
from sora_notebook.studio.reading import Reading
from sora_notebook.studio.runner import Runner, new_owner
from sora_notebook.studio.serving import Serving
from sora_notebook.studio.spending import Spending, _dollars
from sora_notebook.studio.tracker import Tracker
from sora_notebook.studio.watch import LibraryWatch

__all__ = ["Quote", "Studio", "StudioEvent", "Tree"]

log = logging.getLogger("sora_notebook.studio")
T = TypeVar("T")
JobRef = Job | str


class Studio(Reading, Spending, Judging, Blocking, Serving):
    """Submit, track, download, record, remix, compare, judge and cost video generations.

    `backend`: a `Backend` (default `Backend.from_env()`: the emulator unless the
    environment names a server). `library`: a folder or a `Library`. `budget`: dollars
    every studio sharing the library may spend in all; given, it is kept in the library
    (None leaves what is kept; `studio.budget = None` clears it). `prices`: model ->
    dollars per second of video, for models the published table does not price;
    `allow_unknown_cost`: send requests of unknown price under a budget. `clock`/`sleep`
    are injectable (Unix seconds; an awaitable sleep); `max_rps` caps requests per second.
    `on_cost(quote)` is shown every `Quote` before its request is sent; quotes are also
    logged at INFO.
    """

    def __init__(
        self,
        backend: Backend | None = None,
        library: str | os.PathLike[str] | Library = "sora_studio",
        budget: float | None = None,
        *,
        client: AsyncSoraClient | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        max_rps: float = 5.0,
        poll: PollPolicy | None = None,
        coalesce: float = 0.1,
        downloads: int = 2,
        on_cost: Callable[[Quote], object] | None = None,
        prices: Mapping[str, float] | None = None,
        allow_unknown_cost: bool = False,
    ) -> None:
        budget = _dollars(budget, "budget")
        self._owns_library = not isinstance(library, Library)
        self.library = library if isinstance(library, Library) else Library(library, clock=clock)
        # The default emulator keeps its jobs beside the library, so jobs in flight
        # outlive a kernel restart as they would on a real server.
        backend = backend or (client.backend if client else _default_backend(self.library))
        self.backend = backend
        if budget is not None:
            self.budget = budget
        self.prices = dict(prices or {})
        self.allow_unknown_cost = allow_unknown_cost
        self._owns_client = client is None
        self._http: httpx.AsyncClient | None = None
        create_client = client
        if client is None:
            client, create_client, self._http = _make_clients(backend, clock=clock, sleep=sleep)
        self.client = client
        self._clock = clock
        self.on_cost = on_cost
        self._events = EventHub(interval=coalesce)
        self._changed: asyncio.Event | None = None
        self.owner = new_owner()
        self._models: list[ModelInfo] = []
        self._refusals: dict[str, str] = {}
        self.runner = Runner(
            *(client, self.library, backend),
            on_change=self._on_change,
            limiter=RateLimiter(max_rps, clock=clock, sleep=sleep),
            policy=poll or PollPolicy(),
            clock=clock,
            owner=self.owner,
            create_client=create_client,
        )
        self.tracker = Tracker(self.runner, clock=clock, sleep=sleep, concurrency=downloads)
        self._watch = LibraryWatch(self.library, self._on_foreign_change)
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass  # started by the first async call
        else:
            self.start()

    _closed = False

    def __repr__(self) -> str:
        if self._closed:
            return (
                f"Studio(backend={self.backend.label}, library={str(self.library.root)!r}, closed)"
            )
        budget = self.budget
        of = "" if budget is None else f" of ${budget:.2f}"
        return (
            f"Studio(backend={self.backend.label}, library={str(self.library.root)!r}, "
            f"tracked={self.tracker.tracked}, spent=${self.spent:.2f}{of})"
        )

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        """Start tracking on the running loop and resume every unfinished job."""
        task = self.tracker.task
        if task is not None and not task.done() and task.get_loop() is asyncio.get_running_loop():
            return
        self._changed = asyncio.Event()
        self.tracker.start()
        self._watch.start()
        self.library.sweep()
        for job in self.library.jobs():
            if self.runner.owns(job):
                self.tracker.schedule(job)

    async def aclose(self) -> None:
        """Stop tracking (jobs stay recorded and resume next time), close what it opened."""
        self._closed = True
        await self._watch.stop()
        await self.tracker.stop()
        self._events.close()
        if self._owns_client:
            await self.client.aclose()
            await self.runner.create_client.aclose()
            if self._http is not None:
                await self._http.aclose()
        if self._owns_library:
            self.library.close()

    async def __aenter__(self) -> Studio:
        self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # --- events ------------------------------------------------------------------------

    def subscribe(self, callback: Callable[[list[StudioEvent]], object]) -> Callable[[], None]:
        """`callback(events)` gets coalesced batches on the loop thread; returns unsubscribe."""
        return self._events.subscribe(callback)

    def _on_change(self, kind: str, job: Job) -> None:
        self._events.emit(kind, job)
        if self._changed is not None:
            changed, self._changed = self._changed, asyncio.Event()
            changed.set()

    def _on_foreign_change(self, kind: str, job: Job) -> None:
        """Another process changed the library: announce it and re-plan the job here."""
        self._on_change(kind, job)
        if kind == "removed":
            self.tracker.forget(job.key)
        elif self.runner.owns(job) and not (job.is_pending or job.is_final):
            self.tracker.schedule(job, sooner_only=True)

    # --- submitting --------------------------------------------------------------------

    async def _send(self, plans: list[Plan], what: str) -> list[Job]:
        """Record every submission of `plans` with their total quote reserved against the
        budget (all or none), then send them; raises the first problem of any plan."""
        for plan in plans:
            plan.raise_first()
        subs = [s for plan in plans for s in plan.submissions]
        costs = [plan.cost for plan in plans]
        cost = None if None in costs else round(sum(c or 0.0 for c in costs), 4)
        self.start()
        _, budget, counted = self.library.budget_state()
        quote = Quote(what, len(subs), cost, counted if budget is not None else self.spent, budget)
        log.info("%s", quote)
        if self.on_cost is not None:
            self.on_cost(quote)
        jobs = self.library.add_submissions(
            [self._row(s) for s in subs],
            reserve=Reservation(cost, allow_unknown=self.allow_unknown_cost),
        )
        for job in jobs:
            self._on_change("added", job)
        if len(jobs) == 1:  # no task of its own: the caller's await sends it
            return [await self._dispatch(jobs[0])]
        return list(await asyncio.gather(*(self._dispatch(job) for job in jobs)))

    def _row(self, sub: Submission) -> dict[str, Any]:
        return {
            "backend": self.backend.name,
            "backend_url": self.backend.base_url,
            "endpoint": sub.endpoint,
            "prompt": sub.prompt,
            "model": sub.model,
            "size": sub.size,
            "seconds": sub.seconds,
            "params": sub.params,
            "parent_key": sub.parent_key,
            "edge_kind": sub.edge_kind,
            "cost": sub.cost,
            "input_reference": sub.reference,
            "owner": self.owner,
        }

    async def _dispatch(self, job: Job) -> Job:
        job = await self.runner.send(job)
        self.tracker.schedule(job)
        return job

    async def submit(self, prompt: str, **request: Any) -> Job:
        """Record and send one generation; returns at once (the tracker follows it).

        Arguments as `plan` (model, size, seconds, input_reference, fit, parent,
        edge_kind, extra fields). Raises the plan's first problem (`ValidationError`,
        `BudgetExceeded`) before sending, or the server's refusal.
        """
        return (await self._send([self.plan(prompt, **request)], "create"))[0]

    async def generate(self, prompt: str, *, timeout: float | None = None, **kw: Any) -> Job:
        """Submit, wait for completion, and return the job with its media saved."""
        return await self.wait(await self.submit(prompt, **kw), timeout=timeout)

    async def remix(self, job: JobRef, prompt: str) -> Job:
        """A new video from a completed one with a changed prompt (edge `remix`)."""
        return await self._derive(self.plan(prompt, mode="remix", parent=job), "remix")

    async def edit(self, job: JobRef, prompt: str) -> Job:
        """A new video editing a completed one as the prompt says (edge `edit`)."""
        return await self._derive(self.plan(prompt, mode="edit", parent=job), "edit")

    async def extend(self, job: JobRef, prompt: str, seconds: int | str) -> Job:
        """A new video continuing a completed one by `seconds` (edge `extend`)."""
        plan = self.plan(prompt, mode="extend", parent=job, seconds=seconds)
        return await self._derive(plan, "extend")

    async def variants(self, prompt: str, n: int, **params: Any) -> list[Job]:
        """`n` submissions of the same request (the API has no `n`); all or none."""
        return await self._send([self.plan(prompt, n=n, **params)], "batch")

    async def sweep(self, prompt: str | list[str], **grid: Any) -> list[Job]:
        """One submission per combination of the grid's values, e.g.
        `sweep("a fox", seconds=[4, 8], size=["720x1280", "1280x720"])` (4 videos)."""
        combos = expand_grid({"prompt": prompt, **grid})
        plans = [self.plan(combo.pop("prompt"), **combo) for combo in combos]
        return await self._send(plans, "batch")

    # --- waiting -----------------------------------------------------------------------

    def _settled(self, job: Job) -> bool:
        if job.status in (FAILED, REJECTED, DELETED_REMOTE):
            return True
        if not self.runner.owns(job):
            return True
        if job.status == COMPLETED:
            return self.runner.download_done(job)
        return False

    async def wait(self, job: JobRef, *, timeout: float | None = None) -> Job:
        """The job once completed with its media saved (or marked expired).

        Raises `VideoFailed` when it failed or was refused, `WaitTimeout` past `timeout`
        seconds (the job goes on being tracked), `DiskFull` when its download stopped on
        a full disk during this wait (it starts again by itself once there is room).
        """
        self.start()
        key = self._resolve(job).key
        deadline = None if timeout is None else self._clock() + timeout
        state = self.runner.state(key)
        full_before = state.disk_full_tries
        while True:
            current = self.library.get(key)
            if self._settled(current):
                break
            if state.disk_full is not None and state.disk_full_tries > full_before:
                full = state.disk_full  # it retries by itself once there is room
                raise DiskFull(full.folder, full.free)
            if not self.tracker.is_tracked(key):
                self.tracker.schedule(current)
            assert self._changed is not None
            changed = self._changed
            try:
                left = None if deadline is None else max(0.0, deadline - self._clock())
                await asyncio.wait_for(changed.wait(), timeout=left)
            except asyncio.TimeoutError:
                raise WaitTimeout(current.video_id or key, timeout or 0.0, current) from None
        if current.status in (FAILED, REJECTED):
            raise VideoFailed(_as_video(current))
        return current

    # --- removing and importing ---------------------------------------------------------

    async def delete(self, job: JobRef, *, remote: bool = True) -> Job:
        """Forget a job and its local media; with `remote`, delete it on the server too
        (where it has no delete the server's copy stays until it expires; logged)."""
        record = self._resolve(job)
        self.library.check_removable(record)  # another person's job: refuse before anything
        if remote and self._remote_delete_reason(record) is None:
            self.start()
            await self.runner.delete_remote(record)
        self.tracker.forget(record.key)
        self.library.remove(record.key)
        self._on_change("removed", record)
        return record

    async def import_remote(self) -> ImportReport:
        """Add the jobs the backend lists that the library lacks.

        Returns an `ImportReport`: how many were imported, the ids skipped (ids the
        client cannot use, with the reason) and whether the list walk stopped at a limit.
        Where the server has no working list nothing is asked, and the note says why.
        """
        reason = self.capabilities.reason("list")
        if reason is not None:
            return ImportReport(0, [], truncated=False, note=f"Nothing imported: {reason}")
        self.start()
        for pending in self.library.jobs(status="pending"):
            if self.runner.owns(pending) and self.runner.may_reconcile(pending):
                await self.runner.reconcile(pending)
        videos, cut = await self.runner.listed()

        def added(job: Job) -> None:
            self._on_change("added", job)
            self.tracker.schedule(job)

        imported, skipped = await import_listed(
            videos,
            self.library,
            backend=self.runner.backend_name,
            backend_url=self.runner.backend_url,
            on_added=added,
        )
        note = str(cut) if cut is not None else ""
        return ImportReport(imported, skipped, truncated=cut is not None, note=note)


def _default_backend(library: Library) -> Backend:
    return Backend.from_env(emulator_data_dir=library.root / "emulator")


def _make_clients(
    backend: Backend, *, clock: Callable[[], float], sleep: Callable[[float], Awaitable[object]]
) -> tuple[AsyncSoraClient, AsyncSoraClient, httpx.AsyncClient]:
    """Two clients on one connection pool: one that retries, for reading and
    downloading, and one that never re-sends a create on its own. A create whose answer
    is lost stays `pending` and is reconciled by the studio, which sends it again only
    after the server's job list shows it is not there."""
    http = httpx.AsyncClient(**backend.http_options(), timeout=60.0)
    reader = AsyncSoraClient(backend, http_client=http, sleep=sleep, wall_clock=clock)
    creator = AsyncSoraClient(
        backend, http_client=http, max_retries=0, sleep=sleep, wall_clock=clock
    )
    return reader, creator, http


def _as_video(job: Job) -> Video:
    return Video(
        id=job.video_id or job.key,
        status=FAILED,
        error=VideoError(message=job.error_message or "failed", code=job.error_code),
    )
