"""The local, persistent studio history: SQLite (WAL) records and a media folder.

```
sora_studio/
├── library.sqlite3        jobs, lineage edges, response snapshots (WAL mode)
└── media/
    ├── <id>.<tag>.mp4, <id>.<tag>.thumbnail.webp, <id>.<tag>.spritesheet.jpg
    │     (<tag>: a hash of backend URL + id; further outputs of one job add `.o1` ...)
    ├── refs/<key>.png      copies of reference images
    └── .tmp/               in-flight writes (pid-tagged; swept when their process is gone)
```
Every file arrives through a temp name, is fsynced and renamed into place, so a kill at
any moment leaves nothing or a complete file. Writes are short `BEGIN IMMEDIATE`
transactions with a busy timeout, so two notebooks can share one library. A submission is
recorded *before* its request is sent (status `pending`) so a kill mid-submit can be
reconciled later. Keys never reach the library: only the backend's name and URL.
Knows nothing about HTTP.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import uuid
from collections.abc import Iterable, Mapping
from types import EllipsisType
from typing import Any

from sora_notebook.errors import ValidationError
from sora_notebook.library._connection import _UPDATABLE
from sora_notebook.library._media import MediaFiles
from sora_notebook.library.ledger import Ledger, Reservation
from sora_notebook.library.records import (
    COLUMNS,
    EDGE_KINDS,
    PENDING,
    REJECTED,
    Job,
    encode,
    safe_backend_url,
)
from sora_notebook.protocol import Video

__all__ = ["Library", "safe_backend_url"]


class Library(MediaFiles, Ledger):
    """A folder holding the studio's history; safe to share between processes."""

    def add_submission(self, *, reserve: Reservation | None = None, **fields: Any) -> Job:
        """Record a submission before its request is sent (status `pending`).

        Fields as `submission_row`. With `reserve`, its quote is held against the budget
        in the same transaction (`BudgetExceeded` when it does not fit).
        """
        return self.add_submissions([fields], reserve=reserve)[0]

    def add_submissions(
        self, batch: list[dict[str, Any]], *, reserve: Reservation | None = None
    ) -> list[Job]:
        """Record several submissions at once: all or none, their total quote held
        against the budget inside one immediate transaction (so two processes sharing
        the library cannot both spend the last dollar)."""
        rows = [self._submission_row(**fields) for fields in batch]
        try:
            with self._tx() as db:
                if reserve is not None:
                    self._reserve(db, reserve)
                for row in rows:
                    names = list(row)
                    marks = ", ".join("?" * len(names))
                    db.execute(
                        # column names come from the fixed schema, values are bound
                        f"INSERT INTO jobs ({', '.join(names)}) VALUES ({marks})",  # noqa: S608
                        [encode(n, row[n]) for n in names],
                    )
        except BaseException:
            for row in rows:
                self._drop_reference(row["params"])
            raise
        return [self.get(row["key"]) for row in rows]

    def _submission_row(
        self,
        *,
        backend: str,
        prompt: str,
        model: str | None = None,
        size: str | None = None,
        seconds: str | None = None,
        params: Mapping[str, Any] | None = None,
        backend_url: str = "",
        endpoint: str = "create",
        parent_key: str | None = None,
        edge_kind: str | None = None,
        cost: float | None = None,
        input_reference: bytes | str | os.PathLike[str] | None = None,
        key: str | None = None,
        owner: str | None = None,
    ) -> dict[str, Any]:
        """A pending row; `owner` names the studio that sends it, so another process does
        not reconcile a submission whose answer is still on its way."""
        if edge_kind is not None and edge_kind not in EDGE_KINDS:
            raise ValidationError(
                f"edge_kind must be one of {', '.join(EDGE_KINDS)}; got {edge_kind!r}.",
                param="edge_kind",
            )
        key = key or uuid.uuid4().hex
        stored = dict(params or {})
        if input_reference is not None:
            stored["input_reference"] = self._copy_reference(key, input_reference)
        now = self._clock()
        return {
            "key": key,
            "backend": backend,
            "backend_url": safe_backend_url(backend_url),
            "endpoint": endpoint,
            "status": PENDING,
            "progress": 0,
            "prompt": prompt,
            "model": model,
            "size": size,
            "seconds": seconds,
            "params": stored,
            "parent_key": parent_key,
            "edge_kind": edge_kind,
            "cost": cost,
            "submitted_at": now,
            "updated_at": now,
            "owner": owner,
        }

    def add_output(self, job: Job, index: int, *, key: str, owner: str | None = None) -> Job:
        """Record output `index` of a job that made several, as a completed sibling of it
        (same parent and edge; `params` name the job and the index)."""
        params = {
            **job.params,
            "output_of": job.key,
            "output_of_video": job.video_id,
            "output_index": index,
        }
        self.add_submission(
            backend=job.backend,
            backend_url=job.backend_url,
            endpoint="output",
            prompt=job.prompt,
            model=job.model,
            size=job.size,
            seconds=job.seconds,
            params=params,
            parent_key=job.parent_key,
            edge_kind=job.edge_kind,
            key=key,
            owner=owner,
        )
        return self.update(
            key,
            status=job.status,
            progress=job.progress,
            created_at=job.created_at,
            completed_at=job.completed_at,
            expires_at=job.expires_at,
        )

    def record_video(self, key: str, video: Video) -> Job:
        """Store what the server said about a job (ids, status, times, error, snapshot)."""
        with self._tx() as db:
            old = db.execute("SELECT * FROM jobs WHERE key = ?", (key,)).fetchone()
            if old is None:
                raise KeyError(key)
            fields = self._video_fields(video, old)
            self._update(db, key, fields)
            if old["status"] != fields["status"] or old["snapshot"] is None:
                db.execute(
                    "INSERT INTO snapshots (key, at, status, body) VALUES (?, ?, ?, ?)",
                    (key, self._clock(), fields["status"], fields["snapshot"]),
                )
        return self.get(key)

    def _video_fields(self, video: Video, old: sqlite3.Row | None) -> dict[str, Any]:
        now = self._clock()
        fields: dict[str, Any] = {
            "video_id": video.id,
            "status": video.status,
            "progress": 100 if video.is_completed else max(0, min(100, video.progress)),
            "snapshot": video.to_dict(),
        }
        for name in ("model", "size", "seconds", "prompt"):
            value = getattr(video, name)
            if value and (old is None or not old[name]):
                fields[name] = value
        fields["created_at"] = video.created_at or (old["created_at"] if old else None) or now
        if video.is_terminal:
            fields["completed_at"] = (
                video.completed_at or (old["completed_at"] if old else None) or now
            )
        if video.expires_at is not None:
            fields["expires_at"] = video.expires_at
        if video.error is not None:
            fields["error_code"] = video.error.code
            fields["error_message"] = video.error.message
        elif not video.is_failed:
            fields["error_code"] = fields["error_message"] = None
        return {k: encode(k, v) for k, v in fields.items()}

    def import_video(
        self,
        video: Video,
        *,
        backend: str,
        backend_url: str = "",
        parent_key: str | None = None,
        edge_kind: str | None = None,
    ) -> tuple[Job, bool]:
        """Add a job the server listed; (job, True) if new, (existing, False) if known."""
        url = safe_backend_url(backend_url)
        found = self.find(video.id, backend_url=url)
        if found is not None:
            return found, False
        job = self.add_submission(
            backend=backend,
            backend_url=url,
            prompt=video.prompt or "",
            model=video.model,
            size=video.size,
            seconds=video.seconds,
            endpoint="import",
            parent_key=parent_key,
            edge_kind=edge_kind,
        )
        return self.record_video(job.key, video), True

    def restore(self, job: Job, *, snapshots: Iterable[Mapping[str, Any]] = ()) -> Job:
        """Insert a whole record as it was (an archive being imported)."""
        return self.restore_many([(job, snapshots)])[0]

    def restore_many(self, items: Iterable[tuple[Job, Iterable[Mapping[str, Any]]]]) -> list[Job]:
        """Insert whole records with their snapshots in one transaction: all or none."""
        items = list(items)
        with self._tx() as db:
            for job, snapshots in items:
                row = {name: getattr(job, name) for name in COLUMNS if name != "snapshot"}
                row["backend_url"] = safe_backend_url(job.backend_url)
                names = list(row)
                db.execute(
                    f"INSERT INTO jobs ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",  # noqa: S608
                    [encode(n, row[n]) for n in names],
                )
                for snap in snapshots:
                    db.execute(
                        "INSERT INTO snapshots (key, at, status, body) VALUES (?, ?, ?, ?)",
                        (job.key, snap["at"], snap["status"], json.dumps(snap["body"])),
                    )
        return [self.get(job.key) for job, _ in items]

    def update(self, key: str, **fields: Any) -> Job:
        """Set record fields (status, error_message, media_expired, ...)."""
        unknown = set(fields) - _UPDATABLE
        if unknown:
            raise TypeError(f"cannot update {sorted(unknown)}")
        with self._tx() as db:
            self._update(db, key, {k: encode(k, v) for k, v in fields.items()})
        return self.get(key)

    def reject(self, key: str, message: str, code: str | int | None = None) -> Job:
        """The server refused the create: nothing exists remotely, nothing was billed."""
        return self.update(
            key,
            status=REJECTED,
            error_message=message,
            error_code=code,
            completed_at=self._clock(),
            billed=0.0,
        )

    def annotate(
        self,
        key: str,
        *,
        rating: int | EllipsisType | None = ...,
        notes: str | None = None,
        tags: list[str] | tuple[str, ...] | None = None,
    ) -> Job:
        """Set the person's rating (0-5 or None), notes and tags."""
        fields: dict[str, Any] = {}
        if not isinstance(rating, EllipsisType):
            if rating is not None and not (isinstance(rating, int) and 0 <= rating <= 5):
                raise ValidationError(f"rating must be 0-5 or None; got {rating!r}.")
            fields["rating"] = rating
        if notes is not None:
            fields["notes"] = str(notes)
        if tags is not None:
            fields["tags"] = sorted({str(t).strip() for t in tags if str(t).strip()})
        return self.update(key, **fields) if fields else self.get(key)

    def remove(self, key: str, *, files_too: bool = True) -> Job | None:
        """Forget a job (and its media files). Children keep their edge to the key."""
        job = self.find_key(key)
        if job is None:
            return None
        with self._tx() as db:
            db.execute("DELETE FROM jobs WHERE key = ?", (key,))
            db.execute("DELETE FROM snapshots WHERE key = ?", (key,))
        if files_too:
            paths = list(job.media.values())
            ref = job.params.get("input_reference")
            if isinstance(ref, str):
                paths.append(ref)
            for rel in paths:
                path = self._inside(rel)
                if path is not None:
                    with contextlib.suppress(OSError):
                        path.unlink()
        return job
