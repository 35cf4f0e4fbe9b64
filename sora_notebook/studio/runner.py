"""The studio's hands: what to do next with each job, and the parts that do it.

`Runner` decides (`next_step`: poll, reconcile or download, and when) and hands the work
to its parts, each an object over one shared `jobs.Context` (one registry of job states):
a `Sender` (create, reconcile), a `Refresher` (poll, list, delete) and a `Fetcher`
(downloads); a `Recorder` writes every answer to the library and bills what ended.
"""

from __future__ import annotations

from collections.abc import Callable

from sora_notebook.client import AsyncSoraClient, Backend
from sora_notebook.errors import ListTruncated
from sora_notebook.library import DELETED_REMOTE, REJECTED, Job, Library
from sora_notebook.protocol import COMPLETED, FAILED, Video
from sora_notebook.studio.capabilities import CapabilityBook
from sora_notebook.studio.jobs import (
    FOREIGN_GRACE,
    Context,
    JobState,
    OnChange,
    Recorder,
    new_owner,
)
from sora_notebook.studio.media import EXPIRED_MESSAGE, Fetcher
from sora_notebook.studio.money import Wallet
from sora_notebook.studio.polling import PollPolicy, predict_duration
from sora_notebook.studio.progress import ProgressBook
from sora_notebook.studio.ratelimit import RateLimiter
from sora_notebook.studio.refresh import LOST_MESSAGE, Refresher
from sora_notebook.studio.sending import Sender, is_definitive

__all__ = [
    "EXPIRED_MESSAGE",
    "FOREIGN_GRACE",
    "LOST_MESSAGE",
    "JobState",
    "Runner",
    "Step",
    "is_definitive",
    "new_owner",
]

#: (action, seconds from now): action is "poll", "reconcile" or "download".
Step = tuple[str, float]
_Shape = tuple[str | None, ...]


class Runner:
    """Requests for the studio's jobs, with every answer recorded in the library."""

    def __init__(
        self,
        client: AsyncSoraClient,
        library: Library,
        backend: Backend,
        *,
        capabilities: CapabilityBook,
        wallet: Wallet,
        progress: ProgressBook,
        on_change: OnChange,
        limiter: RateLimiter,
        policy: PollPolicy,
        clock: Callable[[], float],
        owner: str,
        create_client: AsyncSoraClient | None = None,
    ) -> None:
        self.ctx = Context(
            client=client,
            create_client=create_client if create_client is not None else client,
            library=library,
            backend=backend,
            capabilities=capabilities,
            wallet=wallet,
            progress=progress,
            on_change=on_change,
            limiter=limiter,
            policy=policy,
            clock=clock,
            owner=owner,
        )
        self.recorder = Recorder(self.ctx, on_completed=self._completed)
        self.sender = Sender(self.ctx, self.recorder)
        self.refresher = Refresher(self.ctx, self.recorder)
        self.fetcher = Fetcher(self.ctx)
        self._predicted: dict[_Shape, float | None] = {}

    # --- what the parts share, for the facade, tests and benchmarks ---------------------

    @property
    def backend_name(self) -> str:
        return self.ctx.backend_name

    @property
    def backend_url(self) -> str:
        return self.ctx.backend_url

    @property
    def client(self) -> AsyncSoraClient:
        return self.ctx.client

    @client.setter
    def client(self, client: AsyncSoraClient) -> None:
        self.ctx.client = client

    @property
    def create_client(self) -> AsyncSoraClient:
        return self.ctx.create_client

    @create_client.setter
    def create_client(self, client: AsyncSoraClient) -> None:
        self.ctx.create_client = client

    @property
    def on_change(self) -> OnChange:
        return self.ctx.on_change

    @on_change.setter
    def on_change(self, callback: OnChange) -> None:
        self.ctx.on_change = callback

    @property
    def requests(self) -> int:
        """Requests sent about jobs so far."""
        return self.ctx.requests

    def state(self, key: str) -> JobState:
        return self.ctx.states(key)

    def current(self, key: str) -> Job | None:
        """The job's record as the library has it now (None once removed)."""
        return self.ctx.library.find_key(key)

    def owns(self, job: Job) -> bool:
        return self.ctx.owns(job)

    def may_reconcile(self, job: Job) -> bool:
        return self.ctx.may_reconcile(job)

    def download_done(self, job: Job) -> bool:
        return self.ctx.download_done(job)

    def note_failure(self, key: str) -> None:
        """A request about the job failed unexpectedly: back off before the next."""
        self.ctx.states(key).failures += 1

    def settle(self, key: str) -> None:
        self.ctx.states.settle(key)

    def forget(self, key: str) -> None:
        self.ctx.states.forget(key)
        self.ctx.progress.forget(key)

    # --- decisions ---------------------------------------------------------------------

    def next_step(self, job: Job) -> Step | None:
        """What the tracker should do next with a job, and after how many seconds."""
        if not self.owns(job) or job.status in (REJECTED, DELETED_REMOTE, FAILED):
            return None
        state = self.state(job.key)
        if job.is_pending:
            if not self.may_reconcile(job):
                return ("reconcile", FOREIGN_GRACE / 10)
            tries = state.submit_attempts + state.failures
            return ("reconcile", 0.0 if tries == 0 else self._backoff(tries))
        if job.status == COMPLETED:
            if self.download_done(job):
                return None
            tries = state.download_attempts
            return ("download", 0.0 if tries == 0 else self._backoff(tries))
        if job.video_id is None:
            return None
        if state.failures:
            return ("poll", self._backoff(state.failures))
        return ("poll", self.next_poll_delay(job))

    def _backoff(self, tries: int) -> float:
        policy = self.ctx.policy
        return min(policy.max_interval, policy.min_interval * 2.0 ** (tries - 1))

    def predicted(self, job: Job) -> float | None:
        """The median duration of earlier completed jobs of this shape (None: none yet)."""
        shape = (job.backend, job.model, job.size, job.seconds)
        if shape not in self._predicted:
            self._predicted[shape] = predict_duration(
                self.ctx.library.durations(
                    backend=job.backend, model=job.model, size=job.size, seconds=job.seconds
                )
            )
        return self._predicted[shape]

    def _completed(self, job: Job) -> None:
        self._predicted.pop((job.backend, job.model, job.size, job.seconds), None)

    def next_poll_delay(self, job: Job) -> float:
        ctx = self.ctx
        started = job.created_at or job.submitted_at
        state = self.state(job.key)
        return ctx.policy.next_delay(
            elapsed=max(0.0, ctx.clock() - started),
            predicted=self.predicted(job),
            progress=job.progress,
            polls=state.polls,
            hint=state.hint,
            checked=state.checked,
            since_submit=max(0.0, ctx.clock() - (state.sent_at or job.submitted_at)),
        )

    # --- the work, by its parts ----------------------------------------------------------

    async def send(self, job: Job) -> Job:
        return await self.sender.send(job)

    async def reconcile(self, job: Job) -> Job:
        return await self.sender.reconcile(job)

    def lists_for(self, n: int) -> bool:
        return self.refresher.lists_for(n)

    async def poll(self, jobs: list[Job]) -> list[Job]:
        return await self.refresher.poll(jobs)

    async def delete_remote(self, job: Job) -> None:
        await self.refresher.delete_remote(job)

    async def listed(self) -> tuple[list[Video], ListTruncated | None]:
        return await self.refresher.listed()

    async def fetch_media(self, job: Job) -> Job:
        return await self.fetcher.fetch_media(job)
