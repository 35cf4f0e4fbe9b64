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
from dataclasses import fields, replace
from pathlib import Path
from typing import Any, TypeVar

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
from sora_notebook.judge import (
    Metrics,
    ModelStanding,
    Preference,
    Rank,
    Scorer,
    VideoRecord,
    leaderboard,
)
from sora_notebook.library import DELETED_REMOTE, REJECTED, Job, Library
from sora_notebook.library.lineage import Tree, build_tree, lineage_of
from sora_notebook.protocol import COMPLETED, FAILED, Video, VideoError
from sora_notebook.studio.events import EventHub, StudioEvent
from sora_notebook.studio.fanout import FanOut, TargetPlan, after
from sora_notebook.studio.importing import ImportReport, import_listed
from sora_notebook.studio.judging import Judge
from sora_notebook.studio.lanes import Lane, LaneSettings, Target, check_lane_name, parse_target
from sora_notebook.studio.money import Purse, Quote, Spend, dollars
from sora_notebook.studio.plans import Plan, Request, expand_grid
from sora_notebook.studio.polling import PollPolicy
from sora_notebook.studio.progress import Progress, ProgressBook
from sora_notebook.studio.refs import JobRef, resolve
from sora_notebook.studio.runner import new_owner
from sora_notebook.studio.sync import run_sync
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
        backend: Backend | Mapping[str, Backend] | None = None,
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
        named = _named_backends(backend, client, self.library)
        self._clock = clock
        self._events = EventHub(interval=coalesce)
        self._changed: asyncio.Event | None = None
        self.owner = new_owner()
        self.progress_book = ProgressBook(clock)
        self._shared = LaneSettings(
            library=self.library,
            owner=self.owner,
            clock=clock,
            sleep=sleep,
            max_rps=max_rps,
            poll=poll or PollPolicy(),
            downloads=downloads,
            progress=self.progress_book,
            on_change=self._on_change,
            start=self.start,
        )
        self._lanes: dict[str, Lane] = {}
        for n, (name, one) in enumerate(named.items()):
            self._add_lane(name, one, client if n == 0 else None)
        first = next(iter(self._lanes.values()))
        #: The first backend's services (the single-backend studio's, as before).
        self.client, self.wallet, self.book = first.client, first.wallet, first.book
        self.planner, self.runner, self.tracker = first.planner, first.runner, first.tracker
        self.dispatcher = first.dispatcher
        self.prices, self.allow_unknown_cost = prices or {}, allow_unknown_cost
        self.on_cost = on_cost
        if budget is not None:
            self.wallet.budget = budget
        self.judge = Judge(self.library, clock=clock, on_change=self._on_change)
        self._watch = LibraryWatch(self.library, self._on_foreign_change)
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass  # started by the first async call
        else:
            self.start()

    def _add_lane(self, name: str, backend: Backend, client: AsyncSoraClient | None) -> Lane:
        check_lane_name(name, list(self._lanes))
        lane = Lane(name, backend, self._shared, client=client)
        if self._lanes:  # the person's settings, as the first lane has them
            lane.wallet.prices = dict(self.prices)
            lane.wallet.allow_unknown_cost = self.allow_unknown_cost
            lane.dispatcher.on_cost = self.on_cost
        clash = next((o for o in self._lanes.values() if o.address == lane.address), None)
        if clash is not None and clash.backend.name == backend.name:
            raise ValidationError(
                f"Backends {clash.name!r} and {name!r} are one server ({lane.address}); its "
                f"jobs could not be told apart. Use one name with several models as targets.",
                param="backend",
            )
        self._lanes[name] = lane
        return lane

    def __repr__(self) -> str:
        names = [f"{n}={lane.backend.label}" for n, lane in self._lanes.items()]
        on = f"backend={self.backend.label}" if len(names) == 1 else f"backends={', '.join(names)}"
        where = f"{on}, library={str(self.library.root)!r}"
        if self._closed:
            return f"Studio({where}, closed)"
        budget = self.budget
        of = "" if budget is None else f" of ${budget:.2f}"
        tracked = sum(lane.tracker.tracked for lane in self._lanes.values())
        return f"Studio({where}, tracked={tracked}, spent=${self.spent:.2f}{of})"

    # --- settings, kept by the services ------------------------------------------------

    @property
    def backend(self) -> Backend:
        """The first backend (the only one of a single-backend studio)."""
        return self.wallet.backend

    @backend.setter
    def backend(self, backend: Backend) -> None:
        """Declare the same server anew (e.g. `with_quirks`); its jobs stay this studio's."""
        next(iter(self._lanes.values())).backend = backend

    @property
    def backends(self) -> dict[str, Backend]:
        """Name -> backend, the first one first; targets are written `"name:model"`."""
        return {name: lane.backend for name, lane in self._lanes.items()}

    def add_backend(
        self, name: str, backend: Backend, *, client: AsyncSoraClient | None = None
    ) -> None:
        """Add a named backend (its own client, key, rate limit and capabilities) that
        jobs can be sent to as `"name:model"`; its unfinished jobs are resumed."""
        lane = self._add_lane(name, backend, client)
        if self._changed is not None:  # started: track what it owns
            lane.tracker.start()
            self._resume(lane)

    def _lane_of(self, job: Job) -> Lane:
        """The lane whose backend made `job` (the first lane for a job of none here)."""
        lanes = self._lanes.values()
        return next((lane for lane in lanes if lane.owns(job)), next(iter(lanes)))

    @property
    def prices(self) -> dict[str, float]:
        """Model -> dollars per second of video, set by the person (they win)."""
        return self._first.wallet.prices

    @prices.setter
    def prices(self, prices: Mapping[str, float]) -> None:
        for lane in self._lanes.values():
            lane.wallet.prices = dict(prices)

    @property
    def allow_unknown_cost(self) -> bool:
        return self._first.wallet.allow_unknown_cost

    @allow_unknown_cost.setter
    def allow_unknown_cost(self, allow: bool) -> None:
        for lane in self._lanes.values():
            lane.wallet.allow_unknown_cost = allow

    @property
    def on_cost(self) -> Callable[[Quote], object] | None:
        return self._first.dispatcher.on_cost

    @on_cost.setter
    def on_cost(self, callback: Callable[[Quote], object] | None) -> None:
        for lane in self._lanes.values():
            lane.dispatcher.on_cost = callback

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        """Start tracking on the running loop and resume every unfinished job."""
        task = self.tracker.task
        if task is not None and not task.done() and task.get_loop() is asyncio.get_running_loop():
            return
        self._changed = asyncio.Event()
        for lane in self._lanes.values():
            lane.tracker.start()
        self._watch.start()
        self.library.sweep()
        for lane in self._lanes.values():
            self._resume(lane)

    def _resume(self, lane: Lane) -> None:
        for job in self.library.jobs():
            if lane.owns(job):
                lane.tracker.schedule(job)

    async def aclose(self) -> None:
        """Stop tracking (jobs stay recorded and resume next time), close what it opened."""
        self._closed = True
        await self._watch.stop()
        for lane in self._lanes.values():
            await lane.aclose()
        self._events.close()
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
        lane = self._lane_of(job)
        if kind == "removed":
            lane.tracker.forget(job.key)
        elif lane.owns(job) and not (job.is_pending or job.is_final):
            lane.tracker.schedule(job, sooner_only=True)

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
        target: Target | None = None,
        **params: Any,
    ) -> Plan:
        """Every decision about a request before it is sent: problems by field (with what
        to do), the quote for all `n`, what the budget leaves, how the reference image is
        fitted, and what the server cannot do. `submit` sends the same plan. `target`:
        `"name:model"` of one of `backends` (default: the first backend)."""
        lane, model = self._on(target, model)
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
        return lane.planner.plan(request, lane.wallet.purse())

    def plan_fan_out(self, prompt: str, targets: Sequence[Target], **request: Any) -> FanOut:
        """`prompt` planned for each target (`"name:model"`, see `backends`): each one's
        quote, size and seconds, problems and what its server cannot do, and the quote
        of the whole, checked against the budget before anything is sent."""
        return self._fan_out_plan(prompt, targets, request)[0]

    async def fan_out(self, prompt: str, targets: Sequence[Target], **request: Any) -> list[Job]:
        """Send `prompt` to every target in one call (arguments as `submit`), quoted
        whole: nothing is sent unless every target's plan is fine and the budget covers
        them all; then each backend's jobs are reserved and sent as one batch."""
        return await self._send_across(_fanned(prompt, targets, request), "fan-out")

    def _fan_out_plan(
        self, prompt: str, targets: Sequence[Target], request: Mapping[str, Any]
    ) -> tuple[FanOut, list[Lane]]:
        return self._plan_across(_fanned(prompt, targets, request))

    def _plan_across(self, combos: list[dict[str, Any]]) -> tuple[FanOut, list[Lane]]:
        """Each combination planned on its target's backend against the one budget, read
        once, that the combinations before it left."""
        purse = self.wallet.purse()
        left = purse.left
        plans, lanes = [], []
        for combo in combos:
            lane = self._take_target(combo)
            plan = self._planned(
                combo.pop("prompt"), replace(purse, prices=lane.wallet.rates()), lane=lane, **combo
            )
            purse = after(purse, plan.cost)
            model = plan.submissions[0].model if plan.submissions else combo.get("model")
            plans.append(TargetPlan(_written(lane.name, model), lane.name, model, plan))
            lanes.append(lane)
        return FanOut(tuple(plans), left), lanes

    async def _send_across(self, combos: list[dict[str, Any]], what: str) -> list[Job]:
        """Plan every combination whole, then send each backend's share as one batch,
        reserved against the budget as it is sent."""
        for lane in self._lanes.values():
            await lane.know_catalogue()
        whole, lanes = self._plan_across(combos)
        whole.raise_first()
        sent: list[Job] = []
        for lane in dict.fromkeys(lanes):
            plans = [t.plan for t, on in zip(whole.targets, lanes, strict=True) if on is lane]
            sent += await lane.dispatcher.send(plans, what, lane.wallet.purse())
        return sent

    def _planned(self, prompt: str, purse: Purse, *, lane: Lane | None = None, **kw: Any) -> Plan:
        """`plan` with the arguments the verbs take, against `purse` (read once), on
        `lane` (default: the first backend)."""
        named = {k: kw.pop(k) for k in _REQUEST_FIELDS & kw.keys()}
        if named.get("parent") is not None:
            named["parent"] = self._resolve(named["parent"])
        planner = (lane or self._first).planner
        return planner.plan(Request(prompt=prompt, **named, params=kw), purse)

    @property
    def _first(self) -> Lane:
        return next(iter(self._lanes.values()))

    def _on(self, target: Target | None, model: str | None) -> tuple[Lane, str | None]:
        """The lane `target` names and the model (the target's, else `model`)."""
        if target is None:
            return self._first, model
        name, named = parse_target(target, list(self._lanes))
        return self._lanes[name], named or model

    def _take_target(self, request: dict[str, Any]) -> Lane:
        """The lane `request["target"]` names (taken out, its model put in), else the first."""
        lane, model = self._on(request.pop("target", None), request.get("model"))
        if model is not None:
            request["model"] = model
        return lane

    async def submit(self, prompt: str, **request: Any) -> Job:
        """Record and send one generation; returns at once (the tracker follows it).

        Arguments as `plan` (model, size, seconds, input_reference, fit, parent,
        edge_kind, extra fields). Raises the plan's first problem (`ValidationError`,
        `BudgetExceeded`) before sending, or the server's refusal.
        """
        lane = self._take_target(request)
        await lane.know_catalogue()
        purse = lane.wallet.purse()
        plan = self._planned(prompt, purse, lane=lane, **request)
        return (await lane.dispatcher.send([plan], "create", purse))[0]

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
        """On the backend that made `job` (only that server knows its video)."""
        lane = self._lane_of(self._resolve(job))
        purse = lane.wallet.purse()
        plan = self._planned(prompt, purse, mode=mode, parent=job, lane=lane, **kw)
        return await lane.dispatcher.derive(plan, mode, purse)

    async def variants(self, prompt: str, n: int, **params: Any) -> list[Job]:
        """`n` submissions of the same request (the API has no `n`); all or none."""
        lane = self._take_target(params)
        await lane.know_catalogue()
        purse = lane.wallet.purse()
        plan = self._planned(prompt, purse, lane=lane, n=n, **params)
        return await lane.dispatcher.send([plan], "batch", purse)

    async def sweep(self, prompt: str | list[str], **grid: Any) -> list[Job]:
        """One submission per combination of the grid's values, e.g.
        `sweep("a fox", seconds=[4, 8], size=["720x1280", "1280x720"])` (4 videos);
        `target=["emulator:emu-amber", "lite:veo-3"]` sweeps backends and models too."""
        return await self._send_across(expand_grid({"prompt": prompt, **grid}), "batch")

    # --- waiting -----------------------------------------------------------------------

    def _settled(self, job: Job) -> bool:
        if job.status in (FAILED, REJECTED, DELETED_REMOTE):
            return True
        runner = self._lane_of(job).runner
        if not runner.owns(job):
            return True
        if job.status == COMPLETED:
            return runner.download_done(job)
        return False

    async def wait(self, job: JobRef, *, timeout: float | None = None) -> Job:
        """The job once completed with its media saved (or marked expired).

        Raises `VideoFailed` when it failed or was refused, `WaitTimeout` past `timeout`
        seconds (the job goes on being tracked), `DiskFull` when its download stopped on
        a full disk during this wait (it starts again by itself once there is room).
        """
        self.start()
        record = self._resolve(job)
        key, lane = record.key, self._lane_of(record)
        deadline = None if timeout is None else self._clock() + timeout
        state = lane.runner.state(key)
        full_before = state.disk_full_tries
        while True:
            current = self.library.get(key)
            if self._settled(current):
                break
            if state.disk_full is not None and state.disk_full_tries > full_before:
                full = state.disk_full  # it retries by itself once there is room
                raise DiskFull(full.folder, full.free)
            if not lane.tracker.is_tracked(key):
                lane.tracker.schedule(current)
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
        lane = self._lane_of(record)
        reason = lane.book.reason("delete")
        if reason is not None and record.video_id is not None:
            log.info("%s Deleted %s here only.", reason, record.key)
        if remote and reason is None:
            self.start()
            await lane.runner.delete_remote(record)
        lane.tracker.forget(record.key)
        self.library.remove(record.key)
        self._on_change("removed", record)
        return record

    async def import_remote(self) -> ImportReport:
        """Add the jobs the backends list that the library lacks.

        Returns an `ImportReport`: how many were imported, the ids skipped (ids the
        client cannot use, with the reason) and whether a list walk stopped at a limit.
        Where a server has no working list nothing is asked of it, and the note says why.
        """
        reports = [await self._import_from(lane) for lane in self._lanes.values()]
        if len(reports) == 1:
            return reports[0]
        named = zip(self._lanes, reports, strict=True)
        notes = [f"{name}: {r.note}" for name, r in named if r.note]
        return ImportReport(
            sum(r.imported for r in reports),
            [skip for r in reports for skip in r.skipped],
            truncated=any(r.truncated for r in reports),
            note="; ".join(notes),
        )

    async def _import_from(self, lane: Lane) -> ImportReport:
        reason = lane.book.current.reason("list")
        if reason is not None:
            return ImportReport(0, [], truncated=False, note=f"Nothing imported: {reason}")
        self.start()
        for pending in self.library.jobs(status="pending"):
            if lane.owns(pending) and lane.runner.may_reconcile(pending):
                await lane.runner.reconcile(pending)
        videos, cut = await lane.runner.listed()

        def added(job: Job) -> None:
            self._on_change("added", job)
            lane.tracker.schedule(job)

        imported, skipped = await import_listed(
            videos,
            self.library,
            backend=lane.runner.backend_name,
            backend_url=lane.runner.backend_url,
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
        return await self._first.models()

    async def cancel(self, job: JobRef) -> Job:
        """Stop a running job where the server can (vLLM-Omni); refused with the reason
        (`ValidationError`) elsewhere. The record stays, marked failed "cancelled"."""
        record = self._resolve(job)
        lane = self._lane_of(record)
        reason = lane.book.reason("cancel")
        if reason is not None:
            raise ValidationError(reason, param="cancel")
        if record.video_id is None or record.is_final:
            raise ValidationError(
                f"Only a running job can be cancelled; this one is {record.status}."
            )
        self.start()
        await lane.client.cancel(record.video_id)
        lane.tracker.forget(record.key)
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
        A gallery carries ratings, cached metrics, the ranking of the tree's variants and,
        where duels set two or more models against each other, the leaderboard by model."""
        tree = self.tree(root)
        jobs = list(tree.nodes.values())
        ranking = self.judge.ranking_among(jobs)
        models = self.leaderboard([j for j in jobs if j.status == COMPLETED])
        several = models if len(models) > 1 else None  # one model ranks nothing
        return export_formats.export(
            self.library, tree, path, embed=embed, ranking=ranking, models=several
        )

    def progress(self, job: JobRef) -> Progress:
        """How far along a job is now, and its time left (see `studio.progress`).

        `fraction` is 1 only once completed, never goes backwards between calls, and is
        corrected by every server answer; `Progress.at(t)` moves it on between answers.
        """
        record = self._resolve(job)
        return self.progress_book.of(record, self._lane_of(record).runner.predicted(record))

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

    def target_of(self, job: JobRef) -> str:
        """`"name:model"` of the backend here that made `job` (its kind where none did)."""
        record = job if isinstance(job, Job) else self._resolve(job)
        lane = next((lane for lane in self._lanes.values() if lane.owns(record)), None)
        return _written(lane.name if lane else record.backend, record.model)

    def leaderboard(self, jobs: Sequence[JobRef] | None = None) -> list[ModelStanding]:
        """Targets (`"name:model"`) best first, by Bradley-Terry over the duels of their
        videos (default: every completed job), each with its uncertainty, cost and
        seconds per video and wins per dollar (see `judge.leaderboard`)."""
        chosen = (
            self.library.jobs(status=COMPLETED)
            if jobs is None
            else [self._resolve(job) for job in jobs]
        )
        videos = [VideoRecord(j.key, self.target_of(j), j.billed, _took(j)) for j in chosen]
        return leaderboard(videos, self.judge.preferences(chosen))

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


def _fanned(
    prompt: str, targets: Sequence[Target], request: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """One request per target (a fan-out's combinations)."""
    if isinstance(targets, str) or not targets:
        raise ValidationError(
            "targets must be a list of 'name:model' (or (name, model)), e.g. "
            "['emulator:emu-amber', 'emulator:emu-slate'].",
            param="targets",
        )
    return [{**request, "prompt": prompt, "target": target} for target in targets]


def _took(job: Job) -> float | None:
    """Seconds from sending to finished (None while unknown)."""
    if job.completed_at is None or not job.submitted_at:
        return None
    return max(0.0, job.completed_at - job.submitted_at)


def _written(name: str, model: str | None) -> str:
    return name if model is None else f"{name}:{model}"


def _named_backends(
    backend: Backend | Mapping[str, Backend] | None,
    client: AsyncSoraClient | None,
    library: Library,
) -> dict[str, Backend]:
    """Name -> backend; one backend is named by its kind (`emulator`, `openai`...)."""
    if isinstance(backend, Mapping):
        if not backend:
            raise ValidationError("Give at least one backend.", param="backend")
        return dict(backend)
    one = backend or (client.backend if client else _default_backend(library))
    return {one.name: one}


def _default_backend(library: Library) -> Backend:
    return Backend.from_env(emulator_data_dir=library.root / "emulator")


def _as_video(job: Job) -> Video:
    return Video(
        id=job.video_id or job.key,
        status=FAILED,
        error=VideoError(message=job.error_message or "failed", code=job.error_code),
    )
