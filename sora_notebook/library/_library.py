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
import hashlib
import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sora_notebook.errors import ValidationError
from sora_notebook.library import files, schema
from sora_notebook.library.records import (
    COLUMNS,
    DELETED_REMOTE,
    EDGE_KINDS,
    FINAL_STATUSES,
    PENDING,
    REJECTED,
    Job,
    encode,
    job_from_row,
    media_slot,
)
from sora_notebook.protocol import Video, id_file_stem

__all__ = ["Library", "safe_backend_url"]

DB_NAME = "library.sqlite3"
MEDIA_DIR = "media"
_SUFFIX = {"video": ".mp4", "thumbnail": ".thumbnail.webp", "spritesheet": ".spritesheet.jpg"}
_IMAGE_MAGIC = ((b"\x89PNG", ".png"), (b"\xff\xd8\xff", ".jpg"), (b"RIFF", ".webp"))
_COLUMN_SET = frozenset(COLUMNS)
_UPDATABLE = frozenset(COLUMNS) - {"key", "submitted_at", "updated_at"}


def safe_backend_url(url: str) -> str:
    """A base URL fit to store: no user:password, no query (where keys could hide)."""
    if not url:
        return ""
    parts = urlsplit(str(url))
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))


class Library:
    """A folder holding the studio's history; safe to share between processes."""

    def __init__(
        self,
        root: str | os.PathLike[str] = "sora_studio",
        *,
        clock: Callable[[], float] = time.time,
        busy_timeout: float = 30.0,
    ) -> None:
        self.root = Path(root).resolve()
        self.media_dir = self.root / MEDIA_DIR
        self.media_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.root / DB_NAME
        self._clock = clock
        self._lock = threading.RLock()
        self._db = sqlite3.connect(
            self.path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
        )
        self._db.row_factory = sqlite3.Row
        self._db.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        self._enable_wal(busy_timeout)
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._db.execute("PRAGMA foreign_keys = ON")
        self._create_schema()
        files.sweep_partials(self.media_dir)

    # --- plumbing ---------------------------------------------------------------

    def _enable_wal(self, timeout: float) -> None:
        """Switch to WAL; that switch does not wait on the busy handler, so retry while
        another process is creating the same library."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._db.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def _create_schema(self) -> None:
        with self._lock:
            schema.migrate(self._db)

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction, taken at once (`BEGIN IMMEDIATE`)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Library({str(self.root)!r})"

    def sweep(self) -> int:
        """Remove temp files left by processes that died mid-write; returns how many."""
        return files.sweep_partials(self.media_dir)

    def check(self) -> str:
        """`PRAGMA integrity_check`: "ok" when the database is sound."""
        with self._lock:
            return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])

    # --- writing ------------------------------------------------------------------

    def add_submission(
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
    ) -> Job:
        """Record a submission before its request is sent (status `pending`).

        `owner` names the studio that sends it, so another process does not reconcile
        a submission whose answer is still on its way.
        """
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
        row = {
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
        names = list(row)
        with self._tx() as db:
            db.execute(
                # column names come from the fixed schema, values are bound
                f"INSERT INTO jobs ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",  # noqa: S608
                [encode(n, row[n]) for n in names],
            )
        return self.get(key)

    def _copy_reference(self, key: str, source: bytes | str | os.PathLike[str]) -> str:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        suffix = next((ext for magic, ext in _IMAGE_MAGIC if data.startswith(magic)), None)
        if suffix is None:
            suffix = "" if isinstance(source, bytes) else Path(source).suffix.lower()
        dest = self.media_dir / "refs" / f"{key}{suffix or '.bin'}"
        files.write_bytes_atomic(self.media_dir, dest, data)
        return dest.relative_to(self.root).as_posix()

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
        row = {name: getattr(job, name) for name in COLUMNS if name != "snapshot"}
        row["backend_url"] = safe_backend_url(job.backend_url)
        names = list(row)
        with self._tx() as db:
            db.execute(
                f"INSERT INTO jobs ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",  # noqa: S608
                [encode(n, row[n]) for n in names],
            )
            for snap in snapshots:
                db.execute(
                    "INSERT INTO snapshots (key, at, status, body) VALUES (?, ?, ?, ?)",
                    (job.key, snap["at"], snap["status"], json.dumps(snap["body"])),
                )
        return self.get(job.key)

    def update(self, key: str, **fields: Any) -> Job:
        """Set record fields (status, error_message, media_expired, ...)."""
        unknown = set(fields) - _UPDATABLE
        if unknown:
            raise TypeError(f"cannot update {sorted(unknown)}")
        with self._tx() as db:
            self._update(db, key, {k: encode(k, v) for k, v in fields.items()})
        return self.get(key)

    def _update(self, db: sqlite3.Connection, key: str, encoded: Mapping[str, Any]) -> None:
        names = [*encoded, "updated_at"]
        if not set(names) <= _COLUMN_SET:
            raise TypeError(f"unknown columns {sorted(set(names) - _COLUMN_SET)}")
        values = [*encoded.values(), self._clock(), key]
        cur = db.execute(
            f"UPDATE jobs SET {', '.join(f'{n} = ?' for n in names)} WHERE key = ?",  # noqa: S608
            values,
        )
        if cur.rowcount == 0:
            raise KeyError(key)

    def reject(self, key: str, message: str, code: str | int | None = None) -> Job:
        """The server refused the create: nothing exists remotely, nothing was billed."""
        return self.update(
            key, status=REJECTED, error_message=message, error_code=code, completed_at=self._clock()
        )

    def annotate(
        self,
        key: str,
        *,
        rating: int | None = ...,  # type: ignore[assignment]
        notes: str | None = None,
        tags: list[str] | tuple[str, ...] | None = None,
    ) -> Job:
        """Set the person's rating (0-5 or None), notes and tags."""
        fields: dict[str, Any] = {}
        if rating is not ...:
            if rating is not None and not (isinstance(rating, int) and 0 <= rating <= 5):
                raise ValidationError(f"rating must be 0-5 or None; got {rating!r}.")
            fields["rating"] = rating
        if notes is not None:
            fields["notes"] = str(notes)
        if tags is not None:
            fields["tags"] = sorted({str(t).strip() for t in tags if str(t).strip()})
        return self.update(key, **fields) if fields else self.get(key)

    def media_target(self, job: Job, variant: str, output: int = 0) -> Path:
        """Where a variant of one output of this job lives once saved (absolute).

        Named by backend + server id + output index, so two backends that hand out the
        same id never share a file.
        """
        if variant not in _SUFFIX:
            raise ValidationError(f"variant must be one of {', '.join(_SUFFIX)}; got {variant!r}.")
        media_slot(variant, output)
        if job.video_id:
            owner = f"{job.backend_url or job.backend}\n{job.video_id}"
            tag = hashlib.sha256(owner.encode("utf-8", "surrogatepass")).hexdigest()[:10]
            stem = f"{id_file_stem(job.video_id)}.{tag}"
        else:
            stem = f"local-{job.key}"
        if output:
            stem += f".o{output}"
        return self.media_dir / f"{stem}{_SUFFIX[variant]}"

    def temp_path(self, suffix: str = "") -> Path:
        """A temp file name inside the library, for a download in flight."""
        return files.tmp_path(self.media_dir, suffix)

    def save_media(self, key: str, variant: str, source: Path | bytes, output: int = 0) -> Job:
        """Move a finished temp file (or bytes) into place atomically and record it
        (path and sha256 under its slot; the first video's sha256 also in `sha256`)."""
        job = self.get(key)
        dest = self.media_target(job, variant, output)
        if isinstance(source, bytes):
            digest = files.write_bytes_atomic(self.media_dir, dest, source)
        else:
            digest = files.commit_file(Path(source), dest)
        slot = media_slot(variant, output)
        with self._tx() as db:
            row = db.execute("SELECT media, hashes FROM jobs WHERE key = ?", (key,)).fetchone()
            if row is None:
                raise KeyError(key)
            media = json.loads(row["media"] or "{}")
            hashes = json.loads(row["hashes"] or "{}")
            media[slot] = dest.relative_to(self.root).as_posix()
            hashes[slot] = digest
            fields: dict[str, Any] = {"media": media, "hashes": hashes}
            if slot == "video":
                fields["sha256"] = digest
                fields["media_expired"] = False
            self._update(db, key, {k: encode(k, v) for k, v in fields.items()})
        return self.get(key)

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

    # --- reading ------------------------------------------------------------------

    def find_key(self, key: str) -> Job | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM jobs WHERE key = ?", (key,)).fetchone()
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
        with self._lock:
            row = self._db.execute(sql + " ORDER BY submitted_at LIMIT 1", args).fetchone()
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
    ) -> list[Job]:
        """Records, oldest first unless `newest_first`, filtered by any of the arguments."""
        where: list[str] = []
        args: list[Any] = []
        if status is not None:
            statuses = [status] if isinstance(status, str) else list(status)
            where.append(f"status IN ({', '.join('?' * len(statuses))})")
            args += statuses
        for column, value in (("backend", backend), ("model", model), ("parent_key", parent)):
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
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        out = [job_from_row(r) for r in rows]
        if tag is not None:
            out = [j for j in out if tag in j.tags]
        return out

    def video_ids(self, backend_url: str) -> set[str]:
        """Server ids already recorded for this backend URL (claimed by a job)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT video_id FROM jobs WHERE backend_url = ? AND video_id IS NOT NULL",
                (safe_backend_url(backend_url),),
            ).fetchall()
        return {r[0] for r in rows}

    def children(self, key: str) -> list[Job]:
        return self.jobs(parent=key)

    def snapshots(self, key: str) -> list[dict[str, Any]]:
        """Every server response stored for a job whose status changed, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT at, status, body FROM snapshots WHERE key = ? ORDER BY id", (key,)
            ).fetchall()
        return [{"at": r["at"], "status": r["status"], "body": json.loads(r["body"])} for r in rows]

    def durations(
        self, *, backend: str, model: str | None, size: str | None, seconds: str | None
    ) -> list[float]:
        """Seconds from creation to completion of past completed jobs like this one."""
        with self._lock:
            rows = self._db.execute(
                "SELECT completed_at - created_at FROM jobs WHERE status = 'completed' "
                "AND backend = ? AND model IS ? AND size IS ? AND seconds IS ? "
                "AND completed_at IS NOT NULL AND created_at IS NOT NULL "
                "ORDER BY completed_at DESC LIMIT 50",
                (backend, model, size, seconds),
            ).fetchall()
        return [float(r[0]) for r in rows if r[0] is not None and r[0] >= 0]

    def total_cost(self, keys: list[str] | None = None) -> float:
        """Estimated spend of jobs the server accepted or may have accepted."""
        sql = "SELECT COALESCE(SUM(cost), 0) FROM jobs WHERE status != ?"
        args: list[Any] = [REJECTED]
        if keys is not None:
            if not keys:
                return 0.0
            sql += f" AND key IN ({', '.join('?' * len(keys))})"
            args += keys
        with self._lock:
            return float(self._db.execute(sql, args).fetchone()[0])

    def _inside(self, rel: str) -> Path | None:
        path = (self.root / rel).resolve()
        return path if path.is_relative_to(self.root) else None

    def media_path(self, job: Job | str, variant: str = "video", output: int = 0) -> Path | None:
        """The absolute local file of a variant, if it was saved and still exists."""
        record = self.get(job) if isinstance(job, str) else job
        rel = record.media.get(media_slot(variant, output))
        path = self._inside(rel) if rel else None
        return path if path is not None and path.is_file() else None
