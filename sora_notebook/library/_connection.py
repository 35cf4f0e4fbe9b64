"""The library's connection: the SQLite file (WAL, busy timeout), its schema and the
short immediate transactions every write goes through."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

from sora_notebook.errors import SoraNotebookError
from sora_notebook.library import files, schema
from sora_notebook.library.records import (
    COLUMNS,
)

__all__ = ["Connection"]

_C = TypeVar("_C", bound="Connection")

DB_NAME = "library.sqlite3"
MEDIA_DIR = "media"
_IMAGE_MAGIC = ((b"\x89PNG", ".png"), (b"\xff\xd8\xff", ".jpg"), (b"RIFF", ".webp"))
_COLUMN_SET = frozenset(COLUMNS)
_UPDATABLE = frozenset(COLUMNS) - {"key", "submitted_at", "updated_at"}


def unreadable_database(path: Path, exc: Exception) -> SoraNotebookError:
    """A clear error for a library database SQLite cannot use (not a database, damaged,
    a folder, locked past the timeout), naming the file and what to do."""
    return SoraNotebookError(
        f"The library database {path} cannot be used ({exc}). Check that it is a "
        "sora-notebook library this user can read and write, and that no other program "
        "holds it; if it is damaged, move it aside (the media folder is untouched) and "
        "open the library again to start a fresh one."
    )


class Connection:
    """A library folder's database connection; `Library` builds on it."""

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
        try:
            self._db = sqlite3.connect(
                self.path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise unreadable_database(self.path, exc) from exc
        try:
            self._db.row_factory = sqlite3.Row
            self._db.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            self._enable_wal(busy_timeout)
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("PRAGMA foreign_keys = ON")
            self._create_schema()
        except BaseException as exc:
            self._db.close()  # a refused library leaves no file open
            if isinstance(exc, sqlite3.DatabaseError):
                raise unreadable_database(self.path, exc) from exc
            raise
        files.sweep_partials(self.media_dir)

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

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self: _C) -> _C:
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

    def data_version(self) -> int:
        """A counter that moves when another connection (another process) commits."""
        with self._lock:
            return int(self._db.execute("PRAGMA data_version").fetchone()[0])
