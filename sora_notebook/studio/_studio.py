"""`Studio`: the engine a person drives from code or from the panel.

```python
studio = Studio()                               # the emulator, ./sora_studio/, no budget
job = await studio.generate("a paper boat on a stream", seconds=4)
kid = await studio.remix(job, "the same boat at night")
studio.tree(); studio.history(); studio.export("gallery.html", root=job)
job = studio.generate_sync("...")               # for code that does not await
```
Every submission is recorded before it is sent, one tracker task moves all jobs along
(polling, reconciling, downloading), the media is saved the moment a job completes, and
events reach subscribers in coalesced batches. Knows nothing about widgets except how
to import the panel lazily.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from pathlib import Path
from typing import Any, TypeVar

from sora_notebook import export as export_formats
from sora_notebook.errors import ValidationError, VideoFailed, WaitTimeout
from sora_notebook.library import DELETED_REMOTE, REJECTED, Job, Library
from sora_notebook.library.lineage import Tree, build_tree, lineage_of
from sora_notebook.protocol import COMPLETED, FAILED, Video, VideoError
from sora_notebook.studio import blocking as _sync
from sora_notebook.studio.events import EventHub, StudioEvent
from sora_notebook.studio.importing import ImportReport, import_listed
from sora_notebook.studio.plans import (
    Quote,
    Submission,
    check_budget,
    derived,
    expand_grid,
    new_video,
    price,
)
from sora_notebook.studio.polling import PollPolicy
from sora_notebook.studio.ratelimit import RateLimiter
from sora_notebook.studio.runner import Runner, new_owner
from sora_notebook.studio.tracker import Tracker

__all__ = ["Quote", "Studio", "StudioEvent", "Tree"]

log = logging.getLogger(__name__)
T = TypeVar("T")
JobRef = Job | str


class Studio:
    """Submit, track, download, record, remix, compare and cost video generations.

    `backend`: a `Backend` (default `Backend.from_env()`: the emulator unless the
    environment names a server). `library`: a folder or a `Library`. `budget`: USD this
    studio may spend (estimated from the price table); a request that would pass it is
    refused with `BudgetExceeded` and nothing is sent. `clock`/`sleep` are injectable
    (Unix seconds; an awaitable sleep); `max_rps` caps requests per second overall.
    `on_cost(quote)` is shown every `Quote` before its request is sent (the panel shows
    it; from code, pass e.g. `print`); quotes are also logged at INFO.
    """

    def __init__(
        self,
        backend: Any = None,
        library: str | os.PathLike[str] | Library = "sora_studio",
        budget: float | None = None,
        *,
        client: Any = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        max_rps: float = 5.0,
        poll: PollPolicy | None = None,
        coalesce: float = 0.1,
        downloads: int = 2,
        on_cost: Callable[[Quote], object] | None = None,
    ) -> None:
        self._owns_library = not isinstance(library, Library)
        self.library = library if isinstance(library, Library) else Library(library, clock=clock)
        if backend is None and client is not None:
            backend = client.backend
        elif backend is None:
            from sora_notebook.client.backend import Backend

            # The default emulator keeps its jobs beside the library, so jobs in flight
            # outlive a kernel restart as they would on a real server.
            backend = Backend.from_env(emulator_data_dir=self.library.root / "emulator")
        self.backend = backend
        if budget is not None and budget < 0:
            raise ValidationError("budget must be 0 or more (USD).", param="budget")
        self.budget = budget
        self._owns_client = client is None
        self._http: Any = None
        create_client = client
        if client is None:
            client, create_client, self._http = _make_clients(backend, clock=clock, sleep=sleep)
        self.client = client
        self._clock = clock
        self.on_cost = on_cost
        self._events = EventHub(interval=coalesce)
        self._session: list[str] = []
        self._changed: asyncio.Event | None = None
        self.owner = new_owner()
        self.runner = Runner(
            client,
            self.library,
            backend,
            on_change=self._on_change,
            limiter=RateLimiter(max_rps, clock=clock, sleep=sleep),
            policy=poll or PollPolicy(),
            clock=clock,
            owner=self.owner,
            create_client=create_client,
        )
        self.tracker = Tracker(self.runner, clock=clock, sleep=sleep, concurrency=downloads)
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass  # started by the first async call
        else:
            self.start()

    _closed = False

    def __repr__(self) -> str:
        label = getattr(self.backend, "label", getattr(self.backend, "name", "?"))
        if self._closed:
            return f"Studio(backend={label}, library={str(self.library.root)!r}, closed)"
        budget = "" if self.budget is None else f" of ${self.budget:.2f}"
        return (
            f"Studio(backend={label}, library={str(self.library.root)!r}, "
            f"tracked={self.tracker.tracked}, spent=${self.spent:.2f}{budget})"
        )

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        """Start tracking on the running loop and resume every unfinished job."""
        task = self.tracker.task
        if self.tracker.running and task is not None and task.get_loop() is _running_loop():
            return
        self._changed = asyncio.Event()
        self.tracker.start()
        self.library.sweep()
        for job in self.library.jobs():
            if self.runner.owns(job):
                self.tracker.schedule(job)

    async def aclose(self) -> None:
        """Stop tracking (jobs stay recorded and resume next time), close what it opened."""
        self._closed = True
        await self.tracker.stop()
        self._events.close()
        if self._owns_client:
            await self.client.aclose()
            await self.runner.create_client.aclose()
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

    # --- money -------------------------------------------------------------------------

    @property
    def spent(self) -> float:
        """Estimated USD of what this studio submitted (refused requests cost nothing)."""
        return self.library.total_cost(self._session)

    def estimate(
        self,
        model: str | None = None,
        size: str | None = None,
        seconds: int | str | None = None,
        n: int = 1,
    ) -> float | None:
        """Estimated USD for `n` videos; None where the backend's price is unknown."""
        one = price(str(getattr(self.backend, "name", "")), model, size, seconds)
        return None if one is None else round(one * n, 4)

    def _check(self, what: str, n: int, cost: float | None) -> None:
        """Refuse what would pass the budget; otherwise show the quote."""
        spent = self.spent
        check_budget(cost, spent, self.budget)
        quote = Quote(what, n, cost, spent, self.budget)
        log.info("%s", quote)
        if self.on_cost is not None:
            self.on_cost(quote)

    # --- submitting --------------------------------------------------------------------

    def _resolve(self, job: JobRef) -> Job:
        if isinstance(job, Job):
            return self.library.get(job.key)
        found = self.library.find_key(job) or self.library.find(job)
        if found is None:
            raise ValidationError(f"No job {job!r} in this studio's library.")
        return found

    async def _submit(self, sub: Submission, *, quoted: bool = False) -> Job:
        self.start()
        if quoted:
            check_budget(sub.cost, self.spent, self.budget)
        else:
            self._check(sub.endpoint, 1, sub.cost)
        job = self.library.add_submission(
            backend=str(getattr(self.backend, "name", "compatible")),
            backend_url=str(getattr(self.backend, "base_url", "")),
            endpoint=sub.endpoint,
            prompt=sub.prompt,
            model=sub.model,
            size=sub.size,
            seconds=sub.seconds,
            params=sub.params,
            parent_key=sub.parent_key,
            edge_kind=sub.edge_kind,
            cost=sub.cost,
            input_reference=sub.reference,
            owner=self.owner,
        )
        self._session.append(job.key)
        self._on_change("added", job)
        job = await self.runner.send(job)
        self.tracker.schedule(job)
        return job

    async def submit(
        self,
        prompt: str,
        *,
        model: str | None = None,
        size: str | None = None,
        seconds: int | str | None = None,
        input_reference: Any = None,
        parent: JobRef | None = None,
        edge_kind: str | None = None,
        **extra: Any,
    ) -> Job:
        """Record and send one generation; returns at once (the tracker follows it).

        `parent` + `edge_kind` (`reprompt`, `frame`, ...) place it in the tree. Raises
        `ValidationError` or the server's refusal; `BudgetExceeded` before sending.
        """
        sub = new_video(
            self.backend,
            prompt,
            model=model,
            size=size,
            seconds=seconds,
            input_reference=input_reference,
            parent=None if parent is None else self._resolve(parent),
            edge_kind=edge_kind,
            extra=extra,
        )
        return await self._submit(sub)

    async def generate(self, prompt: str, *, timeout: float | None = None, **kw: Any) -> Job:
        """Submit, wait for completion, and return the job with its media saved."""
        return await self.wait(await self.submit(prompt, **kw), timeout=timeout)

    async def remix(self, job: JobRef, prompt: str) -> Job:
        """A new video from a completed one with a changed prompt (edge `remix`)."""
        return await self._submit(derived(self.backend, "remix", self._resolve(job), prompt))

    async def edit(self, job: JobRef, prompt: str) -> Job:
        """A new video editing a completed one as the prompt says (edge `edit`)."""
        return await self._submit(derived(self.backend, "edit", self._resolve(job), prompt))

    async def extend(self, job: JobRef, prompt: str, seconds: int | str) -> Job:
        """A new video continuing a completed one by `seconds` (edge `extend`)."""
        sub = derived(self.backend, "extend", self._resolve(job), prompt, seconds)
        return await self._submit(sub)

    async def variants(self, prompt: str, n: int, **params: Any) -> list[Job]:
        """`n` submissions of the same request (the API has no `n`); all or none."""
        if n < 1:
            raise ValidationError("n must be at least 1.", param="n")
        subs = [self._plan(prompt, params) for _ in range(n)]
        return await self._batch(subs)

    async def sweep(self, prompt: str | list[str], **grid: Any) -> list[Job]:
        """One submission per combination of the grid's values, e.g.
        `sweep("a fox", seconds=[4, 8], size=["720x1280", "1280x720"])` (4 videos)."""
        combos = expand_grid({"prompt": prompt, **grid})
        subs = [self._plan(combo.pop("prompt"), combo) for combo in combos]
        return await self._batch(subs)

    def _plan(self, prompt: str, params: Mapping[str, Any]) -> Submission:
        params = dict(params)
        named = {k: params.pop(k, None) for k in ("model", "size", "seconds", "input_reference")}
        parent, edge_kind = params.pop("parent", None), params.pop("edge_kind", None)
        return new_video(
            self.backend,
            prompt,
            **named,
            parent=None if parent is None else self._resolve(parent),
            edge_kind=edge_kind,
            extra=params,
        )

    async def _batch(self, subs: list[Submission]) -> list[Job]:
        costs = [s.cost for s in subs]
        total = None if None in costs else round(sum(c for c in costs if c is not None), 4)
        self._check("batch", len(subs), total)
        return list(await asyncio.gather(*(self._submit(s, quoted=True) for s in subs)))

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
        seconds (the job goes on being tracked).
        """
        self.start()
        key = self._resolve(job).key
        deadline = None if timeout is None else self._clock() + timeout
        while True:
            current = self.library.get(key)
            if self._settled(current):
                break
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
        """Forget a job and its local media; with `remote`, delete it on the server too."""
        record = self._resolve(job)
        if remote:
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
        """
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

    # --- reading -----------------------------------------------------------------------

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
        `sora_notebook.export.import_archive`). Formats live in `sora_notebook.export`."""
        return export_formats.export(self.library, self.tree(root), path, embed=embed)

    # --- notebook ----------------------------------------------------------------------

    def panel(self) -> Any:
        """The widget panel for this studio (imports the widgets on first use)."""
        from sora_notebook.widgets import StudioPanel  # type: ignore[attr-defined]

        return StudioPanel(self)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        try:
            panel = self.panel()
        except ImportError:
            display(repr(self))
            return
        display(panel)

    # --- sync helpers ------------------------------------------------------------------

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run one of the studio's coroutines from code that does not await."""
        try:
            return _sync.run(coro)
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


def _make_clients(
    backend: Any, *, clock: Callable[[], float], sleep: Callable[[float], Awaitable[object]]
) -> tuple[Any, Any, Any]:
    """Two clients on one connection pool: one that retries, for reading and
    downloading, and one that never re-sends a create on its own. A create whose answer
    is lost stays `pending` and is reconciled by the studio, which sends it again only
    after the server's job list shows it is not there."""
    import httpx

    from sora_notebook.client import AsyncSoraClient

    http = httpx.AsyncClient(transport=backend.transport(), timeout=60.0)
    reader = AsyncSoraClient(backend, http_client=http, sleep=sleep, wall_clock=clock)
    creator = AsyncSoraClient(
        backend, http_client=http, max_retries=0, sleep=sleep, wall_clock=clock
    )
    return reader, creator, http


def _running_loop() -> asyncio.AbstractEventLoop:
    return asyncio.get_running_loop()


def _as_video(job: Job) -> Video:
    return Video(
        id=job.video_id or job.key,
        status=FAILED,
        error=VideoError(message=job.error_message or "failed", code=job.error_code),
    )
