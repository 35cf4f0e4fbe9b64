"""The studio's hands: send a recorded submission, reconcile it, poll, download media.

Every outcome is written to the library first, then reported through `on_change(kind,
job)`. A submission is always recorded (status `pending`) before its request goes out;
if no answer arrives, `reconcile` looks for it among the server's newest jobs
(`client.find_submitted`, excluding ids the library already holds) and sends it again
only when it is not there, so nothing is created twice.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Callable
from typing import Any

from sora_notebook.errors import (
    APIError,
    DownloadError,
    Expired,
    GoneError,
    ListTruncated,
    NotFoundError,
    NotReadyError,
    SoraNotebookError,
    ValidationError,
)
from sora_notebook.library import DELETED_REMOTE, REJECTED, Job, Library, safe_backend_url
from sora_notebook.protocol import COMPLETED, FAILED, VARIANTS, Video
from sora_notebook.studio.polling import PollPolicy, predict_duration
from sora_notebook.studio.ratelimit import CREATE, DOWNLOAD, STATUS, RateLimiter

__all__ = ["EXPIRED_MESSAGE", "LOST_MESSAGE", "Runner", "new_owner"]

log = logging.getLogger(__name__)

#: Request fields stored as themselves; every other stored parameter is an extra field.
_KNOWN = frozenset({"prompt", "model", "size", "seconds", "input_reference", "video"})
_TRANSIENT_STATUSES = frozenset({408, 409, 429})
SUBMIT_SKEW = 60.0
#: A pending submission of another live studio is left alone this long (its answer may
#: still be on the way).
FOREIGN_GRACE = 300.0
EXPIRED_MESSAGE = (
    "The server's copy expired before it was saved locally, so there is no video to play. "
    "Generate it again."
)
LOST_MESSAGE = (
    "The server no longer knows this job (deleted, or the server was restarted). Submit it again."
)
_SUFFIX = {"video": ".mp4", "thumbnail": ".webp", "spritesheet": ".jpg"}
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
        return False  # this process: the in-flight set decides
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def is_definitive(exc: BaseException) -> bool:
    """True when a create was refused for good (nothing created, resending will not help)."""
    if isinstance(exc, ValidationError):
        return True
    return (
        isinstance(exc, APIError)
        and 400 <= exc.status_code < 500
        and exc.status_code not in _TRANSIENT_STATUSES
    )


class Runner:
    """Requests for the studio's jobs, with every answer recorded in the library."""

    def __init__(
        self,
        client: Any,
        library: Library,
        backend: Any,
        *,
        on_change: OnChange,
        limiter: RateLimiter,
        policy: PollPolicy,
        clock: Callable[[], float],
        owner: str,
        create_client: Any = None,
        max_submit_attempts: int = 6,
        max_download_attempts: int = 6,
        list_threshold: int = 2,
        list_pages: int = 2,
    ) -> None:
        self.client = client
        self.create_client = create_client if create_client is not None else client
        self.library = library
        self.backend_name = str(getattr(backend, "name", "compatible"))
        self.backend_url = safe_backend_url(str(getattr(backend, "base_url", "")))
        self.supports_list = bool(backend.supports_list)
        self.on_change = on_change
        self.limiter = limiter
        self.policy = policy
        self.clock = clock
        self.owner = owner
        self.max_submit_attempts = max_submit_attempts
        self.max_download_attempts = max_download_attempts
        self.list_threshold = list_threshold
        self.list_pages = list_pages
        self.inflight: set[str] = set()
        self.fetching: set[str] = set()
        self.submit_attempts: dict[str, int] = {}
        self.download_attempts: dict[str, int] = {}
        self.failures: dict[str, int] = {}
        self.polls: dict[str, int] = {}
        self.hints: dict[str, float] = {}
        self._predicted: dict[tuple[Any, ...], float | None] = {}
        self.requests = 0

    # --- ownership and plans ---------------------------------------------------------

    def owns(self, job: Job) -> bool:
        return job.backend == self.backend_name and job.backend_url == self.backend_url

    def may_reconcile(self, job: Job) -> bool:
        """A pending job is ours to reconcile unless its create is still on its way."""
        if job.key in self.inflight:
            return False
        if job.owner == self.owner or not _owner_alive(job.owner):
            return True
        return self.clock() - job.submitted_at > FOREIGN_GRACE

    def download_done(self, job: Job) -> bool:
        """Nothing more to fetch: saved, expired, or given up for this session."""
        if job.key in self.fetching:
            return False
        return (
            job.has_video
            or job.media_expired
            or self.download_attempts.get(job.key, 0) >= self.max_download_attempts
        )

    def plan(self, job: Job) -> tuple[str, float] | None:
        """What the tracker should do next with a job, and after how many seconds."""
        if not self.owns(job) or job.status in (REJECTED, DELETED_REMOTE, FAILED):
            return None
        if job.is_pending:
            if not self.may_reconcile(job):
                return ("reconcile", FOREIGN_GRACE / 10)
            tries = self.submit_attempts.get(job.key, 0) + self.failures.get(job.key, 0)
            return ("reconcile", 0.0 if tries == 0 else self._backoff(tries))
        if job.status == COMPLETED:
            if self.download_done(job):
                return None
            tries = self.download_attempts.get(job.key, 0)
            return ("download", 0.0 if tries == 0 else self._backoff(tries))
        if job.video_id is None:
            return None
        failures = self.failures.get(job.key, 0)
        if failures:
            return ("poll", self._backoff(failures))
        return ("poll", self.next_poll_delay(job))

    def settle(self, key: str) -> None:
        """Drop the polling state of a job that needs nothing more."""
        for state in (self.polls, self.hints, self.failures, self.submit_attempts):
            state.pop(key, None)

    def _backoff(self, tries: int) -> float:
        return min(self.policy.max_interval, self.policy.min_interval * 2.0 ** (tries - 1))

    def predicted(self, job: Job) -> float | None:
        shape = (job.model, job.size, job.seconds)
        if shape not in self._predicted:
            self._predicted[shape] = predict_duration(
                self.library.durations(
                    backend=self.backend_name, model=job.model, size=job.size, seconds=job.seconds
                )
            )
        return self._predicted[shape]

    def next_poll_delay(self, job: Job) -> float:
        started = job.created_at or job.submitted_at
        return self.policy.next_delay(
            elapsed=max(0.0, self.clock() - started),
            predicted=self.predicted(job),
            progress=job.progress,
            polls=self.polls.get(job.key, 0),
            hint=self.hints.get(job.key),
        )

    # --- recording ---------------------------------------------------------------------

    def _changed(self, kind: str, job: Job) -> Job:
        self.on_change(kind, job)
        return job

    def observe(self, job: Job, video: Video, hint: float | None = None) -> Job:
        """Record a server snapshot of a tracked job; report what changed."""
        current = self.library.find_key(job.key)
        if current is None:  # deleted while the request was out
            return job
        job = current
        if hint is not None:
            self.hints[job.key] = hint
        else:
            self.hints.pop(job.key, None)
        self.polls[job.key] = self.polls.get(job.key, 0) + 1
        self.failures.pop(job.key, None)
        new = self.library.record_video(job.key, video)
        if new.status == COMPLETED and job.status != COMPLETED:
            self._predicted.pop((new.model, new.size, new.seconds), None)
            return self._changed("completed", new)
        if new.status == FAILED and job.status != FAILED:
            return self._changed("failed", new)
        if (new.status, new.progress) != (job.status, job.progress):
            return self._changed("updated", new)
        return new

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
        self.submit_attempts.pop(job.key, None)
        return self.observe(job, video)

    # --- sending -----------------------------------------------------------------------

    def _reference(self, value: Any) -> Any:
        if isinstance(value, str) and not value.startswith(("http://", "https://", "data:")):
            path = (self.library.root / value).resolve()
            if path.is_relative_to(self.library.root) and path.is_file():
                return path.read_bytes()
            raise ValidationError(
                f"The stored copy of the reference image ({value}) is missing; submit again "
                "with the image.",
                param="input_reference",
            )
        return value

    async def _request(self, job: Job) -> Video:
        params = dict(job.params)
        prompt = str(params.get("prompt", job.prompt))
        parent = (
            (params.get("video") or {}).get("id") if isinstance(params.get("video"), dict) else None
        )
        client = self.create_client
        if job.endpoint == "remix":
            return await client.remix(parent, prompt)
        if job.endpoint == "edit":
            return await client.edit(parent, prompt)
        if job.endpoint == "extend":
            return await client.extend(parent, prompt, params.get("seconds") or job.seconds)
        extra = {k: v for k, v in params.items() if k not in _KNOWN}
        reference = params.get("input_reference")
        return await client.create(
            prompt,
            model=params.get("model"),
            size=params.get("size"),
            seconds=params.get("seconds"),
            input_reference=None if reference is None else self._reference(reference),
            **extra,
        )

    async def send(self, job: Job) -> Job:
        """Send a pending submission. Refused for good: recorded `rejected` and raised.

        Any other failure leaves it pending (to reconcile later) and returns it.
        """
        self.inflight.add(job.key)
        self.submit_attempts[job.key] = self.submit_attempts.get(job.key, 0) + 1
        try:
            await self.limiter.acquire(CREATE)
            self.requests += 1
            video = await self._request(job)
        except SoraNotebookError as exc:
            if is_definitive(exc):
                self.submit_attempts.pop(job.key, None)
                code = getattr(exc, "code", None)
                rejected = self.library.reject(job.key, _message(exc), code)
                self._changed("failed", rejected)
                raise
            return self._retry_later(job, exc)
        finally:
            self.inflight.discard(job.key)
        current = self.library.find_key(job.key)
        if current is None:  # deleted while its create was out: delete the job too
            with contextlib.suppress(SoraNotebookError):
                await self.client.delete(video.id)
            return job
        return self._adopt(current, video)

    def _retry_later(self, job: Job, exc: BaseException) -> Job:
        tries = self.submit_attempts.get(job.key, 0)
        if tries >= self.max_submit_attempts:
            self.submit_attempts.pop(job.key, None)
            gave_up = self.library.reject(
                job.key,
                f"Could not submit after {tries} attempts ({_message(exc)}). Check the "
                "backend, then submit again.",
            )
            return self._changed("failed", gave_up)
        note = f"No answer yet ({_message(exc)}); checking the server and retrying."
        return self._changed("updated", self.library.update(job.key, error_message=note))

    async def reconcile(self, job: Job) -> Job:
        """Find a pending submission on the server, else send it (again)."""
        if not self.may_reconcile(job):
            return job
        params = job.params
        derived = job.endpoint in ("remix", "edit", "extend")
        parent = (
            params.get("video", {}).get("id") if isinstance(params.get("video"), dict) else None
        )
        try:
            await self.limiter.acquire(CREATE)
            self.requests += 1
            found = await self.client.find_submitted(
                str(params.get("prompt", job.prompt)),
                model=None if derived else params.get("model"),
                size=None if derived else params.get("size"),
                seconds=None if derived else params.get("seconds"),
                created_after=job.submitted_at - SUBMIT_SKEW,
                remixed_from=parent if job.endpoint == "remix" else None,
                exclude=self.library.video_ids(self.backend_url),
                limit=100,
            )
        except SoraNotebookError as exc:
            return self._reconcile_failed(job, exc)
        if found is not None:
            log.info("reconciled %s with %s", job.key, found.id)
            return self._adopt(job, found)
        try:
            return await self.send(job)
        except SoraNotebookError:
            return self.library.get(job.key)

    def _reconcile_failed(self, job: Job, exc: SoraNotebookError) -> Job:
        failures = self.failures[job.key] = self.failures.get(job.key, 0) + 1
        if is_definitive(exc) or failures >= 2 * self.max_submit_attempts:
            self.failures.pop(job.key, None)
            unknown = self.library.reject(
                job.key,
                "The answer to this submission never arrived and the server's job list "
                f"cannot be read ({_message(exc)}), so it is unknown whether it was created. "
                "Check the backend's job list, then submit again if needed.",
            )
            return self._changed("failed", unknown)
        return job

    # --- polling -----------------------------------------------------------------------

    def lists_for(self, n: int) -> bool:
        """Whether `n` jobs due together are refreshed with one list request."""
        return self.supports_list and n >= self.list_threshold

    async def poll(self, jobs: list[Job]) -> list[Job]:
        """Refresh jobs: one list request for several where the backend lists, then one
        GET for each job the list did not show."""
        left = {j.video_id: j for j in jobs if j.video_id}
        out: list[Job] = []
        if self.lists_for(len(left)):
            try:
                out += await self._poll_by_list(left)
            except SoraNotebookError as exc:
                log.debug("list refresh failed: %s", exc)
        for video_id, job in list(left.items()):
            out.append(await self._poll_one(job, video_id))
        return out

    async def _poll_by_list(self, left: dict[str, Job]) -> list[Job]:
        """Observe the jobs of `left` found on the newest `list_pages` pages (popped from
        `left`); the walk stops once it passes the oldest of them."""
        oldest = min((j.created_at or j.submitted_at) for j in left.values()) - SUBMIT_SKEW
        page = 100
        out: list[Job] = []
        await self.limiter.acquire(STATUS)
        self.requests += 1
        seen = 0
        async for video in self.client.list(limit=page, order="desc"):
            seen += 1
            job = left.pop(video.id, None)
            if job is not None:
                out.append(self.observe(job, video))
            if not left or (video.created_at is not None and video.created_at < oldest):
                break
            if seen % page == 0:
                if seen // page >= self.list_pages:
                    break
                await self.limiter.acquire(STATUS)
                self.requests += 1
        return out

    async def _poll_one(self, job: Job, video_id: str) -> Job:
        await self.limiter.acquire(STATUS)
        self.requests += 1
        try:
            video, hint = await _retrieve_with_hint(self.client, video_id)
        except SoraNotebookError as exc:
            if isinstance(exc, NotFoundError) and not isinstance(exc, NotReadyError):
                lost = self.library.update(
                    job.key, status=FAILED, error_message=LOST_MESSAGE, completed_at=self.clock()
                )
                return self._changed("failed", lost)
            self.failures[job.key] = self.failures.get(job.key, 0) + 1
            log.debug("poll of %s failed: %s", video_id, exc)
            return job
        return self.observe(job, video, hint)

    # --- media -------------------------------------------------------------------------

    def mark_expired(self, job: Job) -> Job:
        return self._changed("updated", self._expire(job))

    def _expire(self, job: Job) -> Job:
        return self.library.update(job.key, media_expired=True, error_message=EXPIRED_MESSAGE)

    async def fetch_media(self, job: Job) -> Job:
        """Save the video, thumbnail and spritesheet of a completed job into the library."""
        if job.video_id is None or self.download_done(job):
            return job
        if job.expires_at is not None and self.clock() >= job.expires_at:
            return self.mark_expired(job)
        self.fetching.add(job.key)
        try:
            job, kind = await self._fetch_all(job)
        finally:
            self.fetching.discard(job.key)
        return job if kind is None else self._changed(kind, job)

    async def _fetch_all(self, job: Job) -> tuple[Job, str | None]:
        """(job, event kind or None when it will be tried again later)."""
        tries = self.download_attempts[job.key] = self.download_attempts.get(job.key, 0) + 1
        try:
            job = await self._fetch(job, "video")
        except (Expired, GoneError):
            return self._expire(job), "updated"
        except SoraNotebookError as exc:
            if isinstance(exc, NotFoundError) and not isinstance(exc, NotReadyError):
                return self._expire(job), "updated"
            log.info("download of %s failed (%s); will retry", job.video_id, exc)
            if tries >= self.max_download_attempts:
                note = f"Could not download the video ({_message(exc)}); restart to retry."
                return self.library.update(job.key, error_message=note), "updated"
            return job, None
        self.download_attempts.pop(job.key, None)
        for variant in VARIANTS[1:]:
            for _ in range(2):
                try:
                    job = await self._fetch(job, variant)
                    break
                except DownloadError as exc:
                    log.debug("no %s for %s: %s", variant, job.video_id, exc)
                    break
                except SoraNotebookError as exc:
                    log.debug("%s of %s failed: %s", variant, job.video_id, exc)
        return job, "media_ready"

    async def _fetch(self, job: Job, variant: str) -> Job:
        if variant in job.media:
            return job
        tmp = self.library.temp_path(_SUFFIX[variant])
        try:
            await self.limiter.acquire(DOWNLOAD)
            self.requests += 1
            await self.client.download(job.video_id, tmp, variant=variant)
            return self.library.save_media(job.key, variant, tmp)
        finally:
            for leftover in (tmp, tmp.with_name(tmp.name + ".partial")):
                with contextlib.suppress(OSError):
                    leftover.unlink()

    # --- remote ------------------------------------------------------------------------

    async def delete_remote(self, job: Job) -> None:
        if job.video_id is None or not self.owns(job):
            return
        await self.limiter.acquire(STATUS)
        self.requests += 1
        with contextlib.suppress(NotFoundError):
            await self.client.delete(job.video_id)

    async def listed(self) -> tuple[list[Video], ListTruncated | None]:
        """Every job the server lists, oldest first, and the limit that cut the walk
        short (None when the server's list ended)."""
        await self.limiter.acquire(STATUS)
        self.requests += 1
        videos: list[Video] = []
        cut: ListTruncated | None = None
        try:
            async for video in self.client.list(limit=100, order="desc"):
                videos.append(video)
        except ListTruncated as exc:
            cut = exc
        return videos[::-1], cut


async def _retrieve_with_hint(client: Any, video_id: str) -> tuple[Video, float | None]:
    """A retrieve that also returns the server's `openai-poll-after-ms`, when the client
    can tell it."""
    method = getattr(client, "retrieve_with_hint", None) or getattr(client, "_retrieve", None)
    if method is not None:
        video, hint = await method(video_id)
        return video, hint
    return await client.retrieve(video_id), None


def _parent_id(params: dict[str, Any]) -> str | None:
    video = params.get("video")
    return str(video["id"]) if isinstance(video, dict) and video.get("id") else None


def _message(exc: BaseException) -> str:
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return str(text)
