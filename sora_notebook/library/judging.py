"""What the person and the metrics said about variants: cached metrics per job and
pairwise preferences (blind A/B duels). Tables made by schema step 3.

Metrics are stored as JSON with the `source` they were computed from (the metrics
version and the media's checksums), so changed media or a new metrics version reads as
"not cached". A preference is one row (winner, loser, tie, when). Deleting a job deletes
its metrics and the preferences that name it (a trigger), so a ranking never counts a
variant that is gone.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any

from sora_notebook.errors import ValidationError
from sora_notebook.library.store import Store

__all__ = ["MAX_METRICS_BYTES", "JudgingRecords"]

#: A cached metrics entry larger than this is not kept (curves of a very long clip).
MAX_METRICS_BYTES = 4_000_000
_VOTE = ("winner", "loser", "tie", "at", "person")


class JudgingRecords:
    """Reads and writes the judging tables of one store (`Library.judging`); votes are
    recorded under `person`, and every person's count in one pooled leaderboard."""

    def __init__(self, store: Store, *, person: str | None = None) -> None:
        self.store = store
        self.person = person

    def save_metrics(self, key: str, source: str, body: Mapping[str, Any], at: float) -> bool:
        """Cache `body` for job `key`; False (nothing kept) when it is over the size cap."""
        text = json.dumps(body, separators=(",", ":"), allow_nan=False)
        if len(text) > MAX_METRICS_BYTES:
            return False
        with self.store.write() as db:
            db.execute(
                "INSERT INTO metrics (key, source, body, computed_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET source = excluded.source, "
                "body = excluded.body, computed_at = excluded.computed_at",
                (key, source, text, at),
            )
        return True

    def load_metrics(self, key: str) -> tuple[str, dict[str, Any]] | None:
        """(source, body) cached for `key`, or None."""
        with self.store.read() as db:
            row = db.execute("SELECT source, body FROM metrics WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        return str(row["source"]), json.loads(row["body"])

    def add_preference(self, winner: str, loser: str, tie: bool, at: float) -> None:
        if winner == loser:
            raise ValidationError("A preference needs two different jobs.", param="loser")
        with self.store.write() as db:
            db.execute(
                "INSERT INTO preferences (winner, loser, tie, at, person) VALUES (?, ?, ?, ?, ?)",
                (winner, loser, int(bool(tie)), at, self.person),
            )

    def preferences(
        self, keys: Collection[str] | None = None, *, person: str | None = None
    ) -> list[tuple[str, str, bool]]:
        """(winner, loser, tie) in the order they were given, from every person (pooled)
        or from `person`; only among `keys` if given."""
        sql, args = "SELECT winner, loser, tie FROM preferences", []
        if person is not None:
            sql, args = sql + " WHERE person = ?", [person]
        with self.store.read() as db:
            rows = db.execute(sql + " ORDER BY id", args).fetchall()
        wanted = None if keys is None else set(keys)
        return [
            (str(r["winner"]), str(r["loser"]), bool(r["tie"]))
            for r in rows
            if wanted is None or (r["winner"] in wanted and r["loser"] in wanted)
        ]

    def votes(self, keys: Collection[str]) -> list[dict[str, Any]]:
        """Every vote between two of `keys`, whole (who, when), oldest first."""
        wanted = set(keys)
        with self.store.read() as db:
            rows = db.execute(
                "SELECT winner, loser, tie, at, person FROM preferences ORDER BY id"
            ).fetchall()
        return [
            {name: row[name] for name in _VOTE}
            for row in rows
            if row["winner"] in wanted and row["loser"] in wanted
        ]

    def restore_votes(self, votes: list[dict[str, Any]]) -> int:
        """Add votes copied from another library, skipping those it already has;
        returns how many were added."""
        added = 0
        with self.store.write() as db:
            for vote in votes:
                values = [vote[name] for name in _VOTE]
                seen = db.execute(
                    "SELECT 1 FROM preferences WHERE winner = ? AND loser = ? AND tie = ? "
                    "AND at = ? AND person IS ?",
                    values,
                ).fetchone()
                if seen is None:
                    db.execute(
                        "INSERT INTO preferences (winner, loser, tie, at, person) "
                        "VALUES (?, ?, ?, ?, ?)",
                        values,
                    )
                    added += 1
        return added
