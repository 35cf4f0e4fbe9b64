"""The runner's core: one `JobState` per job, ownership, what to do next, and recording.

Every outcome is written to the library first, then reported through `on_change(kind,
job)`. What the runner knows about a job beyond its record (attempts, failures in a row,
the server's polling hint, when the server last answered) lives in one `JobState` per
key; the tracker reads and reports through methods, never by writing into it.
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
from sora_notebook.library import DELETED_REMOTE, REJECTED, Job, Library, files, safe_backend_url
from sora_notebook.protocol import COMPLETED, FAILED, Video
from sora_notebook.studio.capabilities import capabilities_of
from sora_notebook.studio.money import bill, reported_cost
from sora_notebook.studio.polling import PollPolicy, predict_duration
from sora_notebook.studio.progress import Progress
from sora_notebook.studio.ratelimit import RateLimiter

__all__ = ["FOREIGN_GRACE", "JobState", "OnChange", "RunnerCore", "Step", "new_owner"]

log = logging.getLogger("sora_notebook.studio.runner")

#: A pending submission of another live studio is left alone this long (its answer may
#: still be on the way).
FOREIGN_GRACE = 300.0
OnChange = Callable[[str, Job], None]
#: (action, seconds from now): action is "poll", "reconcile" or "download".
Step = tuple[str, float]


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
    seen_at: float | None = None  # when the server last answered about it
    sent_at: float | None = None  # when its create last went out from this process
    shown: Progress | None = None  # the progress last reported (it never goes back)
    reports: list[tuple[float, float]] = field(default_factory=list)  # (time, 0-1) > 0
    zero_at: float | None = None  # when the server last said 0 (queued)
    disk_full: DiskFull | None = None  # why its download last stopped, if the disk was full
    disk_full_tries: int = 0

    def heard(self, at: float, video: Video) -> None:
        """Note what the server said about the job's progress at `at`."""
        self.seen_at = at
        if video.is_terminal:
            return
        fraction = max(0, min(100, video.progress)) / 100
        if fraction <= 0:
            self.zero_at = at
        elif not self.reports or fraction != self.reports[-1][1]:
            self.reports = [*self.reports[-1:], (at, fraction)]

    def settle(self) -> None:
        """Forget the polling state (the job needs nothing more for now)."""
        self.submit_attempts = self.failures = self.polls = 0
        self.hint = None


