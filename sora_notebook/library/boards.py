"""Storyboards kept in the library: the board, each shot's takes and chosen take, and
the films stitched from them. Tables made by schema step 6.

A take is written *before* its job is sent: a row with no job key yet (a slot), filled
with the key once the studio has recorded the job. A process killed in between leaves a
slot whose job may exist; `claim` finds it (same shot prompt, recorded after the slot, in
no other take), so a resumed board tracks what was sent instead of sending it again.
Takes of one shot come in rounds (one `make`); a round is open until it is settled (a
take chosen, or every take failed). Stale marks are data: a continued shot records the
take before it that it was made from (`made_from`); it is stale when that is no longer
the one chosen.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sora_notebook.errors import ValidationError

if TYPE_CHECKING:
    from sora_notebook.library.store import Db, Store

__all__ = ["MAX_BOARD_BYTES", "BoardRecord", "BoardRecords", "FilmRecord", "ShotRecord", "Slot"]

#: A board's JSON (its shots and cast) larger than this is refused.
MAX_BOARD_BYTES = 2_000_000


@dataclass(frozen=True)
class Slot:
    """One take of one round: `key` is None until its job is recorded."""

    id: int
    shot: str
    round: int
    key: str | None
    made_from: str | None
    skip: float
    at: float


@dataclass(frozen=True)
class ShotRecord:
    """Where one shot stands: the chosen take, the take before it counted as its source
    (`made_from`), the seconds its own part starts at, rounds begun and settled."""

    chosen: str | None = None
    made_from: str | None = None
    skip: float = 0.0
    round: int = 0
    settled: int = 0


@dataclass(frozen=True)
class BoardRecord:
    id: str
    title: str
    body: dict[str, Any]  # the board's shots and cast (`Storyboard.to_dict`)
    takes: int
    fit: str
    person: str | None
    created_at: float
    updated_at: float
    shots: dict[str, ShotRecord]
    slots: list[Slot]


@dataclass(frozen=True)
class FilmRecord:
    """A stitched film: its file (relative to the library root), the takes it holds in
    order and the board they came from (its lineage), and its join scores."""

    id: str
    board: str
    path: str
    sha256: str
    seconds: float
    takes: tuple[str, ...]
    joins: tuple[dict[str, float], ...]
    person: str | None
    made_at: float


_BOARD = ("id", "title", "body", "takes", "fit", "person", "created_at", "updated_at")
_SHOT = ("board", "shot", "chosen", "made_from", "skip", "round", "settled")
_TAKE = ("board", "shot", "round", "key", "made_from", "skip", "at")
_FILM = ("id", "board", "path", "sha256", "seconds", "takes", "joins", "person", "made_at")


class BoardRecords:
    """Reads and writes the storyboard tables of one store (`Library.boards`)."""

    def __init__(
        self, store: Store, *, person: str | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self.store = store
        self.person = person
        self._clock = clock

    # --- boards -----------------------------------------------------------------------

    def save(self, board_id: str, body: Mapping[str, Any], *, takes: int, fit: str) -> None:
        """Create or update a board (its shots and cast, takes per shot, fit)."""
        text = json.dumps(body, separators=(",", ":"), allow_nan=False)
        if len(text) > MAX_BOARD_BYTES:
            raise ValidationError(
                f"The storyboard is {len(text)} bytes as JSON; keep it under {MAX_BOARD_BYTES}."
            )
        now = self._clock()
        with self.store.write() as db:
            db.execute(
                "INSERT INTO storyboards (id, title, body, takes, fit, person, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                "title = excluded.title, body = excluded.body, takes = excluded.takes, "
                "fit = excluded.fit, updated_at = excluded.updated_at",
                (board_id, str(body.get("title", "")), text, takes, fit, self.person, now, now),
            )

    def get(self, board_id: str) -> BoardRecord | None:
        with self.store.read() as db:
            row = db.execute("SELECT * FROM storyboards WHERE id = ?", (board_id,)).fetchone()
            if row is None:
                return None
            shots = db.execute("SELECT * FROM board_shots WHERE board = ?", (board_id,)).fetchall()
            takes = db.execute(
                "SELECT * FROM board_takes WHERE board = ? ORDER BY id", (board_id,)
            ).fetchall()
        return BoardRecord(
            id=row["id"],
            title=row["title"],
            body=json.loads(row["body"]),
            takes=int(row["takes"]),
            fit=row["fit"],
            person=row["person"],
            created_at=float(row["created_at"]),
            updated_at=float(row["updated_at"]),
            shots={r["shot"]: _shot(r) for r in shots},
            slots=[_slot(r) for r in takes],
        )

    def ids(self) -> list[str]:
        """Every board's id, oldest first."""
        with self.store.read() as db:
            rows = db.execute("SELECT id FROM storyboards ORDER BY created_at, id").fetchall()
        return [str(r[0]) for r in rows]

    # --- takes ------------------------------------------------------------------------

    def begin(
        self, board_id: str, shot: str, n: int, made_from: str | None, skip: float
    ) -> list[Slot]:
        """Start a round of `n` takes of `shot`: its slots, written before any is sent."""
        now = self._clock()
        with self.store.write() as db:
            _ensure_shot(db, board_id, shot)
            db.execute(
                "UPDATE board_shots SET round = round + 1 WHERE board = ? AND shot = ?",
                (board_id, shot),
            )
            (round_,) = db.execute(
                "SELECT round FROM board_shots WHERE board = ? AND shot = ?", (board_id, shot)
            ).fetchone()
            for _ in range(n):
                db.execute(
                    "INSERT INTO board_takes (board, shot, round, key, made_from, skip, at) "
                    "VALUES (?, ?, ?, NULL, ?, ?, ?)",
                    (board_id, shot, round_, made_from, skip, now),
                )
        return self.open_round(board_id, shot)

    def open_round(self, board_id: str, shot: str) -> list[Slot]:
        """The slots of `shot`'s round begun and not settled (empty when none is open)."""
        with self.store.read() as db:
            rows = db.execute(
                "SELECT t.* FROM board_takes t JOIN board_shots s ON s.board = t.board "
                "AND s.shot = t.shot AND t.round = s.round WHERE t.board = ? AND t.shot = ? "
                "AND s.round > s.settled ORDER BY t.id",
                (board_id, shot),
            ).fetchall()
        return [_slot(r) for r in rows]

    def fill(self, slot: Slot, key: str) -> None:
        """The slot's job is recorded: keep its key."""
        with self.store.write() as db:
            db.execute("UPDATE board_takes SET key = ? WHERE id = ?", (key, slot.id))

    def claim(self, slot: Slot, prompt: str, backend_url: str) -> str | None:
        """The key of a job recorded for `slot` by a process that died before filling it:
        `prompt` on `backend_url` by this person, recorded at or after the slot, in no
        take yet, not refused (a refused job was never made; sending it again costs
        nothing twice). Only for a round a stopped run left open."""
        with self.store.write() as db:
            row = db.execute(
                "SELECT key FROM jobs WHERE prompt = ? AND backend_url = ? AND person IS ? "
                "AND submitted_at >= ? AND status != 'rejected' AND key NOT IN "
                "(SELECT key FROM board_takes WHERE key IS NOT NULL) "
                "ORDER BY submitted_at, rowid LIMIT 1",
                (prompt, backend_url, self.person, slot.at),
            ).fetchone()
            if row is None:
                return None
            db.execute("UPDATE board_takes SET key = ? WHERE id = ?", (row[0], slot.id))
        return str(row[0])

    def settle(self, board_id: str, shot: str, round_: int, record: ShotRecord | None) -> None:
        """End `round_` of `shot`, with its outcome (None: every take failed)."""
        with self.store.write() as db:
            _ensure_shot(db, board_id, shot)
            db.execute(
                "UPDATE board_shots SET settled = ? WHERE board = ? AND shot = ? AND settled < ?",
                (round_, board_id, shot, round_),
            )
            if record is not None:
                _set_chosen(db, board_id, shot, record)

    def set_chosen(self, board_id: str, shot: str, record: ShotRecord) -> None:
        """Another take chosen, or a stale shot kept (`made_from` moved on)."""
        with self.store.write() as db:
            _ensure_shot(db, board_id, shot)
            _set_chosen(db, board_id, shot, record)

    # --- films ------------------------------------------------------------------------

    def add_film(self, film: FilmRecord) -> None:
        with self.store.write() as db:
            _insert_film(db, film)

    def films(self, board_id: str | None = None) -> list[FilmRecord]:
        """Films, oldest first (of one board when given)."""
        sql, args = "SELECT * FROM films", []
        if board_id is not None:
            sql, args = sql + " WHERE board = ?", [board_id]
        with self.store.read() as db:
            rows = db.execute(sql + " ORDER BY made_at, id", args).fetchall()
        return [_film(r) for r in rows]

    # --- moving between libraries -----------------------------------------------------

    def dump(self, board_ids: Iterable[str]) -> list[dict[str, Any]]:
        """Boards as plain rows (board, shots, takes, films) for an archive."""
        out = []
        with self.store.read() as db:
            for board_id in board_ids:
                row = db.execute("SELECT * FROM storyboards WHERE id = ?", (board_id,)).fetchone()
                if row is None:
                    continue
                out.append(
                    {
                        "board": {n: row[n] for n in _BOARD},
                        "shots": _rows(db, "board_shots", _SHOT, board_id),
                        "takes": _rows(db, "board_takes", _TAKE, board_id),
                        "films": _rows(db, "films", _FILM, board_id),
                    }
                )
        return out

    @staticmethod
    def restore(db: Db, dumped: Iterable[Mapping[str, Any]]) -> int:
        """Inside the caller's transaction: insert boards dumped by `dump` (already
        checked) as they were; boards already present are skipped. Returns how many."""
        added = 0
        for item in dumped:
            board = item["board"]
            seen = db.execute("SELECT 1 FROM storyboards WHERE id = ?", (board["id"],))
            if seen.fetchone() is not None:
                continue
            for table, names, rows in (
                ("storyboards", _BOARD, [board]),
                ("board_shots", _SHOT, item["shots"]),
                ("board_takes", _TAKE, item["takes"]),
                ("films", _FILM, item["films"]),
            ):
                for row in rows:
                    db.execute(
                        f"INSERT INTO {table} ({', '.join(names)}) "  # noqa: S608
                        f"VALUES ({', '.join('?' * len(names))})",
                        [row[n] for n in names],
                    )
            added += 1
        return added


