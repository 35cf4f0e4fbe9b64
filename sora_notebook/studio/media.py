"""Saving a completed job's media (video, thumbnail, spritesheet) into the library."""

from __future__ import annotations

import contextlib
import errno
import logging
import sqlite3

from sora_notebook.errors import (
    DiskFull,
    DownloadError,
    Expired,
    GoneError,
    NotFoundError,
    NotReadyError,
    SoraNotebookError,
)
from sora_notebook.library import Job
from sora_notebook.protocol import FAILED, MEDIA_TYPES, VARIANTS
from sora_notebook.studio.jobs import Context, message_of
from sora_notebook.studio.ratelimit import DOWNLOAD, STATUS
from sora_notebook.studio.refresh import LOST_MESSAGE
from sora_notebook.studio.stills import make_local_stills

__all__ = ["DISK_FULL", "EXPIRED_MESSAGE", "Fetcher", "MediaFolderError"]

log = logging.getLogger("sora_notebook.studio.runner")

EXPIRED_MESSAGE = (
    "The server's copy expired before it was saved locally, so there is no video to play. "
    "Generate it again."
)
#: `error_code` of a completed job whose download stopped on a full disk (for the view).
DISK_FULL = "disk_full"


class MediaFolderError(DownloadError):
    """The library's media folder cannot be written (read-only, missing, not a folder):
    the video stays on the server; the message says what to do."""

    def __init__(self, folder: object, exc: OSError) -> None:
        super().__init__(
            f"The media folder {folder} cannot be written ({exc.strerror or exc}), so the "
            "video was not saved; it stays on the server until it expires. Make the folder "
            "writable (or open the library in a writable place) and restart the studio to "
            "download it."
        )


