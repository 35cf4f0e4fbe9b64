"""What every part of the runner shares: one registry of job states, the context, and
the recorder that writes every server answer to the library.

Every outcome is written to the library first, then reported through `on_change(kind,
job)`. What the runner knows about a job beyond its record (attempts, failures in a row,
the server's polling hint, a cost it reported) lives in one `JobState` per key, held by
one `JobStates`; progress is the `ProgressBook`'s.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from sora_notebook.client import AsyncSoraClient, Backend
from sora_notebook.errors import DiskFull
from sora_notebook.library import Job, Library, files, safe_backend_url
from sora_notebook.protocol import COMPLETED, FAILED, Video
from sora_notebook.studio.capabilities import CapabilityBook
from sora_notebook.studio.money import Wallet
from sora_notebook.studio.polling import PollPolicy
from sora_notebook.studio.progress import ProgressBook
from sora_notebook.studio.ratelimit import RateLimiter

__all__ = [
    "FOREIGN_GRACE",
    "Context",
    "JobState",
    "JobStates",
    "OnChange",
    "Recorder",
    "message_of",
    "new_owner",
]

log = logging.getLogger("sora_notebook.studio.runner")

#: A pending submission of another live studio is left alone this long (its answer may
#: still be on the way).
FOREIGN_GRACE = 300.0
OnChange = Callable[[str, Job], None]


def new_owner() -> str:
    """An id for one studio: host, process and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _owner_alive(owner: str | None) -> bool:
    """Best effort: is the studio that recorded this submission still running?"""
    if not owner:
        return False
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return True  # cannot tell; the grace period decides
    pid = int(pid_text)
    if pid == os.getpid():
        return False  # this process: the in-flight flag decides
    return files.pid_alive(pid)


@dataclass
class JobState:
    """What this process knows about one job beyond its record."""

    inflight: bool = False  # its create is on the wire
    fetching: bool = False  # its media is being saved
    submit_attempts: int = 0
    download_attempts: int = 0
    failures: int = 0  # requests about it that failed in a row
    polls: int = 0  # server answers recorded (the create's included)
    checked: bool = False  # a status poll answered since the create did
    hint: float | None = None  # the server's last `openai-poll-after-ms`, seconds
    sent_at: float | None = None  # when its create last went out from this process
    reported_cost: float | None = None  # USD a server answer reported (the create's)
    disk_full: DiskFull | None = None  # why its download last stopped, if the disk was full
    disk_full_tries: int = 0

    def settle(self) -> None:
        """Forget the polling state (the job needs nothing more for now)."""
        self.submit_attempts = self.failures = self.polls = 0
        self.hint = None


class JobStates:
    """The one registry of job states in a studio."""

    def __init__(self) -> None:
        self._states: dict[str, JobState] = {}

    def __call__(self, key: str) -> JobState:
        """The job's state (made on first use)."""
        found = self._states.get(key)
        if found is None:
            found = self._states[key] = JobState()
        return found

    def peek(self, key: str) -> JobState | None:
        """The job's state if it has one (nothing is made)."""
        return self._states.get(key)

    def forget(self, key: str) -> None:
        self._states.pop(key, None)

    def settle(self, key: str) -> None:
        """Drop the polling state of a job that needs nothing more."""
        state = self._states.get(key)
        if state is not None:
            state.settle()


@dataclass
class Context:
    """What every part of the runner works with (clients may be swapped in tests)."""

    client: AsyncSoraClient
    create_client: AsyncSoraClient
    library: Library
    backend: Backend
    capabilities: CapabilityBook
    wallet: Wallet
    progress: ProgressBook
    on_change: OnChange
    limiter: RateLimiter
    policy: PollPolicy
    clock: Callable[[], float]
    owner: str
    states: JobStates = field(default_factory=JobStates)
    max_submit_attempts: int = 6
    max_download_attempts: int = 6
    requests: int = 0  # requests sent about jobs (statistics for tests and benchmarks)

    def __post_init__(self) -> None:
        self.backend_name = self.backend.name
        self.backend_url = safe_backend_url(self.backend.base_url)

    def changed(self, kind: str, job: Job) -> Job:
        self.on_change(kind, job)
        return job

    def owns(self, job: Job) -> bool:
        return job.backend == self.backend_name and job.backend_url == self.backend_url

    def may_reconcile(self, job: Job) -> bool:
        """A pending job is ours to reconcile unless its create is still on its way."""
        if self.states(job.key).inflight:
            return False
        if job.owner == self.owner or not _owner_alive(job.owner):
            return True
        return self.clock() - job.submitted_at > FOREIGN_GRACE

    def download_done(self, job: Job) -> bool:
        """Nothing more to fetch: saved, expired, or given up for this session."""
        state = self.states.peek(job.key) or JobState()
        if state.fetching:
            return False
        return (
            job.has_video
            or job.media_expired
            or state.download_attempts >= self.max_download_attempts
        )


class Recorder:
    """Writes what servers say about jobs to the library, bills what ended, reports."""

    def __init__(self, ctx: Context, on_completed: Callable[[Job], None]) -> None:
        self.ctx = ctx
        self.on_completed = on_completed

    def observe(
        self, job: Job, video: Video, hint: float | None = None, *, created: bool = False
    ) -> Job:
        """Record a server snapshot of a tracked job (`created`: the create's answer);
        report what changed."""
        ctx = self.ctx
        current = ctx.library.find_key(job.key)
        if current is None:  # deleted while the request was out
            return job
        job = current
        state = ctx.states(job.key)
        state.hint = hint
        state.polls += 1
        state.failures = 0
        state.checked = not created
        ctx.progress.heard(job.key, ctx.clock(), video)
        cost = ctx.wallet.reported(video)
        if cost is not None:
            state.reported_cost = cost
        new = ctx.library.record_video(job.key, video)
        if new.is_final and new.billed is None:
            new = self.bill(new, video)
        if new.status == COMPLETED and job.status != COMPLETED:
            self.on_completed(new)
            return ctx.changed("completed", new)
        if new.status == FAILED and job.status != FAILED:
            return ctx.changed("failed", new)
        if (new.status, new.progress) != (job.status, job.progress):
            return ctx.changed("updated", new)
        return new

    def bill(self, job: Job, video: Video | None) -> Job:
        """Record what an ended job was billed (see `studio.money.Wallet.bill`)."""
        state = self.ctx.states.peek(job.key)
        kept = None if state is None else state.reported_cost
        return self.ctx.wallet.bill(job, video, kept)

    def adopt(self, job: Job, video: Video) -> Job:
        """Attach a created job's server id to its submission record."""
        ctx = self.ctx
        holder = ctx.library.find(video.id, backend_url=ctx.backend_url)
        if holder is not None and holder.key != job.key:
            if holder.endpoint != "import":
                # Another submission with the same parameters claimed it; this one is
                # still owed a job of its own.
                log.info("%s was claimed by %s; %s stays pending", video.id, holder.key, job.key)
                return job
            ctx.library.remove(holder.key, files_too=False)
            ctx.on_change("removed", holder)
        ctx.states(job.key).submit_attempts = 0
        return self.observe(job, video, created=True)


def message_of(exc: BaseException) -> str:
    """An exception's message for a job's error text."""
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return str(text)
