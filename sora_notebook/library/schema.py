"""The library's schema, versioned: numbered migrations applied in order, once.

One list for every store: SQL is written in SQLite's spelling, which a PostgreSQL
store translates (types, marks); where the two databases differ in kind (a trigger, an
insertion order), a step branches on `kind`. SQLite keeps the number of steps a library
has had in `PRAGMA user_version`, PostgreSQL in the `schema_version` table. Opening a
library applies the missing ones inside one write transaction, so two processes opening
an old library at once migrate it once. A library newer than this code is refused with a
clear error rather than misread. To change the schema, append a step (never edit an
applied one) and add a test that opens a library made by the release before it
(tests/library/fixtures/).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sora_notebook.errors import SoraNotebookError

if TYPE_CHECKING:
    from sora_notebook.library.store import Db, Store

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "migrate"]

Migration = Callable[["Db", str], None]

SQLITE = "sqlite"
POSTGRESQL = "postgresql"

_V1_TABLES = """
CREATE TABLE IF NOT EXISTS jobs (
    key TEXT PRIMARY KEY,
    video_id TEXT,
    backend TEXT NOT NULL,
    backend_url TEXT NOT NULL DEFAULT '',
    endpoint TEXT NOT NULL DEFAULT 'create',
    status TEXT NOT NULL,
    progress INTEGER NOT NULL DEFAULT 0,
    prompt TEXT NOT NULL DEFAULT '',
    model TEXT,
    size TEXT,
    seconds TEXT,
    params TEXT NOT NULL DEFAULT '{}',
    parent_key TEXT,
    edge_kind TEXT,
    error_code TEXT,
    error_message TEXT,
    cost REAL,
    submitted_at REAL NOT NULL,
    created_at REAL,
    completed_at REAL,
    expires_at REAL,
    updated_at REAL NOT NULL,
    media TEXT NOT NULL DEFAULT '{}',
    sha256 TEXT,
    rating INTEGER,
    notes TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '[]',
    media_expired INTEGER NOT NULL DEFAULT 0,
    snapshot TEXT,
    owner TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_remote ON jobs(backend_url, video_id)
    WHERE video_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS jobs_parent ON jobs(parent_key);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status);
CREATE TABLE IF NOT EXISTS snapshots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    at REAL NOT NULL,
    status TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS snapshots_key ON snapshots(key);
