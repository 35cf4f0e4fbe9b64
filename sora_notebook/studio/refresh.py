"""Refreshing jobs: one list request for several where the backend lists, else a GET each."""

from __future__ import annotations

import contextlib
import logging

from sora_notebook.errors import ListTruncated, NotFoundError, NotReadyError, SoraNotebookError
from sora_notebook.library import Job
from sora_notebook.protocol import FAILED, Video
from sora_notebook.studio.jobs import RunnerCore
from sora_notebook.studio.ratelimit import STATUS
from sora_notebook.studio.sending import SUBMIT_SKEW

__all__ = ["LOST_MESSAGE", "Refreshing"]

log = logging.getLogger("sora_notebook.studio.runner")

LOST_MESSAGE = (
    "The server no longer knows this job (deleted, or the server was restarted). Submit it again."
)


class Refreshing(RunnerCore):
    """Status polls, list walks and remote deletes."""

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
            video, hint = await self.client.retrieve_with_hint(video_id)
        except SoraNotebookError as exc:
            if isinstance(exc, NotFoundError) and not isinstance(exc, NotReadyError):
                lost = self.library.update(
                    job.key, status=FAILED, error_message=LOST_MESSAGE, completed_at=self.clock()
                )
                return self._changed("failed", self._bill(lost, None))
            self.note_failure(job.key)
            log.debug("poll of %s failed: %s", video_id, exc)
            return job
        return self.observe(job, video, hint)

    async def delete_remote(self, job: Job) -> None:
        if job.video_id is None or not self.owns(job) or not self.capabilities.delete:
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
