"""The SQLite store: one file (WAL, busy timeout), writes in `BEGIN IMMEDIATE`
transactions so several processes can share it."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from sora_notebook.errors import SoraNotebookError
from sora_notebook.library import schema
from sora_notebook.library.ledger import local_day_start

__all__ = ["DB_NAME", "SqliteStore", "unreadable_database"]

DB_NAME = "library.sqlite3"


def unreadable_database(path: Path, exc: Exception) -> SoraNotebookError:
    """A clear error for a library database SQLite cannot use (not a database, damaged,
    a folder, locked past the timeout), naming the file and what to do."""
    return SoraNotebookError(
        f"The library database {path} cannot be used ({exc}). Check that it is a "
        "sora-notebook library this user can read and write, and that no other program "
        "holds it; if it is damaged, move it aside (the media folder is untouched) and "
        "open the library again to start a fresh one."
    )


class SqliteStore:
    """A library folder's `library.sqlite3` (see `store.Store`)."""

    kind = "sqlite"
    day = "local"

    def __init__(self, path: str | os.PathLike[str], *, busy_timeout: float = 30.0) -> None:
        self.path: Path | None = Path(path)
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(
                path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise unreadable_database(Path(path), exc) from exc
        try:
            self._db.row_factory = sqlite3.Row
            self._db.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            self._enable_wal(busy_timeout)
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("PRAGMA foreign_keys = ON")
            with self._lock:
                schema.migrate(self)
        except BaseException as exc:
            self._db.close()  # a refused library leaves no file open
            if isinstance(exc, sqlite3.DatabaseError):
                raise unreadable_database(Path(path), exc) from exc
            raise

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

    def on_change(self, callback: Callable[[], object]) -> None:
        """SQLite tells no one of another process's commit: look at `data_version`."""
        return None

    def check(self) -> str:
        """`PRAGMA integrity_check`."""
        with self._lock:
            return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