"""


#: The jobs columns of the first release (frozen: later columns come by migration).
_V1_COLUMNS = (
    *("key", "video_id", "backend", "backend_url", "endpoint", "status", "progress"),
    *("prompt", "model", "size", "seconds", "params", "parent_key", "edge_kind"),
    *("error_code", "error_message", "cost", "submitted_at", "created_at", "completed_at"),
    *("expires_at", "updated_at", "media", "sha256", "rating", "notes", "tags"),
    *("media_expired", "snapshot", "owner"),
)


def _v1_jobs_and_snapshots(db: Db, kind: str) -> None:
    """The first release's tables (unversioned libraries made before 0.2 have them).

    PostgreSQL has no implicit `rowid`; the jobs table gets one, so both stores list
    jobs submitted in the same instant in the order they were recorded."""
    for statement in _V1_TABLES.split(";"):
        if statement.strip():
            db.execute(statement)
    if kind == POSTGRESQL:
        db.execute("ALTER TABLE jobs ADD COLUMN IF NOT EXISTS rowid BIGSERIAL")
        return
    have = {row[1] for row in db.execute("PRAGMA table_info(jobs)").fetchall()}
    for name in _V1_COLUMNS:
        if name not in have:  # a library made by a pre-release build
            db.execute(f"ALTER TABLE jobs ADD COLUMN {name}")


def _v2_media_per_backend(db: Db, kind: str) -> None:
    """Media named per backend and output (`hashes` per file slot).

    Files saved before keep their names (paths are stored per job). Where the first
    release let two backends' jobs with one id share a file, the job whose sha256 no
    longer matches loses that media entry, so it is downloaded again under its own name.
    """
    db.execute("ALTER TABLE jobs ADD COLUMN hashes TEXT NOT NULL DEFAULT '{}'")
    rows = db.execute("SELECT key, media, sha256 FROM jobs").fetchall()
    media = {key: _json_dict(text) for key, text, _ in rows}
    for key, _, sha in rows:
        if sha:
            db.execute(
                "UPDATE jobs SET hashes = ? WHERE key = ?", (json.dumps({"video": sha}), key)
            )
    sharers: dict[str, int] = {}
    for slots in media.values():
        for rel in set(slots.values()):
            sharers[rel] = sharers.get(rel, 0) + 1
    root = _library_root(db) if kind == SQLITE else None
    for key, _, sha in rows:
        video = media[key].get("video")
        if root is None or video is None or sharers[video] < 2:
            continue
        if sha and _sha256(root / video) == sha:
            continue  # this job's bytes are the ones on disk
        kept = {slot: rel for slot, rel in media[key].items() if sharers[rel] < 2}
        db.execute(
            "UPDATE jobs SET media = ?, sha256 = NULL, hashes = '{}' WHERE key = ?",
            (json.dumps(kept, sort_keys=True), key),
        )


def _json_dict(text: str | None) -> dict[str, str]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _library_root(db: Db) -> Path | None:
    for _, name, path in db.execute("PRAGMA database_list").fetchall():
        if name == "main" and path:
            return Path(path).parent
    return None


def _sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def _v3_judging(db: Db, kind: str) -> None:
    """The metrics cache and the preferences (judging); deleting a job forgets both, so a
    ranking never counts a variant that is gone."""
    for statement in _JUDGING_TABLES:
        db.execute(statement)
    if kind == SQLITE:
        db.execute(
            "CREATE TRIGGER IF NOT EXISTS jobs_forget_judging AFTER DELETE ON jobs BEGIN "
            "DELETE FROM metrics WHERE key = OLD.key; "
            "DELETE FROM preferences WHERE winner = OLD.key OR loser = OLD.key; END"
        )
        return
    db.execute(
        "CREATE OR REPLACE FUNCTION jobs_forget_judging() RETURNS trigger AS $$ BEGIN "
        "DELETE FROM metrics WHERE key = OLD.key; "
        "DELETE FROM preferences WHERE winner = OLD.key OR loser = OLD.key; "
        "RETURN OLD; END $$ LANGUAGE plpgsql"
    )
    db.execute(
        "CREATE TRIGGER jobs_forget_judging AFTER DELETE ON jobs "
        "FOR EACH ROW EXECUTE FUNCTION jobs_forget_judging()"
    )


_JUDGING_TABLES = (
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
)


def _v4_money(db: Db, kind: str) -> None:
    """Money that lasts: what each job was billed, a ledger of charges (spend survives a
    job's removal), and settings such as the budget, shared by every studio."""
    db.execute("ALTER TABLE jobs ADD COLUMN billed REAL")
    db.execute(
        "CREATE TABLE IF NOT EXISTS ledger (id INTEGER PRIMARY KEY AUTOINCREMENT, "
        "key TEXT NOT NULL, owner TEXT, at REAL NOT NULL, amount REAL NOT NULL)"
    )
    db.execute("CREATE INDEX IF NOT EXISTS ledger_at ON ledger(at)")
    db.execute("CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
    # What earlier releases recorded: completed jobs at their quote, failed and refused
    # ones at $0 (they were never billed), unfinished ones still open.
    db.execute(
        "UPDATE jobs SET billed = CASE WHEN status = 'completed' THEN cost "
        "WHEN status IN ('failed', 'rejected') THEN 0 END"
    )
    db.execute(
        "INSERT INTO ledger (key, owner, at, amount) SELECT key, owner, "
        "COALESCE(completed_at, updated_at), billed FROM jobs WHERE billed > 0"
    )


def _v5_people(db: Db, kind: str) -> None:
    """Who made each job, note and vote, and who was billed (None: made before people
    were recorded)."""
    db.execute("ALTER TABLE jobs ADD COLUMN person TEXT")
    db.execute("ALTER TABLE jobs ADD COLUMN noted_by TEXT")
    db.execute("ALTER TABLE preferences ADD COLUMN person TEXT")
    db.execute("ALTER TABLE ledger ADD COLUMN person TEXT")
    db.execute("CREATE INDEX IF NOT EXISTS jobs_person ON jobs(person)")


def _v6_storyboards(db: Db, kind: str) -> None:
    """Storyboards kept and resumed: boards, where each shot stands, every take (a slot
    written before its job is sent) and the films stitched from them (`boards.py`)."""
    for statement in _STORYBOARD_TABLES:
        db.execute(statement)


_STORYBOARD_TABLES = (
    """CREATE TABLE IF NOT EXISTS storyboards (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL DEFAULT '',
        body TEXT NOT NULL,
        takes INTEGER NOT NULL DEFAULT 1,
        fit TEXT NOT NULL DEFAULT 'crop',
        person TEXT,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS board_shots (
        board TEXT NOT NULL,
        shot TEXT NOT NULL,
        chosen TEXT,
        made_from TEXT,
        skip REAL NOT NULL DEFAULT 0,
        round INTEGER NOT NULL DEFAULT 0,
        settled INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (board, shot)
    )""",
    """CREATE TABLE IF NOT EXISTS board_takes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        board TEXT NOT NULL,
        shot TEXT NOT NULL,
        round INTEGER NOT NULL,
        key TEXT,
        made_from TEXT,
        skip REAL NOT NULL DEFAULT 0,
        at REAL NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS board_takes_shot ON board_takes(board, shot)",
    "CREATE INDEX IF NOT EXISTS board_takes_key ON board_takes(key)",
    """CREATE TABLE IF NOT EXISTS films (
        id TEXT PRIMARY KEY,
        board TEXT NOT NULL,
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        seconds REAL NOT NULL,
        takes TEXT NOT NULL,
        joins TEXT NOT NULL DEFAULT '[]',
        person TEXT,
        made_at REAL NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS films_board ON films(board)",
)


#: Applied in order; the library's version is how many it has had.
MIGRATIONS: tuple[Migration, ...] = (
    _v1_jobs_and_snapshots,
    _v2_media_per_backend,
    _v3_judging,  # metrics cache, preferences (judge)
    _v4_money,  # billed per job, the ledger, settings (budget)
    _v5_people,  # person per job, note, vote and charge (team)
    _v6_storyboards,  # boards, shots, takes, films (storyboard)
)
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(store: Store) -> int:
    """Bring `store` up to `SCHEMA_VERSION`; returns the version it had."""
    with store.write() as db:
        version = _version(db, store.kind)
        if version > SCHEMA_VERSION:
            raise SoraNotebookError(
                f"This library was written by a newer sora-notebook (schema {version}; this "
                f"version reads up to {SCHEMA_VERSION}). Upgrade sora-notebook to open it."
            )
        for migration in MIGRATIONS[version:]:
            migration(db, store.kind)
        if version != SCHEMA_VERSION:
            _set_version(db, store.kind, SCHEMA_VERSION)
    return version


def _version(db: Db, kind: str) -> int:
    if kind == SQLITE:
        return int(db.execute("PRAGMA user_version").fetchone()[0])
    db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = db.execute("SELECT version FROM schema_version").fetchone()
    if row is None:
        db.execute("INSERT INTO schema_version (version) VALUES (0)")
        return 0
    return int(row[0])


def _set_version(db: Db, kind: str, version: int) -> None:
    if kind == SQLITE:
        db.execute(f"PRAGMA user_version = {int(version)}")
    else:
        db.execute("UPDATE schema_version SET version = ?", (version,))
