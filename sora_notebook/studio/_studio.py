"""`Studio`: the engine a person drives from code or from the panel, a thin facade.

```python
studio = Studio(budget=5)                       # the emulator, ./sora_studio/, $5 in all
job = await studio.generate("a paper boat on a stream", seconds=4)
kid = await studio.remix(job, "the same boat at night")
studio.plan("a fox", n=4).cost; studio.progress(kid).fraction; studio.spend.today
job = studio.generate_sync("...")               # for code that does not await
```
A request goes: `Planner.plan` (checks, reference fit, price against the `Wallet`'s
purse, read once; what the `CapabilityBook` allows) -> `Dispatcher.send` (the quote,
recorded with it reserved in the library, sent by the `Runner`'s `Sender`) -> the
`Tracker` (polls by the `Refresher`, media by the `Fetcher`, every answer written and
billed by the `Recorder`). Progress is the `ProgressBook`'s; judging is the `Judge`'s;
events reach subscribers in coalesced batches. Knows nothing about widgets except how
to import the panel lazily.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any, TypeVar

import httpx

from sora_notebook import export as export_formats
from sora_notebook.client import AsyncSoraClient, Backend
from sora_notebook.client.dialects import Capabilities, ModelInfo
from sora_notebook.errors import (
    DiskFull,
    SoraNotebookError,
    ValidationError,
    VideoFailed,
    WaitTimeout,
)
from sora_notebook.judge import Metrics, Preference, Rank, Scorer
from sora_notebook.library import DELETED_REMOTE, REJECTED, Job, Library
from sora_notebook.library.lineage import Tree, build_tree, lineage_of
from sora_notebook.protocol import COMPLETED, FAILED, Video, VideoError
from sora_notebook.studio.capabilities import CapabilityBook
from sora_notebook.studio.dispatch import Dispatcher
from sora_notebook.studio.events import EventHub, StudioEvent
from sora_notebook.studio.importing import ImportReport, import_listed
from sora_notebook.studio.judging import Judge
from sora_notebook.studio.money import Purse, Quote, Spend, Wallet, dollars
from sora_notebook.studio.plans import Plan, Planner, Request, expand_grid
from sora_notebook.studio.polling import PollPolicy
from sora_notebook.studio.progress import Progress, ProgressBook
from sora_notebook.studio.ratelimit import RateLimiter
from sora_notebook.studio.refs import JobRef, resolve
from sora_notebook.studio.runner import Runner, new_owner
from sora_notebook.studio.sync import run_sync
from sora_notebook.studio.tracker import Tracker
from sora_notebook.studio.watch import LibraryWatch

__all__ = ["Quote", "Studio", "StudioEvent", "Tree"]

log = logging.getLogger("sora_notebook.studio")
T = TypeVar("T")
#: The arguments of `plan` that are not extra fields for the server.
_REQUEST_FIELDS = {f.name for f in fields(Request)} - {"prompt", "params"}


class Studio:
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

    _closed = False

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
        budget = dollars(budget, "budget")
        self._owns_library = not isinstance(library, Library)
        self.library = library if isinstance(library, Library) else Library(library, clock=clock)
        # The default emulator keeps its jobs beside the library, so jobs in flight
        # outlive a kernel restart as they would on a real server.
        backend = backend or (client.backend if client else _default_backend(self.library))
        self._owns_client = client is None
        self._http: httpx.AsyncClient | None = None
        create_client = client
        if client is None:
            client, create_client, self._http = _make_clients(backend, clock=clock, sleep=sleep)
        self.client = client
        self._clock = clock
        self._events = EventHub(interval=coalesce)
        self._changed: asyncio.Event | None = None
        self.owner = new_owner()
        self.wallet = Wallet(
            self.library,
            backend,
            owner=self.owner,
            clock=clock,
            prices=prices,
            allow_unknown_cost=allow_unknown_cost,
        )
        if budget is not None:
            self.wallet.budget = budget
        self.book = CapabilityBook(backend)
        self.planner = Planner(backend, self.wallet, self.book)
        self.progress_book = ProgressBook(clock)
        self.judge = Judge(self.library, clock=clock, on_change=self._on_change)
        self.runner = Runner(
            *(client, self.library, backend),
            capabilities=self.book,
            wallet=self.wallet,
            progress=self.progress_book,
            on_change=self._on_change,
            limiter=RateLimiter(max_rps, clock=clock, sleep=sleep),
            policy=poll or PollPolicy(),
            clock=clock,
            owner=self.owner,
            create_client=create_client,
        )
        self.tracker = Tracker(self.runner, clock=clock, sleep=sleep, concurrency=downloads)
        self.dispatcher = Dispatcher(
            *(self.library, self.wallet, self.book, self.runner, self.tracker),
            on_change=self._on_change,
            start=self.start,
            on_cost=on_cost,
        )
        self._backend = backend
        self._watch = LibraryWatch(self.library, self._on_foreign_change)
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass  # started by the first async call
        else:
            self.start()

    def __repr__(self) -> str:
        where = f"backend={self.backend.label}, library={str(self.library.root)!r}"
        if self._closed:
            return f"Studio({where}, closed)"
        budget = self.budget
        of = "" if budget is None else f" of ${budget:.2f}"
        return f"Studio({where}, tracked={self.tracker.tracked}, spent=${self.spent:.2f}{of})"

    # --- settings, kept by the services ------------------------------------------------

    @property
    def backend(self) -> Backend:
        return self._backend

    @backend.setter
    def backend(self, backend: Backend) -> None:
        """Declare the same server anew (e.g. `with_quirks`); its jobs stay this studio's."""
        self._backend = self.wallet.backend = self.book.backend = self.planner.backend = backend

    @property
    def prices(self) -> dict[str, float]:
        """Model -> dollars per second of video, set by the person (they win)."""
        return self.wallet.prices

    @prices.setter
    def prices(self, prices: Mapping[str, float]) -> None:
        self.wallet.prices = dict(prices)

    @property
    def allow_unknown_cost(self) -> bool:
        return self.wallet.allow_unknown_cost

    @allow_unknown_cost.setter
    def allow_unknown_cost(self, allow: bool) -> None:
        self.wallet.allow_unknown_cost = allow

    @property
    def on_cost(self) -> Callable[[Quote], object] | None:
        return self.dispatcher.on_cost

    @on_cost.setter
    def on_cost(self, callback: Callable[[Quote], object] | None) -> None:
        self.dispatcher.on_cost = callback

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

    # --- money -------------------------------------------------------------------------

    @property
    def spend(self) -> Spend:
        """Billed dollars: all time (this library), today (local day), this session."""
        return self.wallet.spend

    @property
    def spent(self) -> float:
        """Dollars billed for what this studio sent (`spend.session`)."""
        return self.wallet.spend.session

    @property
    def budget(self) -> float | None:
        """Dollars every studio sharing this library may spend in all (kept in it)."""
        return self.wallet.budget

    @budget.setter
    def budget(self, value: float | None) -> None:
        self.wallet.budget = value

    @property
    def daily_budget(self) -> float | None:
        """Dollars that may be spent per local calendar day (kept in the library)."""
        return self.wallet.daily_budget

    @daily_budget.setter
    def daily_budget(self, value: float | None) -> None:
        self.wallet.daily_budget = value

    @property
    def left(self) -> float | None:
        """What the budgets leave after what is billed and reserved (None: no budget)."""
        return self.library.budget_left()

    def estimate(
        self,
        model: str | None = None,
        size: str | None = None,
        seconds: int | str | None = None,
        n: int = 1,
    ) -> float | None:
        """Estimated dollars for `n` videos; None where the price is unknown."""
        return self.wallet.estimate(model, size, seconds, n)

    # --- planning and submitting -------------------------------------------------------

    def plan(
        self,
        prompt: str,
        *,
        mode: str = "create",
        parent: JobRef | None = None,
        model: str | None = None,
        size: str | None = None,
        seconds: int | str | None = None,
        n: int = 1,
        input_reference: Any = None,
        fit: str = "none",
        edge_kind: str | None = None,
        **params: Any,
    ) -> Plan:
        """Every decision about a request before it is sent: problems by field (with what
        to do), the quote for all `n`, what the budget leaves, how the reference image is
        fitted, and what the server cannot do. `submit` sends the same plan."""
        request = Request(
            prompt=prompt,
            mode=mode,
            parent=None if parent is None else self._resolve(parent),
            model=model,
            size=size,
            seconds=seconds,
            n=n,
            input_reference=input_reference,
            fit=fit,
            edge_kind=edge_kind,
            params=params,
        )
        return self.planner.plan(request, self.wallet.purse())

    def _planned(self, prompt: str, purse: Purse, **kw: Any) -> Plan:
        """`plan` with the arguments the verbs take, against `purse` (read once)."""
        named = {k: kw.pop(k) for k in _REQUEST_FIELDS & kw.keys()}
        if named.get("parent") is not None:
            named["parent"] = self._resolve(named["parent"])
        return self.planner.plan(Request(prompt=prompt, **named, params=kw), purse)

    async def submit(self, prompt: str, **request: Any) -> Job:
        """Record and send one generation; returns at once (the tracker follows it).

        Arguments as `plan` (model, size, seconds, input_reference, fit, parent,
        edge_kind, extra fields). Raises the plan's first problem (`ValidationError`,
        `BudgetExceeded`) before sending, or the server's refusal.
        """
        purse = self.wallet.purse()
        plan = self._planned(prompt, purse, **request)
        return (await self.dispatcher.send([plan], "create", purse))[0]

    async def generate(self, prompt: str, *, timeout: float | None = None, **kw: Any) -> Job:
        """Submit, wait for completion, and return the job with its media saved."""
        return await self.wait(await self.submit(prompt, **kw), timeout=timeout)

    async def remix(self, job: JobRef, prompt: str) -> Job:
        """A new video from a completed one with a changed prompt (edge `remix`)."""
        return await self._derive("remix", job, prompt)

    async def edit(self, job: JobRef, prompt: str) -> Job:
        """A new video editing a completed one as the prompt says (edge `edit`)."""
        return await self._derive("edit", job, prompt)

    async def extend(self, job: JobRef, prompt: str, seconds: int | str) -> Job:
        """A new video continuing a completed one by `seconds` (edge `extend`)."""
        return await self._derive("extend", job, prompt, seconds=seconds)

    async def _derive(self, mode: str, job: JobRef, prompt: str, **kw: Any) -> Job:
        purse = self.wallet.purse()
        plan = self._planned(prompt, purse, mode=mode, parent=job, **kw)
        return await self.dispatcher.derive(plan, mode, purse)

    async def variants(self, prompt: str, n: int, **params: Any) -> list[Job]:
        """`n` submissions of the same request (the API has no `n`); all or none."""
        purse = self.wallet.purse()
        plan = self._planned(prompt, purse, n=n, **params)
        return await self.dispatcher.send([plan], "batch", purse)

    async def sweep(self, prompt: str | list[str], **grid: Any) -> list[Job]:
        """One submission per combination of the grid's values, e.g.
        `sweep("a fox", seconds=[4, 8], size=["720x1280", "1280x720"])` (4 videos)."""
        purse = self.wallet.purse()
        combos = expand_grid({"prompt": prompt, **grid})
        plans = [self._planned(combo.pop("prompt"), purse, **combo) for combo in combos]
        return await self.dispatcher.send(plans, "batch", purse)

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
        reason = self.book.reason("delete")
        if reason is not None and record.video_id is not None:
            log.info("%s Deleted %s here only.", reason, record.key)
        if remote and reason is None:
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

    # --- the server ------------------------------------------------------------------

    @property
    def capabilities(self) -> Capabilities:
        """What the backend offers (`capabilities.reason(action)` says why not), less what
        the server refused this session (a model behind a gateway that cannot remix)."""
        return self.book.current

    async def models(self) -> list[ModelInfo]:
        """The server's models with their sizes and seconds where it has a catalogue
        (LiteLLM's `/v1/models`, OpenRouter's `/videos/models`), else the known ones.
        Once read, `plan` checks requests against it before anything is sent."""
        self.planner.models = list(await self.client.models())
        return list(self.planner.models)

    async def cancel(self, job: JobRef) -> Job:
        """Stop a running job where the server can (vLLM-Omni); refused with the reason
        (`ValidationError`) elsewhere. The record stays, marked failed "cancelled"."""
        record = self._resolve(job)
        reason = self.book.reason("cancel")
        if reason is not None:
            raise ValidationError(reason, param="cancel")
        if record.video_id is None or record.is_final:
            raise ValidationError(
                f"Only a running job can be cancelled; this one is {record.status}."
            )
        self.start()
        await self.client.cancel(record.video_id)
        self.tracker.forget(record.key)
        cancelled = self.library.update(
            record.key,
            status=FAILED,
            error_code="cancelled",
            error_message="Cancelled.",
            completed_at=self._clock(),
        )
        self._on_change("failed", cancelled)
        return cancelled

    # --- reading -----------------------------------------------------------------------

    def _resolve(self, job: JobRef) -> Job:
        return resolve(self.library, job)

    def get(self, key: str) -> Job:
        """A job by local key (or server id)."""
        return self._resolve(key)

    def jobs(self, **filters: Any) -> list[Job]:
        """Records, oldest first; filters as `Library.jobs` (status, model, tag, search...)."""
        return self.library.jobs(**filters)

    def history(self, *, as_frame: bool | None = None, **filters: Any) -> Any:
        """Records as a pandas DataFrame when pandas is installed, else a list of Job."""
        jobs = self.jobs(**filters)
        if as_frame is False:
            return jobs
        try:
            import pandas as pd
        except ImportError:
            if as_frame:
                raise
            return jobs
        frame = pd.DataFrame([j.to_dict() for j in jobs])
        return frame.set_index("key") if not frame.empty else frame

    def lineage(self, job: JobRef) -> list[Job]:
        """The chain from the first ancestor down to this job."""
        record = self._resolve(job)
        return lineage_of(record, {j.key: j for j in self.library.jobs()})

    def tree(self, root: JobRef | None = None) -> Tree:
        """Every job as a tree of edges, or the subtree under `root`."""
        key = None if root is None else self._resolve(root).key
        return build_tree(self.library.jobs(), root=key)

    def media_path(self, job: JobRef, variant: str = "video") -> Path | None:
        """The local file of a variant (plays even after the server's copy expired)."""
        return self.library.media_path(self._resolve(job), variant)

    def annotate(
        self,
        job: JobRef,
        *,
        rating: int | None = ...,  # type: ignore[assignment]
        notes: str | None = None,
        tags: list[str] | None = None,
    ) -> Job:
        """Set a job's rating (0-5), notes and tags."""
        updated = self.library.annotate(
            self._resolve(job).key, rating=rating, notes=notes, tags=tags
        )
        self._on_change("updated", updated)
        return updated

    def export(
        self, path: str | os.PathLike[str], *, root: JobRef | None = None, embed: bool = True
    ) -> Path:
        """Write the tree (under `root`) in the format `path`'s suffix names: `*.html` a
        static gallery, otherwise a zip of the records, lineage and media (restore it with
        `sora_notebook.export.import_archive`). Formats live in `sora_notebook.export`.
        A gallery carries ratings, cached metrics and the ranking of the tree's variants."""
        tree = self.tree(root)
        ranking = self.judge.ranking_among(list(tree.nodes.values()))
        return export_formats.export(self.library, tree, path, embed=embed, ranking=ranking)

    def progress(self, job: JobRef) -> Progress:
        """How far along a job is now, and its time left (see `studio.progress`).

        `fraction` is 1 only once completed, never goes backwards between calls, and is
        corrected by every server answer; `Progress.at(t)` moves it on between answers.
        """
        record = self._resolve(job)
        return self.progress_book.of(record, self.runner.predicted(record))

    # --- judging (the `Judge`) -----------------------------------------------------------

    def cached_metrics(self, job: JobRef) -> Metrics | None:
        """The metrics kept in the library for `job` (None when never computed, or when
        its media or the metrics' definitions changed since)."""
        return self.judge.cached_metrics(job)

    async def metrics(self, job: JobRef, scorers: Iterable[Scorer] = ()) -> Metrics:
        """Named numbers about `job`'s saved video, computed once and kept in the library
        (see `Judge.metrics`); `scorers` run each call."""
        return await self.judge.metrics(job, scorers)

    async def difference(self, a: JobRef, b: JobRef) -> list[float]:
        """A per-frame strip of how two variants differ: 1 - SSIM of aligned frames, 0-1."""
        return await self.judge.difference(a, b)

    def prefer(self, winner: JobRef, loser: JobRef, *, tie: bool = False) -> None:
        """Keep one judgement in the library: `winner` over `loser` (or a tie)."""
        self.judge.prefer(winner, loser, tie=tie)

    def preferences(self, jobs: Sequence[JobRef] | None = None) -> list[Preference[str]]:
        """Every stored judgement (among `jobs` when given), oldest first, by job key."""
        return self.judge.preferences(jobs)

    def ranking(self, jobs: Sequence[JobRef] | None = None) -> list[Rank[Job]]:
        """`jobs` (default: every job someone compared) best first (see `Judge.ranking`)."""
        return self.judge.ranking(jobs)

    def next_pair(self, jobs: Sequence[JobRef] | None = None) -> tuple[Job, Job] | None:
        """The two of `jobs` (default: every completed job with its video saved) whose
        order the ranking is least sure of; None with fewer than two."""
        return self.judge.next_pair(jobs)

    # --- for the view (`widgets.port.StudioPort`): small public delegates ----------------

    def now(self) -> float:
        """The studio's clock (progress is stamped with it)."""
        return self._clock()

    def home_loop(self) -> asyncio.AbstractEventLoop | None:
        """The event loop the studio's tracker runs on; None while it is not running."""
        task = self.tracker.task
        return task.get_loop() if task is not None and not task.done() else None

    # --- for code that does not await (works inside Jupyter too) -----------------------

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run one of the studio's coroutines from code that does not await."""
        try:
            return run_sync(coro)
        finally:
            self._events.flush()

    def generate_sync(self, prompt: str, **kw: Any) -> Job:
        """`generate` for code that does not await (works inside Jupyter too)."""
        return self.run(self.generate(prompt, **kw))

    def submit_sync(self, prompt: str, **kw: Any) -> Job:
        return self.run(self.submit(prompt, **kw))

    def remix_sync(self, job: JobRef, prompt: str) -> Job:
        return self.run(self.remix(job, prompt))

    def wait_sync(self, job: JobRef, *, timeout: float | None = None) -> Job:
        return self.run(self.wait(job, timeout=timeout))

    # --- notebook ----------------------------------------------------------------------

    #: How a studio draws itself: the package facade plugs the view in (`show_with`);
    #: the engine never imports the view.
    _view: Callable[[Studio], Any] | None = None

    @classmethod
    def show_with(cls, view: Callable[[Studio], Any]) -> None:
        """Plug in what `panel()` returns for a studio (the package plugs `StudioView`)."""
        cls._view = view

    def panel(self) -> Any:
        """The widget panel for this studio (the view `sora_notebook` plugs in)."""
        view = type(self)._view
        if view is None:
            raise SoraNotebookError("No view is plugged in; `import sora_notebook` plugs it.")
        return view(self)

    def _ipython_display_(self) -> None:
        from IPython import display as ipython

        display: Callable[[object], object] = ipython.display
        try:
            panel = self.panel()
        except (ImportError, SoraNotebookError):
            display(repr(self))
            return
        display(panel)


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
