"""The SQLite store: one file (WAL, busy timeout), writes in `BEGIN IMMEDIATE`
transactions so several processes can share it."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from sora_notebook.library import schema
from sora_notebook.library.ledger import local_day_start

__all__ = ["DB_NAME", "SqliteStore"]

DB_NAME = "library.sqlite3"


class SqliteStore:
    """A library folder's `library.sqlite3` (see `store.Store`)."""

    kind = "sqlite"

    def __init__(self, path: str | os.PathLike[str], *, busy_timeout: float = 30.0) -> None:
        self.path: Path | None = Path(path)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(
            path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
        )
        self._db.row_factory = sqlite3.Row
        self._db.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        self._enable_wal(busy_timeout)
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._db.execute("PRAGMA foreign_keys = ON")
        with self._lock:
            schema.migrate(self)

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

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction, taken at once (`BEGIN IMMEDIATE`)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._db

    def day_start(self, now: float) -> float:
        return local_day_start(now)

    def data_version(self) -> int:
        """`PRAGMA data_version`: moves when another connection (process) commits."""
        with self._lock:
            return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    def check(self) -> str:
        """`PRAGMA integrity_check`."""
        with self._lock:
            return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
