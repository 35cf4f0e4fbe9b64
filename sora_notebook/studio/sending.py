"""Sending a recorded submission, and reconciling one whose answer never arrived.

A submission is always recorded (status `pending`) before its request goes out; if no
answer arrives, `reconcile` looks for it among the server's newest jobs
(`client.find_submitted`, excluding ids the library already holds) and sends it again
only when it is not there, so nothing is created twice.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from sora_notebook.client import AsyncSoraClient
from sora_notebook.errors import TRANSIENT_STATUSES, APIError, SoraNotebookError, ValidationError
from sora_notebook.library import Job
from sora_notebook.protocol import Video
from sora_notebook.studio.jobs import Context, Recorder, message_of
from sora_notebook.studio.ratelimit import CREATE

__all__ = ["SUBMIT_SKEW", "Sender", "is_definitive", "parent_id"]

log = logging.getLogger("sora_notebook.studio.runner")

#: Request fields stored as themselves; every other stored parameter is an extra field.
_KNOWN = frozenset({"prompt", "model", "size", "seconds", "input_reference", "video"})
#: How far before the submit a server's `created_at` may be and still match (clock skew).
SUBMIT_SKEW = AsyncSoraClient.SUBMIT_SKEW


def is_definitive(exc: BaseException) -> bool:
    """True when a create was refused for good (nothing created, resending will not help)."""
    if isinstance(exc, ValidationError):
        return True
    return (
        isinstance(exc, APIError)
        and 400 <= exc.status_code < 500
        and exc.status_code not in TRANSIENT_STATUSES
    )


def parent_id(job: Job) -> str | None:
    """The server id of the video a remix, edit or extension starts from."""
    video = job.params.get("video")
    return str(video["id"]) if isinstance(video, dict) and video.get("id") else None


class Sender:
    """Creates, remixes, edits and extensions, sent once and reconciled when unsure."""

    def __init__(self, ctx: Context, recorder: Recorder) -> None:
        self.ctx = ctx
        self.recorder = recorder

    def _reference(self, value: Any) -> Any:
        """The stored reference image's bytes (a URL or file id is sent as it is)."""
        if isinstance(value, str) and not value.startswith(("http://", "https://", "data:")):
            path = (self.ctx.library.root / value).resolve()
            if path.is_relative_to(self.ctx.library.root) and path.is_file():
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
        parent = parent_id(job)
        client = self.ctx.create_client
        if job.endpoint in ("remix", "edit", "extend") and parent is None:
            raise ValidationError(f"This {job.endpoint} has no parent video id.")
        if job.endpoint == "remix":
            return await client.remix(str(parent), prompt)
        if job.endpoint == "edit":
            return await client.edit(str(parent), prompt)
        if job.endpoint == "extend":
            seconds = params.get("seconds") or job.seconds or ""
            return await client.extend(str(parent), prompt, seconds)
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
        state = self.ctx.states(job.key)
        state.inflight = True
        state.submit_attempts += 1
        try:
            await self.ctx.limiter.acquire(CREATE)
            self.ctx.requests += 1
            state.sent_at = self.ctx.clock()
            video = await self._request(job)
        except SoraNotebookError as exc:
            if is_definitive(exc) or self.ctx.backend.dialect.create_refused(exc):
                state.submit_attempts = 0
                code = getattr(exc, "code", None)
                rejected = self.ctx.library.reject(job.key, message_of(exc), code)
                self.ctx.changed("failed", rejected)
                raise
            return self._retry_later(job, exc)
        finally:
            state.inflight = False
        current = self.ctx.library.find_key(job.key)
        if current is None:  # deleted while its create was out: delete the job too
            with contextlib.suppress(SoraNotebookError):
                await self.ctx.client.delete(video.id)
            return job
        return self.recorder.adopt(current, video)

    def _retry_later(self, job: Job, exc: BaseException) -> Job:
        state = self.ctx.states(job.key)
        tries = state.submit_attempts
        if tries >= self.ctx.max_submit_attempts:
            state.submit_attempts = 0
            gave_up = self.ctx.library.reject(
                job.key,
                f"Could not submit after {tries} attempts ({message_of(exc)}). Check the "
                "backend, then submit again.",
            )
            return self.ctx.changed("failed", gave_up)
        note = f"No answer yet ({message_of(exc)}); checking the server and retrying."
        return self.ctx.changed("updated", self.ctx.library.update(job.key, error_message=note))

    async def reconcile(self, job: Job) -> Job:
        """Find a pending submission on the server, else send it (again)."""
        if not self.ctx.may_reconcile(job):
            return job
        params = job.params
        derived = job.endpoint in ("remix", "edit", "extend")
        try:
            await self.ctx.limiter.acquire(CREATE)
            self.ctx.requests += 1
            found = await self.ctx.client.find_submitted(
                str(params.get("prompt", job.prompt)),
                model=None if derived else params.get("model"),
                size=None if derived else params.get("size"),
                seconds=None if derived else params.get("seconds"),
                created_after=job.submitted_at - SUBMIT_SKEW,
                remixed_from=parent_id(job) if job.endpoint == "remix" else None,
                exclude=self.ctx.library.video_ids(self.ctx.backend_url),
                limit=100,
            )
        except SoraNotebookError as exc:
            return self._reconcile_failed(job, exc)
        if found is not None:
            log.info("reconciled %s with %s", job.key, found.id)
            return self.recorder.adopt(job, found)
        try:
            return await self.send(job)
        except SoraNotebookError:
            return self.ctx.library.get(job.key)

    def _reconcile_failed(self, job: Job, exc: SoraNotebookError) -> Job:
        state = self.ctx.states(job.key)
        state.failures += 1
        if is_definitive(exc) or state.failures >= 2 * self.ctx.max_submit_attempts:
            state.failures = 0
            unknown = self.ctx.library.reject(
                job.key,
                "The answer to this submission never arrived and the server's job list "
                f"cannot be read ({message_of(exc)}), so it is unknown whether it was created. "
                "Check the backend's job list, then submit again if needed.",
            )
            return self.ctx.changed("failed", unknown)
        return job