class Fetcher:
    """Downloads, retried within the session, and expiry."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def mark_expired(self, job: Job) -> Job:
        return self.ctx.changed("updated", self._expire(job))

    def _expire(self, job: Job) -> Job:
        return self.ctx.library.update(job.key, media_expired=True, error_message=EXPIRED_MESSAGE)

    async def fetch_media(self, job: Job) -> Job:
        """Save the video, thumbnail and spritesheet of a completed job into the library."""
        if job.video_id is None or self.ctx.download_done(job):
            return job
        if job.expires_at is not None and self.ctx.clock() >= job.expires_at:
            return self.mark_expired(job)
        state = self.ctx.states(job.key)
        state.fetching = True
        try:
            job, kind = await self._fetch_all(job)
        finally:
            state.fetching = False
        return job if kind is None else self.ctx.changed(kind, job)

    async def _fetch_all(self, job: Job) -> tuple[Job, str | None]:
        """(job, event kind or None when it will be tried again later)."""
        state = self.ctx.states(job.key)
        state.download_attempts += 1
        try:
            job = await self._fetch(job, "video")
        except (Expired, GoneError):
            return self._expire(job), "updated"
        except DiskFull as exc:
            return self._out_of_space(job, exc), "updated"
        except MediaFolderError as exc:  # given up for this session, said on the job
            state.download_attempts = self.ctx.max_download_attempts
            log.warning("download of %s: %s", job.video_id, exc)
            return self.ctx.library.update(job.key, error_message=str(exc)), "updated"
        except SoraNotebookError as exc:
            if isinstance(exc, NotFoundError) and not isinstance(exc, NotReadyError):
                # the server no longer knows the job at all (a 404 while `expires_at` is
                # still ahead arrives as a DownloadError with its message, and is retried)
                gone = self.ctx.library.update(
                    job.key, media_expired=True, error_message=LOST_MESSAGE
                )
                return gone, "updated"
            reason = self.ctx.backend.dialect.failed_media(exc, state.download_attempts)
            if reason is not None:  # "completed" with no media: the gateway's defect
                failed = self.ctx.library.update(job.key, status=FAILED, error_message=reason)
                return self.ctx.wallet.rebill(failed, state.reported_cost), "failed"
            log.info("download of %s failed (%s); will retry", job.video_id, exc)
            if state.download_attempts >= self.ctx.max_download_attempts:
                note = f"Could not download the video ({message_of(exc)}); restart to retry."
                return self.ctx.library.update(job.key, error_message=note), "updated"
            return job, None
        state.download_attempts = 0
        state.disk_full = None
        if job.error_code == DISK_FULL:  # also when noted by an earlier session
            job = self.ctx.library.update(job.key, error_message=None, error_code=None)
        job = await self._stills(job)
        job = await self._more_outputs(job)
        for variant in [v for v in VARIANTS[1:] if v in self.ctx.capabilities.current.variants]:
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

    async def _stills(self, job: Job) -> Job:
        """Make the thumbnail and spritesheet locally when the server serves only the MP4."""
        if set(VARIANTS[1:]) <= set(self.ctx.capabilities.current.variants) or not job.has_video:
            return job
        return await make_local_stills(self.ctx.library, job)

    async def _more_outputs(self, job: Job) -> Job:
        """Save each further output of a job that made several, as a sibling record."""
        if not self.ctx.capabilities.current.outputs_per_job or not job.video_id:
            return job
        await self.ctx.limiter.acquire(STATUS)
        video = await self.ctx.client.retrieve(job.video_id)
        for index in range(1, self.ctx.backend.dialect.output_count(video.raw)):
            key = f"{job.key}-output-{index}"
            if self.ctx.library.find_key(key) is not None:
                continue
            tmp = self.ctx.library.temp_path(".mp4")
            try:
                await self.ctx.limiter.acquire(DOWNLOAD)
                self.ctx.requests += 1
                await self.ctx.client.download(video, tmp, index=index)
                sibling = self.ctx.library.add_output(job, index, key=key, owner=self.ctx.owner)
                sibling = self.ctx.library.save_media(sibling.key, "video", tmp)
            except SoraNotebookError as exc:
                log.info("output %d of %s was not saved: %s", index, job.video_id, exc)
                continue
            finally:
                with contextlib.suppress(OSError):
                    tmp.unlink()
            sibling = await make_local_stills(self.ctx.library, sibling)
            self.ctx.changed("added", sibling)
            self.ctx.changed("media_ready", sibling)
        return job

    def _out_of_space(self, job: Job, exc: DiskFull) -> Job:
        """Say on the job that the disk is full and what to do; keep trying (with the
        usual backoff) without ever giving up, so it resumes once there is room."""
        state = self.ctx.states(job.key)
        state.disk_full_tries += 1
        tries = state.disk_full_tries
        state.download_attempts = min(tries, self.ctx.max_download_attempts - 1)
        state.disk_full = exc
        free = "" if exc.free is None else f", {exc.free / 1e6:.1f} MB free"
        note = (
            f"The disk holding the library ({self.ctx.library.root}) is full{free}: the video "
            f"could not be saved (tried {tries} time{'s' * (tries != 1)}) and nothing "
            "partial was kept. Free some space on that disk, or move the library to a "
            "bigger one; the download starts again by itself once there is room."
        )
        log.warning("download of %s: disk full (%d tries)", job.video_id, tries)
        try:
            return self.ctx.library.update(job.key, error_message=note, error_code=DISK_FULL)
        except sqlite3.OperationalError as db_exc:  # the database cannot grow either
            log.warning("could not record the full disk on %s: %s", job.key, db_exc)
            return job

    async def _fetch(self, job: Job, variant: str) -> Job:
        if variant in job.media or job.video_id is None:
            return job
        try:
            tmp = self.ctx.library.temp_path(MEDIA_TYPES[variant].ext)
        except OSError as exc:  # the folder is missing and cannot be made, or read-only
            raise MediaFolderError(self.ctx.library.media_dir, exc) from exc
        try:
            await self.ctx.limiter.acquire(DOWNLOAD)
            self.ctx.requests += 1
            await self.ctx.client.download(job.video_id, tmp, variant=variant)
            return self.ctx.library.save_media(job.key, variant, tmp)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise DiskFull(self.ctx.library.media_dir) from exc
            raise MediaFolderError(self.ctx.library.media_dir, exc) from exc
        finally:
            for leftover in (tmp, tmp.with_name(tmp.name + ".partial")):
                with contextlib.suppress(OSError):
                    leftover.unlink()
