"""The PostgreSQL store: a team's records on a database server (psycopg 3).

SQL arrives in SQLite's spelling (`store.py`) and is translated here: `?` marks, `REAL`
(double precision here), `AUTOINCREMENT` keys and `IS ?` comparisons. Every write
transaction first takes one advisory lock, so writers take turns as they do on SQLite
(`BEGIN IMMEDIATE`): a quote is reserved against what is billed and reserved with no
other writer in between, whichever machine it comes from. Each commit sends a
notification on `sora_notebook` (with the writer's backend pid): every job added, every
answer (progress, status) recorded, every file saved. One listening connection per store,
on a thread, counts the ones from other connections (`data_version`) and calls whoever
asked (`on_change`) at once; it connects again when the server drops it. "Today" is the
server's UTC day.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import logging
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sora_notebook.errors import SoraNotebookError, ValidationError
from sora_notebook.library import schema
from sora_notebook.library.store import StoreUnavailable

__all__ = ["CHANNEL", "PostgresStore", "is_database_url", "safe_database_url"]

log = logging.getLogger(__name__)

#: Every commit notifies this channel; the payload is the writer's backend pid.
CHANNEL = "sora_notebook"
#: The advisory lock every write transaction takes first (any fixed number).
_WRITE_LOCK = 0x50_4E_42  # "SNB"
_SCHEMES = ("postgresql://", "postgres://")
_REAL = re.compile(r"\bREAL\b")
_IS_MARK = re.compile(r"\bIS \?")


def is_database_url(location: object) -> bool:
    """Does `location` name a PostgreSQL database (rather than a folder)?"""
    return isinstance(location, str) and location.startswith(_SCHEMES)


def safe_database_url(url: str) -> str:
    """The URL without its password or query (fit for a repr or a log)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    if parts.username:
        host = f"{parts.username}@{host}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def translate(sql: str) -> str:
    """SQLite's spelling to PostgreSQL's (only the forms the library writes)."""
    sql = sql.replace("%", "%%")
    sql = sql.replace("INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY")
    sql = _REAL.sub("DOUBLE PRECISION", sql)
    sql = _IS_MARK.sub("IS NOT DISTINCT FROM ?", sql)
    return sql.replace("?", "%s")


class Row:
    """A row read by column name or position, like `sqlite3.Row`."""

    __slots__ = ("_names", "_values")

    def __init__(self, names: Mapping[str, int], values: Sequence[Any]) -> None:
        self._names = names
        self._values = values

    def __getitem__(self, key: int | str) -> Any:
        return self._values[key if isinstance(key, int) else self._names[key]]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def keys(self) -> list[str]:
        return list(self._names)


def _rows(cursor: Any) -> Callable[[Sequence[Any]], Row]:
    names = {c.name: i for i, c in enumerate(cursor.description or ())}
    return lambda values: Row(names, values)


class _Db:
    """A psycopg connection speaking the library's SQL (`store.Db`); a value the server
    refuses is a `ValidationError`, a lost connection `StoreUnavailable`."""

    def __init__(self, conn: Any, psycopg: Any, where: str) -> None:
        self._conn = conn
        self._psycopg = psycopg
        self._where = where

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> Any:
        try:
            return self._conn.execute(translate(sql), list(parameters) or None)
        except self._psycopg.DataError as exc:
            raise ValidationError(f"The team library cannot keep this value: {exc}") from None
        except self._psycopg.OperationalError as exc:
            raise _lost(self._where, exc) from None


def _lost(where: str, exc: Exception) -> StoreUnavailable:
    return StoreUnavailable(
        f"Lost the connection to the team library at {where}: {exc}. Nothing of the "
        "failed call was kept; the next call connects again."
    )


