"""The storage interface the library is built on, and what it needs of a database.

A store runs short write transactions one at a time (`write`: serialised against every
other writer, in this process and any other) and reads (`read`). SQL is written once,
in SQLite's spelling with `?` marks; a store for another database translates it. Rows
read by name (`row["key"]`) and by position (`row[0]`). SQLite implements it
(`sqlite.py`); PostgreSQL (`postgres.py`) for a team.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

from sora_notebook.errors import SoraNotebookError

__all__ = ["Cursor", "Db", "Store", "StoreUnavailable"]


class StoreUnavailable(SoraNotebookError):
    """The library's database server cannot be reached (the next call tries again)."""


class Cursor(Protocol):
    """What a statement returns: its rows and how many rows it changed."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Db(Protocol):
    """A connection inside a transaction: one method."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Cursor: ...


class Store(Protocol):
    """A library's database."""

    #: "sqlite" or "postgresql": which spelling a migration writes.
    kind: str
    #: The file the records live in (SQLite), None for a database server.
    path: Path | None
    #: Whose calendar day "today" is (`day_start`): "local" (SQLite) or "UTC" (a team's).
    day: str

    def write(self) -> AbstractContextManager[Db]:
        """One short write transaction; no other writer runs until it ends."""
        ...

    def read(self) -> AbstractContextManager[Db]:
        """A connection to read from (a consistent snapshot for one statement)."""
        ...

    def day_start(self, now: float) -> float:
        """When `now`'s day began: the machine's local day (SQLite), the server's UTC
        day (a team's store)."""
        ...

    def data_version(self) -> int:
        """A counter that moves when another connection commits."""
        ...

    def on_change(self, callback: Callable[[], object]) -> Callable[[], None] | None:
        """Call `callback()`, from any thread, soon after another connection commits;
        returns how to stop, or None where the database cannot tell (then look at
        `data_version` now and then)."""
        ...

    def check(self) -> str:
        """Returns "ok" when the database is sound."""
        ...

    def close(self) -> None: ...
