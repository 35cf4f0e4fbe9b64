"""What the person and the metrics said about variants: cached metrics per job and
pairwise preferences (blind A/B duels). Schema migration `add_judging`.

Metrics are stored as JSON with the `source` they were computed from (the metrics
version and the media's checksums), so changed media or a new metrics version reads as
"not cached". A preference is one row (winner, loser, tie, when). Deleting a job deletes
its metrics and the preferences that name it (triggers), so a ranking never counts a
variant that is gone.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

from sora_notebook.errors import ValidationError

if TYPE_CHECKING:
    from sora_notebook.library._library import Library

__all__ = ["MAX_METRICS_BYTES", "JudgingRecords", "add_judging"]

#: A cached metrics entry larger than this is not kept (curves of a very long clip).
MAX_METRICS_BYTES = 4_000_000

_STATEMENTS = (
    """CREATE TABLE IF NOT EXISTS metrics (
        key TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        body TEXT NOT NULL,
        computed_at REAL NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS preferences (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        winner TEXT NOT NULL,
        loser TEXT NOT NULL,
        tie INTEGER NOT NULL DEFAULT 0,
        at REAL NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS preferences_winner ON preferences(winner)",
    "CREATE INDEX IF NOT EXISTS preferences_loser ON preferences(loser)",
    """CREATE TRIGGER IF NOT EXISTS jobs_forget_judging AFTER DELETE ON jobs BEGIN
        DELETE FROM metrics WHERE key = OLD.key;
        DELETE FROM preferences WHERE winner = OLD.key OR loser = OLD.key;
    END""",
)


def add_judging(db: sqlite3.Connection) -> None:
    """Migration: the metrics cache and the preferences table (inside the caller's
    transaction: `execute`, never `executescript`, which would commit it)."""
    for statement in _STATEMENTS:
        db.execute(statement)


class JudgingRecords:
    """Reads and writes the judging tables of one `Library` (its lock and transactions)."""

    def __init__(self, library: Library) -> None:
        self.library = library

    def save_metrics(self, key: str, source: str, body: Mapping[str, Any], at: float) -> bool:
        """Cache `body` for job `key`; False (nothing kept) when it is over the size cap."""
        text = json.dumps(body, separators=(",", ":"), allow_nan=False)
        if len(text) > MAX_METRICS_BYTES:
            return False
        with self.library._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO metrics (key, source, body, computed_at) "
                "VALUES (?, ?, ?, ?)",
                (key, source, text, at),
            )
        return True

    def load_metrics(self, key: str) -> tuple[str, dict[str, Any]] | None:
        """(source, body) cached for `key`, or None."""
        with self.library._lock:
            row = self.library._db.execute(
                "SELECT source, body FROM metrics WHERE key = ?", (key,)
            ).fetchone()
        if row is None:
            return None
        return str(row["source"]), json.loads(row["body"])

    def add_preference(self, winner: str, loser: str, tie: bool, at: float) -> None:
        if winner == loser:
            raise ValidationError("A preference needs two different jobs.", param="loser")
        with self.library._tx() as db:
            db.execute(
                "INSERT INTO preferences (winner, loser, tie, at) VALUES (?, ?, ?, ?)",
                (winner, loser, int(bool(tie)), at),
            )

    def preferences(self, keys: Collection[str] | None = None) -> list[tuple[str, str, bool]]:
        """(winner, loser, tie) in the order they were given; only among `keys` if given."""
        with self.library._lock:
            rows = self.library._db.execute(
                "SELECT winner, loser, tie FROM preferences ORDER BY id"
            ).fetchall()
        wanted = None if keys is None else set(keys)
        return [
            (str(r["winner"]), str(r["loser"]), bool(r["tie"]))
            for r in rows
            if wanted is None or (r["winner"] in wanted and r["loser"] in wanted)
        ]