class PostgresStore:
    """A library's records in a PostgreSQL database (see `store.Store`)."""

    kind = "postgresql"
    day = "UTC"
    path: Path | None = None

    def __init__(self, url: str, *, connect_timeout: float = 30.0) -> None:
        import psycopg  # the `team` extra: pip install 'sora-notebook[team]'

        self.url = url
        self._psycopg = psycopg
        self._timeout = max(1, int(connect_timeout))
        self._lock = threading.RLock()
        try:
            self._conn = self._connect()
        except psycopg.Error as exc:
            raise SoraNotebookError(
                f"Cannot open the team library at {safe_database_url(url)}: {exc}. Check "
                "that the server runs and the URL's user, password and database are right."
            ) from None
        self._where = safe_database_url(url)
        self._pid = int(self._conn.info.backend_pid)
        self._db = _Db(self._conn, psycopg, self._where)
        self._seen = 0
        self._listener: threading.Thread | None = None
        self._callbacks: list[Callable[[], object]] = []
        self._closed = threading.Event()
        with self._lock:
            schema.migrate(self)

    def _connect(self) -> Any:
        return self._psycopg.connect(
            self.url, autocommit=True, row_factory=_rows, connect_timeout=self._timeout
        )

    def _ensure(self) -> None:
        """Connect again after a lost connection (a server restart, a network cut)."""
        if not self._conn.closed:
            return
        try:
            self._conn = self._connect()
        except self._psycopg.Error as exc:
            raise _lost(self._where, exc) from None
        self._pid = int(self._conn.info.backend_pid)
        self._db = _Db(self._conn, self._psycopg, self._where)

    @contextlib.contextmanager
    def write(self) -> Iterator[_Db]:
        """One write transaction, after every other writer's (the advisory lock)."""
        with self._lock:
            self._ensure()
            try:
                with self._conn.transaction():
                    self._db.execute("SELECT pg_advisory_xact_lock(?)", (_WRITE_LOCK,))
                    yield self._db
                    self._db.execute("SELECT pg_notify(?, ?)", (CHANNEL, str(self._pid)))
            except self._psycopg.OperationalError as exc:  # the commit or rollback itself
                raise _lost(self._where, exc) from None

    @contextlib.contextmanager
    def read(self) -> Iterator[_Db]:
        with self._lock:
            self._ensure()
            yield self._db

    def day_start(self, now: float) -> float:
        """The start of `now`'s UTC day: a team's day is the store's, not a kernel's."""
        day = _dt.datetime.fromtimestamp(now, _dt.timezone.utc)
        return day.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()

    def data_version(self) -> int:
        """How many commits of other connections were announced (LISTEN/NOTIFY); the
        first call starts listening."""
        self._start_listening()
        return self._seen

    def on_change(self, callback: Callable[[], object]) -> Callable[[], None]:
        """Call `callback()` (on the listening thread: keep it short, hand over to your
        loop) whenever another connection commits; returns how to stop."""
        with self._lock:
            self._callbacks = [*self._callbacks, callback]
        self._start_listening()

        def stop() -> None:
            with self._lock:
                self._callbacks = [c for c in self._callbacks if c is not callback]

        return stop

    def _start_listening(self) -> None:
        with self._lock:
            if self._listener is not None:
                return
            ready = threading.Event()
            self._listener = threading.Thread(
                target=self._listen, args=(ready,), name="sora-notebook-listen", daemon=True
            )
            self._listener.start()
        ready.wait(self._timeout)

    def _listen(self, ready: threading.Event) -> None:
        """Count other connections' commits until closed; after a lost connection,
        listen again and count one change (what happened meanwhile is unknown)."""
        while not self._closed.is_set():
            try:
                with self._psycopg.connect(
                    self.url, autocommit=True, connect_timeout=self._timeout
                ) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    if ready.is_set():
                        self._changed()
                    ready.set()
                    while not self._closed.is_set():
                        for note in conn.notifies(timeout=0.2):
                            if note.payload != str(self._pid):
                                self._changed()
            except self._psycopg.Error as exc:
                log.debug("team library: listening again after %s", exc)
                ready.set()
                self._closed.wait(1.0)

    def _changed(self) -> None:
        self._seen += 1
        for callback in self._callbacks:
            try:
                callback()
            except Exception:  # one listener's mistake must not deafen the others
                log.exception("team library: a change listener failed")

    def check(self) -> str:
        """Returns "ok" when the server answers."""
        with self._lock:
            self._conn.execute("SELECT 1").fetchone()
        return "ok"

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            self._conn.close()
        if self._listener is not None:
            self._listener.join(timeout=5.0)
