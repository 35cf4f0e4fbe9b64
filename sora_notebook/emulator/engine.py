"""The emulator's jobs: clock-driven lifecycle, render scheduling and cache, persistence.

A job's status is a function of the injected clock: `queued` for a moment, then
`in_progress` with rising progress, then `completed` (once its media is rendered) or
`failed`. A render starts when a request sees the job out of the queue, and runs in a
worker thread, keyed by its inputs (`RenderSpec.key()`), so identical inputs are encoded
once. With `data_dir` the jobs (`jobs.json`) and renders survive a restart and are shared
by every engine over that folder (`store.py`: two notebooks in one folder know each
other's jobs); without it everything lives in a temp folder removed on `close()`.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import hashlib
import math
import os
import random
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sora_notebook.emulator import store
from sora_notebook.emulator.catalogue import CATALOGUE
from sora_notebook.emulator.jobs import QUEUE_SECONDS, VARIANT_FILES, EmulatedJob, run_seconds
from sora_notebook.emulator.look import RenderSpec, Segment
from sora_notebook.emulator.moderation import MODERATION_CODE, MODERATION_MESSAGE, blocked_term
from sora_notebook.protocol import COMPLETED, FAILED, IN_PROGRESS, QUEUED, parse_size

__all__ = ["Engine"]


class Engine:
    """Jobs, their lifecycle and their media. One per app; see `create_app`."""

    def __init__(
        self,
        *,
        speed: float = 1.0,
        clock: Callable[[], float] | None = None,
        data_dir: str | os.PathLike[str] | None = None,
        retention: float = 3600,
        max_running: int | None = None,
        render: str = "full",
        workers: int = 2,
        jitter: float = 0.0,
        slots: int | None = None,
        seed: int | None = None,
        caption: bool = True,
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        if render not in ("full", "draft"):
            raise ValueError("render must be 'full' or 'draft'")
        self.speed = speed
        self.clock = clock or time.time
        self.retention = retention
        self.max_running = max_running
        self.render_mode = render
        if not 0.0 <= jitter < 1.0:
            raise ValueError("jitter must be at least 0 and below 1")
        if slots is not None and slots < 1:
            raise ValueError("slots must be at least 1")
        self.jitter = jitter
        self.slots = slots
        self._random = random.Random(seed)
        self.seed = seed
        self.caption = caption
        self.created = 0
        self.requests = 0
        self._owns_root = data_dir is None
        self.root = Path(
            tempfile.mkdtemp(prefix="sora-emulator-") if data_dir is None else data_dir
        )
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "renders").mkdir(exist_ok=True)
        (self.root / "refs").mkdir(exist_ok=True)
        self._lock = threading.RLock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sora-render")
        self._renders: dict[str, Future[None]] = {}
        self.jobs: dict[str, EmulatedJob] = {}
        self._cursors: dict[str, tuple[float, int]] = {}
        self.characters: dict[str, dict[str, Any]] = {}
        self._seq = 0
        self._deleted: set[str] = set()
        self._closed = False
        if self._owns_root:
            atexit.register(self._remove_root)
        self._load()

    # --- persistence ----------------------------------------------------------------

    def _load(self) -> None:
        if not self._owns_root:
            data = store.read(self.root)
            self._adopt(data)
            self.created = int(data.get("created", 0) or 0)

    def _adopt(self, data: dict[str, Any]) -> None:
        """Take in the jobs and characters another engine over the same folder wrote
        (`emulator/store.py`), and forget the jobs it deleted."""
        gone = set(data.get("deleted", []))
        self._deleted |= gone
        for video_id in gone & set(self.jobs):
            del self.jobs[video_id]
        for item in data.get("jobs", []):
            if item.get("id") in self.jobs or item.get("id") in self._deleted:
                continue
            job = EmulatedJob(**item)
            self.jobs[job.id] = job
            self._seq = max(self._seq, job.seq)
        for character in data.get("characters", []):
            self.characters.setdefault(character["id"], character)

    def _refresh(self) -> None:
        """Re-read the shared `jobs.json` (a job may come from another process)."""
        if not self._owns_root:
            with self._lock:
                self._adopt(store.read(self.root))

    def _save(self) -> None:
        if self._owns_root:
            return  # a temp folder dies with the engine: nothing to keep
        with self._lock:
            payload = {
                "created": self.created,
                "jobs": [asdict(j) for j in self.jobs.values()],
                "characters": list(self.characters.values()),
                "deleted": sorted(self._deleted),
            }
            self._adopt(store.merge(self.root, payload))

    def close(self) -> None:
        """Stop the workers; remove the temp folder when there is no `data_dir`."""
        if self._closed:
            return
        self._closed = True
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._owns_root:
            self._remove_root()
            atexit.unregister(self._remove_root)

    def _remove_root(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    # --- rendering ------------------------------------------------------------------

    def render_dir(self, spec: RenderSpec) -> Path:
        return self.root / "renders" / spec.key()

    def save_reference(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        path = self.root / "refs" / digest
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
        return digest

    def _start_render(self, spec: RenderSpec) -> Future[None]:
        key = spec.key()
        with self._lock:
            fut = self._renders.get(key)
            if fut is not None and not (fut.done() and fut.exception() is not None):
                return fut
            out = self.render_dir(spec)
            if (out / "video.mp4").exists():
                fut = Future()
                fut.set_result(None)
            else:
                fut = self._pool.submit(self._render, spec, out)
            self._renders[key] = fut
            return fut

    def _render(self, spec: RenderSpec, out: Path) -> None:
        from sora_notebook.emulator import _render  # the media libraries load on first use

        reference = None
        if spec.reference_sha256:
            reference = (self.root / "refs" / spec.reference_sha256).read_bytes()
        _render.render(spec, out, reference=reference)

    def touch(self, job: EmulatedJob, now: float | None = None) -> None:
        """Start the job's render once it has left the queue (renders are lazy: a job
        nobody looks at costs nothing; a watched one renders long before it is due)."""
        now = self.clock() if now is None else now
        if job.error is None and now >= job.created_at + job.queue_for:
            key = job.render_spec.key()
            if key not in self._renders and not self.render_ready(job):
                self._start_render(job.render_spec)

    def render_ready(self, job: EmulatedJob) -> bool:
        return (self.render_dir(job.render_spec) / "video.mp4").exists()

    async def wait_render(self, job: EmulatedJob) -> None:
        """Wait (without blocking the loop) until the job's media exists or failed."""
        if job.error is not None or self.render_ready(job):
            return
        fut = self._start_render(job.render_spec)
        try:
            await asyncio.wrap_future(fut)
        except Exception as exc:  # a render bug fails the job, like a server-side error
            with self._lock:
                job.render_error = f"Rendering failed: {type(exc).__name__}: {exc}"
                self._save()

    # --- lifecycle ------------------------------------------------------------------

    def status(self, job: EmulatedJob, now: float | None = None) -> tuple[str, int]:
        """(status, progress) at `now` by the clock."""
        now = self.clock() if now is None else now
        started = job.created_at + job.queue_for
        if now < started:
            return QUEUED, 0
        if job.error is not None:
            return FAILED, 0
        if now < job.finishes_at:
            frac = (now - started) / job.run_for if job.run_for > 0 else 1.0
            return IN_PROGRESS, max(1, min(99, int(frac * 100)))
        if job.render_error is not None:
            return FAILED, 100
        if self.render_ready(job):
            return COMPLETED, 100
        return IN_PROGRESS, 99

    def running(self, now: float | None = None) -> list[EmulatedJob]:
        """Jobs the clock says are queued or generating (the `max_running` count)."""
        now = self.clock() if now is None else now
        return [j for j in self.jobs.values() if now < self.ends_at(j)]

    @staticmethod
    def ends_at(job: EmulatedJob) -> float:
        """When the job turns terminal: a moderated one as it leaves the queue."""
        return job.created_at + job.queue_for if job.error is not None else job.finishes_at

    def retry_after(self) -> float:
        """Seconds until the next running job is due to finish (at least 1)."""
        now = self.clock()
        due = [self.ends_at(j) - now for j in self.running(now)]
        return max(1.0, math.ceil(min(due))) if due else 1.0

    def to_dict(self, job: EmulatedJob, now: float | None = None) -> dict[str, Any]:
        """The Video object as the API returns it."""
        now = self.clock() if now is None else now
        status, progress = self.status(job, now)
        completed_at = expires_at = None
        error = None
        if status == COMPLETED:
            completed_at = int(job.finishes_at)
            expires_at = int(job.finishes_at + self.retention)
        elif status == FAILED:
            if job.error is not None:  # refused by moderation as soon as it left the queue
                completed_at = int(job.created_at + job.queue_for)
                error = dict(job.error)
            else:
                completed_at = int(job.finishes_at)
                error = {"code": "internal_error", "message": job.render_error or "failed"}
        return {
            "id": job.id,
            "object": "video",
            "model": job.model,
            "status": status,
            "progress": progress,
            "created_at": int(job.created_at),
            "completed_at": completed_at,
            "expires_at": expires_at,
            "prompt": job.prompt,
            "size": job.size,
            "seconds": job.seconds,
            "remixed_from_video_id": job.remixed_from_video_id,
            "error": error,
        }

    def poll_after_ms(self, job: EmulatedJob) -> int | None:
        """A polling hint: the time left, clamped to 20 ms - 5 s; None once terminal."""
        now = self.clock()
        status, _ = self.status(job, now)
        if status in (COMPLETED, FAILED):
            return None
        left = max(0.0, job.finishes_at - now)
        return int(min(5000, max(20, left * 1000)))

    # --- jobs -----------------------------------------------------------------------

    def create(
        self,
        *,
        model: str,
        prompt: str,
        size: str,
        seconds: int,
        segments: tuple[Segment, ...] | None = None,
        reference_sha256: str | None = None,
        remixed_from: str | None = None,
        seed: int | None = None,
        caption: bool | None = None,
    ) -> EmulatedJob:
        """Accept a job, start its render, count it. Without `seed` each job gets its own
        (from its number and the engine's `seed`), so variants and repeated prompts differ
        yet the same run of requests renders the same bytes; `caption` (default: the
        engine's) burns the prompt into the frames. The model's look comes from `catalogue`."""
        width, height = parse_size(size)
        segs = segments or (Segment(prompt=prompt, look_prompt=prompt, seconds=seconds),)
        error = None
        if blocked_term(prompt) is not None:
            error = {"code": MODERATION_CODE, "message": MODERATION_MESSAGE}
        with self._lock:
            self._seq += 1
            spec = RenderSpec(
                width=width,
                height=height,
                segments=segs,
                mode=self.render_mode,
                reference_sha256=reference_sha256,
                seed=self._job_seed(self._seq) if seed is None else seed,
                caption=self.caption if caption is None else caption,
                grade=CATALOGUE[model].grade if model in CATALOGUE else "plain",
            )
            total = spec.seconds
            queue_for, run_for = self._timing(model, total)
            job = EmulatedJob(
                id="video_" + uuid.uuid4().hex,
                seq=self._seq,
                model=model,
                prompt=prompt,
                size=size,
                seconds=str(total),
                created_at=self.clock(),
                queue_for=queue_for,
                run_for=run_for,
                spec=spec.to_dict(),
                remixed_from_video_id=remixed_from,
                error=error,
            )
            self.jobs[job.id] = job
            self.created += 1
            self._save()
        self.touch(job)
        return job

    def _job_seed(self, seq: int) -> int:
        """The seed of the `seq`-th job: its number, mixed with the engine's `seed`."""
        if self.seed is None:
            return seq
        digest = hashlib.sha256(f"{self.seed}:{seq}".encode()).digest()
        return int.from_bytes(digest[:4], "big")

    def _timing(self, model: str, seconds: int) -> tuple[float, float]:
        """(seconds queued, seconds generating). Exact by default. With `jitter`, each
        job's generation time varies by up to that share, seeded by `seed`; with `slots`,
        a job waits in the queue until one of that many generation slots is free."""
        now = self.clock()
        queue = QUEUE_SECONDS / self.speed
        run = run_seconds(model, seconds, self.speed)
        if self.jitter:
            run *= 1.0 + self.jitter * (2.0 * self._random.random() - 1.0)
        if self.slots is not None:
            busy = sorted(
                j.finishes_at for j in self.jobs.values() if j.error is None and j.finishes_at > now
            )
            if len(busy) >= self.slots:
                queue = max(queue, busy[len(busy) - self.slots] - now)
        return queue, run

    def create_character(self, name: str) -> dict[str, Any]:
        """A named character (the emulator keeps only its name; it is not drawn)."""
        character_id = "char_" + uuid.uuid4().hex
        character = {"id": character_id, "name": name, "created_at": int(self.clock())}
        with self._lock:
            self.characters[character_id] = character
            self._save()
        return character

    def get(self, video_id: str) -> EmulatedJob | None:
        job = self.jobs.get(video_id)
        if job is None:  # another engine over the same folder may have made it
            self._refresh()
            job = self.jobs.get(video_id)
        return job

    def delete(self, video_id: str) -> bool:
        with self._lock:
            job = self.jobs.pop(video_id, None)
            if job is None:
                return False
            # A deleted id still works as a list cursor (a client may page while deleting).
            self._cursors[video_id] = (job.created_at, job.seq)
            self._deleted.add(video_id)
            self._save()
            return True

    def ordered(self, order: str = "desc", after: str | None = None) -> list[EmulatedJob]:
        """Jobs newest first (`desc`) or oldest first, those after the cursor `after`.

        KeyError when `after` is not an id this emulator has issued."""
        self._refresh()
        jobs = sorted(self.jobs.values(), key=lambda j: (j.created_at, j.seq))
        if after is not None:
            job = self.jobs.get(after)
            cursor = (job.created_at, job.seq) if job is not None else self._cursors[after]
            if order == "desc":
                jobs = [j for j in jobs if (j.created_at, j.seq) < cursor]
            else:
                jobs = [j for j in jobs if (j.created_at, j.seq) > cursor]
        return jobs[::-1] if order == "desc" else jobs

    def media_path(self, job: EmulatedJob, variant: str = "video") -> Path:
        return self.render_dir(job.render_spec) / VARIANT_FILES[variant][0]

    def media_sha256(self, video_id: str, variant: str = "video") -> str:
        """sha256 hex digest of a job's media file (for tests)."""
        job = self.jobs[video_id]
        return hashlib.sha256(self.media_path(job, variant).read_bytes()).hexdigest()

    def wait_all_renders(self, timeout: float | None = None) -> None:
        """Block until every scheduled render is done (tests, benchmarks)."""
        with self._lock:
            futures = list(self._renders.values())
        for fut in futures:
            with contextlib.suppress(Exception):
                fut.result(timeout=timeout)