class RunnerCore:
    """State, decisions and recording shared by the runner's sending, refreshing and
    fetching halves."""

    def __init__(
        self,
        client: AsyncSoraClient,
        library: Library,
        backend: Backend,
        *,
        on_change: OnChange,
        limiter: RateLimiter,
        policy: PollPolicy,
        clock: Callable[[], float],
        owner: str,
        create_client: AsyncSoraClient | None = None,
        max_submit_attempts: int = 6,
        max_download_attempts: int = 6,
        list_threshold: int = 2,
        list_pages: int = 2,
    ) -> None:
        self.client = client
        self.create_client = create_client if create_client is not None else client
        self.library = library
        self.backend_name = backend.name
        self.backend_url = safe_backend_url(backend.base_url)
        self.capabilities = capabilities_of(backend)
        self.dialect = getattr(backend, "dialect", None)
        self.supports_list = self.capabilities.list
        self.on_change = on_change
        self.limiter = limiter
        self.policy = policy
        self.clock = clock
        self.owner = owner
        self.max_submit_attempts = max_submit_attempts
        self.max_download_attempts = max_download_attempts
        self.list_threshold = list_threshold
        self.list_pages = list_pages
        self.states: dict[str, JobState] = {}
        self._predicted: dict[tuple[str | None, ...], float | None] = {}
        self.requests = 0

    # --- state -------------------------------------------------------------------------

    def state(self, key: str) -> JobState:
        """The job's state (made on first use)."""
        found = self.states.get(key)
        if found is None:
            found = self.states[key] = JobState()
        return found

    def current(self, key: str) -> Job | None:
        """The job's record as the library has it now (None once removed)."""
        return self.library.find_key(key)

    def note_failure(self, key: str) -> None:
        """A request about the job failed unexpectedly: back off before the next."""
        self.state(key).failures += 1

    def forget(self, key: str) -> None:
        self.states.pop(key, None)

    # --- ownership and decisions -------------------------------------------------------

    def owns(self, job: Job) -> bool:
        return job.backend == self.backend_name and job.backend_url == self.backend_url

    def may_reconcile(self, job: Job) -> bool:
        """A pending job is ours to reconcile unless its create is still on its way."""
        if self.state(job.key).inflight:
            return False
        if job.owner == self.owner or not _owner_alive(job.owner):
            return True
        return self.clock() - job.submitted_at > FOREIGN_GRACE

    def download_done(self, job: Job) -> bool:
        """Nothing more to fetch: saved, expired, or given up for this session."""
        state = self.states.get(job.key) or JobState()
        if state.fetching:
            return False
        return (
            job.has_video
            or job.media_expired
            or state.download_attempts >= self.max_download_attempts
        )

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

    def settle(self, key: str) -> None:
        """Drop the polling state of a job that needs nothing more."""
        state = self.states.get(key)
        if state is not None:
            state.settle()

    def _backoff(self, tries: int) -> float:
        return min(self.policy.max_interval, self.policy.min_interval * 2.0 ** (tries - 1))

    def predicted(self, job: Job) -> float | None:
        """The median duration of earlier completed jobs of this shape (None: none yet)."""
        shape = (job.backend, job.model, job.size, job.seconds)
        if shape not in self._predicted:
            self._predicted[shape] = predict_duration(
                self.library.durations(
                    backend=job.backend, model=job.model, size=job.size, seconds=job.seconds
                )
            )
        return self._predicted[shape]

    def next_poll_delay(self, job: Job) -> float:
        started = job.created_at or job.submitted_at
        state = self.state(job.key)
        return self.policy.next_delay(
            elapsed=max(0.0, self.clock() - started),
            predicted=self.predicted(job),
            progress=job.progress,
            polls=state.polls,
            hint=state.hint,
            checked=state.checked,
            since_submit=max(0.0, self.clock() - (state.sent_at or job.submitted_at)),
        )

    # --- recording ---------------------------------------------------------------------

    def _changed(self, kind: str, job: Job) -> Job:
        self.on_change(kind, job)
        return job

    def observe(
        self, job: Job, video: Video, hint: float | None = None, *, created: bool = False
    ) -> Job:
        """Record a server snapshot of a tracked job (`created`: the create's answer);
        report what changed."""
        current = self.library.find_key(job.key)
        if current is None:  # deleted while the request was out
            return job
        job = current
        state = self.state(job.key)
        state.hint = hint
        state.polls += 1
        state.failures = 0
        state.heard(self.clock(), video)
        state.checked = not created
        new = self.library.record_video(job.key, video)
        if new.is_final and new.billed is None:
            new = self._bill(new, video)
        if new.status == COMPLETED and job.status != COMPLETED:
            self._predicted.pop((new.backend, new.model, new.size, new.seconds), None)
            return self._changed("completed", new)
        if new.status == FAILED and job.status != FAILED:
            return self._changed("failed", new)
        if (new.status, new.progress) != (job.status, job.progress):
            return self._changed("updated", new)
        return new

    def _bill(self, job: Job, video: Video | None) -> Job:
        """Record what an ended job was billed (see `studio.money.bill`)."""
        server = None if video is None else reported_cost(video)
        amount = bill(job.status, job.cost, server, self.backend_name)
        if self.library.bill(job.key, amount):
            return self.library.get(job.key)
        return job

    def _adopt(self, job: Job, video: Video) -> Job:
        """Attach a created job's server id to its submission record."""
        holder = self.library.find(video.id, backend_url=self.backend_url)
        if holder is not None and holder.key != job.key:
            if holder.endpoint != "import":
                # Another submission with the same parameters claimed it; this one is
                # still owed a job of its own.
                log.info("%s was claimed by %s; %s stays pending", video.id, holder.key, job.key)
                return job
            self.library.remove(holder.key, files_too=False)
            self.on_change("removed", holder)
        self.state(job.key).submit_attempts = 0
        return self.observe(job, video, created=True)


def message_of(exc: BaseException) -> str:
    """An exception's message for a job's error text."""
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return str(text)
