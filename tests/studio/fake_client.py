"""A scripted in-memory Video API client for tracker tests on a fake clock."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sora_notebook.errors import NotFoundError
from sora_notebook.protocol import Video

MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64


@dataclass
class FakeJob:
    id: str
    prompt: str
    created_at: float
    duration: float


class FakeClient:
    """Jobs take `duration` seconds of the injected clock; every call is counted."""

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        duration: float = 60.0,
        hint: float | None = None,
        backend: Any = None,
    ) -> None:
        self.clock = clock
        self.duration = duration
        self.hint = hint
        self.backend = backend
        self.jobs: dict[str, FakeJob] = {}
        self.calls: Counter[str] = Counter()
        self.retrieve_times: dict[str, list[float]] = {}
        self.request_times: list[float] = []

    def _count(self, name: str) -> None:
        self.calls[name] += 1
        self.request_times.append(self.clock())

    def video(self, job: FakeJob) -> Video:
        elapsed = self.clock() - job.created_at
        done = elapsed >= job.duration
        return Video.from_dict(
            {
                "id": job.id,
                "status": "completed" if done else "in_progress",
                "progress": 100 if done else int(100 * elapsed / job.duration),
                "prompt": job.prompt,
                "created_at": job.created_at,
                "completed_at": job.created_at + job.duration if done else None,
                "expires_at": job.created_at + job.duration + 3600 if done else None,
                "model": "sora-2",
                "size": "720x1280",
                "seconds": "4",
            }
        )

    async def create(self, prompt: str, **kw: Any) -> Video:
        self._count("create")
        job = FakeJob(f"video_{len(self.jobs)}", prompt, self.clock(), self.duration)
        self.jobs[job.id] = job
        return self.video(job)

    async def retrieve_with_hint(self, video_id: str) -> tuple[Video, float | None]:
        self._count("retrieve")
        self.retrieve_times.setdefault(video_id, []).append(self.clock())
        if video_id not in self.jobs:
            raise NotFoundError("no such video", status_code=404)
        video = self.video(self.jobs[video_id])
        return video, None if video.is_terminal else self.hint

    async def list(
        self, *, limit: int | None = None, order: str | None = None, after: str | None = None
    ) -> AsyncIterator[Video]:
        self._count("list")
        for job in sorted(self.jobs.values(), key=lambda j: -j.created_at):
            yield self.video(job)

    async def find_submitted(self, prompt: str, **kw: Any) -> Video | None:
        self._count("find_submitted")
        exclude = kw.get("exclude", ())
        for job in self.jobs.values():
            if job.prompt == prompt and job.id not in exclude:
                return self.video(job)
        return None

    async def download(self, video_id: str, path: Any, *, variant: str = "video") -> Path:
        self._count("download")
        Path(path).write_bytes(MP4 if variant == "video" else b"\x89PNG\r\n\x1a\n" + b"0" * 8)
        return Path(path)

    async def delete(self, video_id: str) -> None:
        self._count("delete")
        self.jobs.pop(video_id, None)

    async def aclose(self) -> None:
        pass
