"""Refreshing jobs: one list request for several where the backend lists, else a GET each."""

from __future__ import annotations

import contextlib
import logging

from sora_notebook.errors import ListTruncated, NotFoundError, NotReadyError, SoraNotebookError
from sora_notebook.library import Job
from sora_notebook.protocol import FAILED, Video
from sora_notebook.studio.jobs import Context, Recorder
from sora_notebook.studio.ratelimit import STATUS
from sora_notebook.studio.sending import SUBMIT_SKEW

__all__ = ["LOST_MESSAGE", "Refresher"]

log = logging.getLogger("sora_notebook.studio.runner")

LOST_MESSAGE = (
    "The server no longer knows this job (deleted, or the server was restarted). Submit it again."
)


class Refresher:
    """Status polls, list walks and remote deletes."""

    def __init__(self, ctx: Context, recorder: Recorder, *, threshold: int = 2, pages: int = 2):
        self.ctx = ctx
        self.recorder = recorder
        self.list_threshold = threshold
        self.list_pages = pages

    def lists_for(self, n: int) -> bool:
        """Whether `n` jobs due together are refreshed with one list request."""
        return self.ctx.capabilities.current.list and n >= self.list_threshold

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
        await self.ctx.limiter.acquire(STATUS)
        self.ctx.requests += 1
        seen = 0
        async for video in self.ctx.client.list(limit=page, order="desc"):
            seen += 1
            job = left.pop(video.id, None)
            if job is not None:
                out.append(self.recorder.observe(job, video))
            if not left or (video.created_at is not None and video.created_at < oldest):
                break
            if seen % page == 0:
                if seen // page >= self.list_pages:
                    break
                await self.ctx.limiter.acquire(STATUS)
                self.ctx.requests += 1
        return out

    async def _poll_one(self, job: Job, video_id: str) -> Job:
        await self.ctx.limiter.acquire(STATUS)
        self.ctx.requests += 1
        try:
            video, hint = await self.ctx.client.retrieve_with_hint(video_id)
        except SoraNotebookError as exc:
            return self._status_failed(job, exc)
        return self.recorder.observe(job, video, hint)

    def _status_failed(self, job: Job, exc: SoraNotebookError) -> Job:
        """A status request about `job` failed: the server no longer knows the job (it
        is failed, lost), or it is tried again later with a backoff."""
        tries = self.ctx.states(job.key).failures + 1
        reason = self.ctx.backend.dialect.failed_status(exc, tries)  # a gateway's words
        if reason is None and isinstance(exc, NotFoundError) and not isinstance(exc, NotReadyError):
            reason = LOST_MESSAGE
        if reason is not None:
            lost = self.ctx.library.update(
                job.key, status=FAILED, error_message=reason, completed_at=self.ctx.clock()
            )
            return self.ctx.changed("failed", self.recorder.bill(lost, None))
        self.ctx.states(job.key).failures = tries
        log.debug("poll of %s failed: %s", job.video_id, exc)
        return job

    async def delete_remote(self, job: Job) -> None:
        ctx = self.ctx
        if job.video_id is None or not ctx.owns(job) or not ctx.capabilities.current.delete:
            return
        await self.ctx.limiter.acquire(STATUS)
        self.ctx.requests += 1
        with contextlib.suppress(NotFoundError):
            await self.ctx.client.delete(job.video_id)

    async def listed(self) -> tuple[list[Video], ListTruncated | None]:
        """Every job the server lists, oldest first, and the limit that cut the walk
        short (None when the server's list ended)."""
        await self.ctx.limiter.acquire(STATUS)
        self.ctx.requests += 1
        videos: list[Video] = []
        cut: ListTruncated | None = None
        try:
            async for video in self.ctx.client.list(limit=100, order="desc"):
                videos.append(video)
        except ListTruncated as exc:
            cut = exc
        return videos[::-1], cut
