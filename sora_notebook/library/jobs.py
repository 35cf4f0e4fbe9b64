"""The jobs table (`Library.records`): submissions, what servers said, annotations,
and the queries over them (by key, id or filter, lineage children, snapshots)."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from types import EllipsisType
from typing import Any

from sora_notebook.errors import ValidationError
from sora_notebook.library.ledger import Ledger, Reservation
from sora_notebook.library.media import MediaFiles
from sora_notebook.library.people import NotYours
from sora_notebook.library.records import (
    COLUMNS,
    DELETED_REMOTE,
    EDGE_KINDS,
    FINAL_STATUSES,
    PENDING,
    REJECTED,
    UPDATABLE,
    Job,
    encode,
    job_from_row,
    safe_backend_url,
    update_row,
)
from sora_notebook.library.store import Db, Store
from sora_notebook.protocol import Video

__all__ = ["Records"]


class Records:
    """The jobs of one store; reference images copied into `media`, quotes held by
    `ledger` in the transaction that records them. New jobs and notes are recorded under
    `person`; removing another person's job needs `admin()`."""

    def __init__(
        self,
        store: Store,
        media: MediaFiles,
        ledger: Ledger,
        *,
        person: str,
        admin: Callable[[], bool] = lambda: False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.media = media
        self.ledger = ledger
        self.person = person
        self._admin = admin
        self._clock = clock

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
            with self.store.write() as db:
                if reserve is not None:
                    self.ledger.reserve(db, reserve)
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
                self.media.drop_reference(row["params"])
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
        person: str | None = None,
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
            stored["input_reference"] = self.media.copy_reference(key, input_reference)
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
            "person": person or self.person,
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
            person=job.person,
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
        with self.store.write() as db:
            old = db.execute("SELECT * FROM jobs WHERE key = ?", (key,)).fetchone()
            if old is None:
                raise KeyError(key)
            fields = self._video_fields(video, old)
            update_row(db, key, fields, self._clock())
            if old["status"] != fields["status"] or old["snapshot"] is None:
                db.execute(
                    "INSERT INTO snapshots (key, at, status, body) VALUES (?, ?, ?, ?)",
                    (key, self._clock(), fields["status"], fields["snapshot"]),
                )
        return self.get(key)

    def _video_fields(self, video: Video, old: Any) -> dict[str, Any]:
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

    def restore_many(
        self,
        items: Iterable[tuple[Job, Iterable[Mapping[str, Any]]]],
        *,
        also: Callable[[Db], object] | None = None,
    ) -> list[Job]:
        """Insert whole records with their snapshots in one transaction: all or none
        (`also(db)` writes more inside the same transaction)."""
        items = list(items)
        with self.store.write() as db:
            if also is not None:
                also(db)
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
        unknown = set(fields) - UPDATABLE
        if unknown:
            raise TypeError(f"cannot update {sorted(unknown)}")
        with self.store.write() as db:
            update_row(db, key, {k: encode(k, v) for k, v in fields.items()}, self._clock())
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
        if not fields:
            return self.get(key)
        return self.update(key, noted_by=self.person, **fields)

    def remove(self, key: str, *, files_too: bool = True) -> Job | None:
        """Forget a job (and its media files). Children keep their edge to the key."""
        job = self.find_key(key)
        if job is None:
            return None
        self.check_removable(job)
        with self.store.write() as db:
            db.execute("DELETE FROM jobs WHERE key = ?", (key,))
            db.execute("DELETE FROM snapshots WHERE key = ?", (key,))
        if files_too:
            self.media.forget(job)
        return job

    def check_removable(self, job: Job) -> None:
        """Raise `NotYours` unless this person made `job` or is an admin: call before
        deleting anything of it, on the server too. Anyone may remove a record from
        before people were recorded, and one of a video the server listed (`import`):
        the studio folds that into the job that made it once its answer arrives."""
        maker = job.person
        if maker is None or maker == self.person or job.endpoint == "import":
            return
        if not self._admin():
            raise NotYours(job.key, self.person, maker)

    # --- reading ---------------------------------------------------------------------

    def find_key(self, key: str) -> Job | None:
        with self.store.read() as db:
            row = db.execute("SELECT * FROM jobs WHERE key = ?", (key,)).fetchone()
        return None if row is None else job_from_row(row)

    def get(self, key: str) -> Job:
        job = self.find_key(key)
        if job is None:
            raise KeyError(key)
        return job

    def find(self, video_id: str, *, backend_url: str | None = None) -> Job | None:
        """The job with this server id (on this backend URL, when given)."""
        sql, args = "SELECT * FROM jobs WHERE video_id = ?", [video_id]
        if backend_url is not None:
            sql += " AND backend_url = ?"
            args.append(safe_backend_url(backend_url))
        with self.store.read() as db:
            row = db.execute(sql + " ORDER BY submitted_at LIMIT 1", args).fetchone()
        return None if row is None else job_from_row(row)

    def jobs(
        self,
        *,
        status: str | list[str] | tuple[str, ...] | None = None,
        backend: str | None = None,
        model: str | None = None,
        tag: str | None = None,
        parent: str | None = None,
        search: str | None = None,
        unfinished: bool | None = None,
        min_rating: int | None = None,
        limit: int | None = None,
        newest_first: bool = False,
        person: str | None = None,
    ) -> list[Job]:
        """Records, oldest first unless `newest_first`, filtered by any of the arguments
        (`person`: the jobs one person made)."""
        where: list[str] = []
        args: list[Any] = []
        if status is not None:
            statuses = [status] if isinstance(status, str) else list(status)
            where.append(f"status IN ({', '.join('?' * len(statuses))})")
            args += statuses
        for column, value in (
            ("backend", backend),
            ("model", model),
            ("parent_key", parent),
            ("person", person),
        ):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        if search:
            where.append("prompt LIKE ? ESCAPE '\\'")
            escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            args.append(f"%{escaped}%")
        if unfinished is not None:
            finals = sorted(FINAL_STATUSES | {DELETED_REMOTE})
            op = "NOT IN" if unfinished else "IN"
            where.append(f"status {op} ({', '.join('?' * len(finals))})")
            args += finals
        if min_rating is not None:
            where.append("rating >= ?")
            args.append(min_rating)
        sql = "SELECT * FROM jobs"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY submitted_at {'DESC' if newest_first else 'ASC'}, rowid"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self.store.read() as db:
            rows = db.execute(sql, args).fetchall()
        out = [job_from_row(r) for r in rows]
        if tag is not None:
            out = [j for j in out if tag in j.tags]
        return out

    def people(self) -> dict[str | None, int]:
        """Who made how many jobs, most first (then by name)."""
        with self.store.read() as db:
            rows = db.execute("SELECT person, COUNT(*) FROM jobs GROUP BY person").fetchall()
        counts = {row[0]: int(row[1]) for row in rows}
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0] or "")))

    def video_ids(self, backend_url: str) -> set[str]:
        """Server ids already recorded for this backend URL (claimed by a job)."""
        with self.store.read() as db:
            rows = db.execute(
                "SELECT video_id FROM jobs WHERE backend_url = ? AND video_id IS NOT NULL",
                (safe_backend_url(backend_url),),
            ).fetchall()
        return {r[0] for r in rows}

    def stamps(self) -> dict[str, float]:
        """Every job's key and `updated_at`: what changed is where a stamp differs."""
        with self.store.read() as db:
            rows = db.execute("SELECT key, updated_at FROM jobs").fetchall()
        return {str(r[0]): float(r[1]) for r in rows}

    def children(self, key: str) -> list[Job]:
        return self.jobs(parent=key)

    def snapshots(self, key: str) -> list[dict[str, Any]]:
        """Every server response stored for a job whose status changed, oldest first."""
        with self.store.read() as db:
            rows = db.execute(
                "SELECT at, status, body FROM snapshots WHERE key = ? ORDER BY id", (key,)
            ).fetchall()
        return [{"at": r["at"], "status": r["status"], "body": json.loads(r["body"])} for r in rows]

    def durations(
        self, *, backend: str, model: str | None, size: str | None, seconds: str | None
    ) -> list[float]:
        """Seconds from creation to completion of past completed jobs like this one."""
        with self.store.read() as db:
            rows = db.execute(
                "SELECT completed_at - created_at FROM jobs WHERE status = 'completed' "
                "AND backend = ? AND model IS ? AND size IS ? AND seconds IS ? "
                "AND completed_at IS NOT NULL AND created_at IS NOT NULL "
                "ORDER BY completed_at DESC LIMIT 50",
                (backend, model, size, seconds),
            ).fetchall()
        return [float(r[0]) for r in rows if r[0] is not None and r[0] >= 0]
