"""Reading the library: jobs by key, id or filter, lineage children, snapshots, durations."""

from __future__ import annotations

import json
from typing import Any

from sora_notebook.library._connection import Connection
from sora_notebook.library.records import (
    DELETED_REMOTE,
    FINAL_STATUSES,
    Job,
    job_from_row,
    safe_backend_url,
)

__all__ = ["Reading"]


class Reading(Connection):
    """The queries of `Library`."""

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

    def stamps(self) -> dict[str, float]:
        """Every job's key and `updated_at`: what changed is where a stamp differs."""
        with self._lock:
            rows = self._db.execute("SELECT key, updated_at FROM jobs").fetchall()
        return {str(r[0]): float(r[1]) for r in rows}

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