def _ensure_shot(db: Db, board_id: str, shot: str) -> None:
    db.execute(
        "INSERT INTO board_shots (board, shot) VALUES (?, ?) ON CONFLICT (board, shot) DO NOTHING",
        (board_id, shot),
    )


def _set_chosen(db: Db, board_id: str, shot: str, record: ShotRecord) -> None:
    db.execute(
        "UPDATE board_shots SET chosen = ?, made_from = ?, skip = ? WHERE board = ? AND shot = ?",
        (record.chosen, record.made_from, record.skip, board_id, shot),
    )


def _insert_film(db: Db, film: FilmRecord) -> None:
    db.execute(
        f"INSERT INTO films ({', '.join(_FILM)}) VALUES ({', '.join('?' * len(_FILM))})",  # noqa: S608
        (
            film.id,
            film.board,
            film.path,
            film.sha256,
            film.seconds,
            json.dumps(list(film.takes)),
            json.dumps(list(film.joins), allow_nan=False),
            film.person,
            film.made_at,
        ),
    )


def _rows(db: Db, table: str, names: tuple[str, ...], board_id: str) -> list[dict[str, Any]]:
    column = "id" if table == "storyboards" else "board"
    order = " ORDER BY id" if table == "board_takes" else ""
    rows = db.execute(
        f"SELECT {', '.join(names)} FROM {table} WHERE {column} = ?{order}",  # noqa: S608
        (board_id,),
    ).fetchall()
    return [{n: r[n] for n in names} for r in rows]


def _shot(r: Any) -> ShotRecord:
    return ShotRecord(
        chosen=r["chosen"],
        made_from=r["made_from"],
        skip=float(r["skip"]),
        round=int(r["round"]),
        settled=int(r["settled"]),
    )


def _slot(r: Any) -> Slot:
    return Slot(
        id=int(r["id"]),
        shot=r["shot"],
        round=int(r["round"]),
        key=r["key"],
        made_from=r["made_from"],
        skip=float(r["skip"]),
        at=float(r["at"]),
    )


def _film(r: Any) -> FilmRecord:
    return FilmRecord(
        id=r["id"],
        board=r["board"],
        path=r["path"],
        sha256=r["sha256"],
        seconds=float(r["seconds"]),
        takes=tuple(json.loads(r["takes"])),
        joins=tuple(json.loads(r["joins"])),
        person=r["person"],
        made_at=float(r["made_at"]),
    )
