"""The local, persistent studio history: records in a store, media in a folder.

```
sora_studio/
├── library.sqlite3        jobs, lineage edges, response snapshots (WAL mode)
└── media/
    ├── <id>.<tag>.mp4, <id>.<tag>.thumbnail.webp, <id>.<tag>.spritesheet.jpg
    │     (<tag>: a hash of backend URL + id; further outputs of one job add `.o1` ...)
    ├── refs/<key>.png      copies of reference images
    └── .tmp/               in-flight writes (pid-tagged; swept when their process is gone)
```
Every file arrives through a temp name, is fsynced and renamed into place, so a kill at
any moment leaves nothing or a complete file. Writes are short transactions taken one at
a time, so two notebooks can share one library. A submission is recorded *before* its
request is sent (status `pending`) so a kill mid-submit can be reconciled later. Keys
never reach the library: only the backend's name and URL. Knows nothing about HTTP.

`Library` is a facade over parts built on one store (`store.Store`): `records` (the
jobs), `media` (the files), `ledger` (money), `judging` (metrics, preferences) and
`boards` (storyboards, their takes and films).
Its methods delegate to them.

A team keeps its records in PostgreSQL instead: `Library("postgresql://user:pw@host/db",
media="shared/folder")` (the `team` extra). The folder holds the media; without one, the
`SORA_NOTEBOOK_MEDIA` environment variable or `./sora_studio`. Media may live in an
S3-compatible object store instead (`media="s3://bucket/prefix"`), with `cache` (default
`./sora_studio`) the local working copy. `Library()` with no location opens
`SORA_NOTEBOOK_LIBRARY` when it is set (a URL or a folder).

Jobs, notes, votes and charges are recorded under `person` (`people.current_person()`
unless given); a person removes only their own jobs unless `admin` (`people.py`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import EllipsisType
from typing import Any, TypeVar

from sora_notebook.library.boards import BoardRecords
from sora_notebook.library.jobs import Records
from sora_notebook.library.judging import JudgingRecords
from sora_notebook.library.ledger import Ledger, Reservation
from sora_notebook.library.media import MediaFiles
from sora_notebook.library.objects import ObjectStore, is_object_url
from sora_notebook.library.people import ADMINS, check_person, current_person
from sora_notebook.library.postgres import PostgresStore, is_database_url, safe_database_url
from sora_notebook.library.records import Job, safe_backend_url
from sora_notebook.library.sqlite import DB_NAME, SqliteStore
from sora_notebook.library.store import Db, Store
from sora_notebook.protocol import Video

__all__ = ["Library", "safe_backend_url"]

_L = TypeVar("_L", bound="Library")

#: The folder a library lives in unless told otherwise.
DEFAULT_ROOT = "sora_studio"
LIBRARY_ENV = "SORA_NOTEBOOK_LIBRARY"
MEDIA_ENV = "SORA_NOTEBOOK_MEDIA"


class Library:
    """A folder holding the studio's history; safe to share between processes."""

    def __init__(
        self,
        root: str | os.PathLike[str] = DEFAULT_ROOT,
        *,
        media: str | os.PathLike[str] | None = None,
        cache: str | os.PathLike[str] | None = None,
        person: str | None = None,
        admin: bool = False,
        clock: Callable[[], float] = time.time,
        busy_timeout: float = 30.0,
    ) -> None:
        self.person = current_person() if person is None else check_person(person)
        self.admin = admin
        location = os.fspath(root)
        if location == DEFAULT_ROOT:
            location = os.environ.get(LIBRARY_ENV) or DEFAULT_ROOT
        self.url: str | None = None
        objects: ObjectStore | None = None
        if is_database_url(location):
            self.url = location
            folder = os.fspath(media or os.environ.get(MEDIA_ENV) or DEFAULT_ROOT)
            if is_object_url(folder):
                objects = ObjectStore(folder, timeout=busy_timeout)
                folder = os.fspath(cache or DEFAULT_ROOT)
            self.root = Path(folder).resolve()
            self.root.mkdir(parents=True, exist_ok=True)
            self.store: Store = PostgresStore(location, connect_timeout=busy_timeout)
        else:
            if media is not None:
                raise ValueError(
                    "media= is for a library whose records are on a database server "
                    "(postgresql://...); a folder library keeps its media inside itself."
                )
            self.root = Path(location).resolve()
            self.root.mkdir(parents=True, exist_ok=True)
            self.store = SqliteStore(self.root / DB_NAME, busy_timeout=busy_timeout)
        self.media = MediaFiles(self.store, self.root, objects=objects, clock=clock)
        self.ledger = Ledger(self.store, clock=clock)
        self.records = Records(
            self.store,
            self.media,
            self.ledger,
            person=self.person,
            admin=self.is_admin,
            clock=clock,
        )
        self.judging = JudgingRecords(self.store, person=self.person)
        self.boards = BoardRecords(self.store, person=self.person, clock=clock)
        self.media.sweep()

    # --- the library as a whole ------------------------------------------------------

    @property
    def path(self) -> Path | None:
        """The database file (SQLite), None on a database server."""
        return self.store.path

    @property
    def media_dir(self) -> Path:
        return self.media.media_dir

    def close(self) -> None:
        self.store.close()

    def __enter__(self: _L) -> _L:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        if self.url is not None:
            objects = self.media.objects
            media = objects.url if objects is not None else str(self.root)
            where = f"{safe_database_url(self.url)!r}, media={media!r}"
            return f"Library({where}, person={self.person!r})"
        return f"Library({str(self.root)!r})"

    def is_admin(self) -> bool:
        """May this person remove anyone's jobs (`admin=True`, or named in `admins`)?"""
        if self.admin:
            return True
        admins = self.ledger.setting(ADMINS)
        return isinstance(admins, list) and self.person in admins

    def day_start(self, now: float) -> float:
        """When `now`'s day began for the budget: the local day (a folder library), the
        store's UTC day (a team's)."""
        return self.store.day_start(now)

    def sweep(self) -> int:
        """Remove temp files left by processes that died mid-write; returns how many."""
        return self.media.sweep()

    def check(self) -> str:
        """Returns "ok" when the database is sound (SQLite: `PRAGMA integrity_check`)."""
        return self.store.check()

    def data_version(self) -> int:
        """A counter that moves when another connection (another process) commits."""
        return self.store.data_version()

    def on_change(self, callback: Callable[[], object]) -> Callable[[], None] | None:
        """Call `callback()` from any thread when another connection commits (a team's
        PostgreSQL notifications); returns how to stop, or None where the store cannot
        tell (SQLite: watch `data_version`)."""
        return self.store.on_change(callback)

    # --- records ---------------------------------------------------------------------

    def add_submission(self, *, reserve: Reservation | None = None, **fields: Any) -> Job:
        """Record a submission before its request is sent (see `Records.add_submission`)."""
        return self.records.add_submission(reserve=reserve, **fields)

    def add_submissions(
        self, batch: list[dict[str, Any]], *, reserve: Reservation | None = None
    ) -> list[Job]:
        """Record several submissions at once, their total quote held (all or none)."""
        return self.records.add_submissions(batch, reserve=reserve)

    def add_output(self, job: Job, index: int, *, key: str, owner: str | None = None) -> Job:
        """Record output `index` of a job that made several, as a sibling of it."""
        return self.records.add_output(job, index, key=key, owner=owner)

    def record_video(self, key: str, video: Video) -> Job:
        """Store what the server said about a job (ids, status, times, error, snapshot)."""
        return self.records.record_video(key, video)

    def import_video(
        self,
        video: Video,
        *,
        backend: str,
        backend_url: str = "",
        parent_key: str | None = None,
        edge_kind: str | None = None,
    ) -> tuple[Job, bool]:
        """Add a job the server listed; (job, True) if new, (existing, False) if known."""
        return self.records.import_video(
            video,
            backend=backend,
            backend_url=backend_url,
            parent_key=parent_key,
            edge_kind=edge_kind,
        )

    def restore(self, job: Job, *, snapshots: Iterable[Mapping[str, Any]] = ()) -> Job:
        """Insert a whole record as it was (an archive being imported)."""
        return self.records.restore(job, snapshots=snapshots)

    def restore_many(
        self,
        items: Iterable[tuple[Job, Iterable[Mapping[str, Any]]]],
        *,
        also: Callable[[Db], object] | None = None,
    ) -> list[Job]:
        """Insert whole records with their snapshots in one transaction: all or none
        (`also` writes more inside it: an archive's storyboards)."""
        return self.records.restore_many(items, also=also)

    def update(self, key: str, **fields: Any) -> Job:
        """Set record fields (status, error_message, media_expired, ...)."""
        return self.records.update(key, **fields)

    def reject(self, key: str, message: str, code: str | int | None = None) -> Job:
        """The server refused the create: nothing exists remotely, nothing was billed."""
        return self.records.reject(key, message, code)

    def annotate(
        self,
        key: str,
        *,
        rating: int | EllipsisType | None = ...,
        notes: str | None = None,
        tags: list[str] | tuple[str, ...] | None = None,
    ) -> Job:
        """Set the person's rating (0-5 or None), notes and tags."""
        return self.records.annotate(key, rating=rating, notes=notes, tags=tags)

    def remove(self, key: str, *, files_too: bool = True) -> Job | None:
        """Forget a job (and its media files). Children keep their edge to the key.
        `NotYours` when another person made it and this one is no admin."""
        return self.records.remove(key, files_too=files_too)

    def check_removable(self, job: Job) -> None:
        """Raise `NotYours` unless this person may remove `job` (before deleting it on
        the server)."""
        self.records.check_removable(job)

    def find_key(self, key: str) -> Job | None:
        return self.records.find_key(key)

    def get(self, key: str) -> Job:
        return self.records.get(key)

    def find(self, video_id: str, *, backend_url: str | None = None) -> Job | None:
        """The job with this server id (on this backend URL, when given)."""
        return self.records.find(video_id, backend_url=backend_url)

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
        person: str | None = None,
    ) -> list[Job]:
        """Records, oldest first unless `newest_first`, filtered by any of the arguments
        (`person`: the jobs one person made)."""
        return self.records.jobs(
            status=status,
            backend=backend,
            model=model,
            tag=tag,
            parent=parent,
            search=search,
            unfinished=unfinished,
            min_rating=min_rating,
            limit=limit,
            newest_first=newest_first,
            person=person,
        )

    def people(self) -> dict[str | None, int]:
        """Every person who made a job here, with how many they made, most first (None:
        jobs recorded before people were). `jobs(person=...)` lists one person's."""
        return self.records.people()

    def video_ids(self, backend_url: str) -> set[str]:
        """Server ids already recorded for this backend URL (claimed by a job)."""
        return self.records.video_ids(backend_url)

    def stamps(self) -> dict[str, float]:
        """Every job's key and `updated_at`: what changed is where a stamp differs."""
        return self.records.stamps()

    def children(self, key: str) -> list[Job]:
        return self.records.children(key)

    def snapshots(self, key: str) -> list[dict[str, Any]]:
        """Every server response stored for a job whose status changed, oldest first."""
        return self.records.snapshots(key)

    def durations(
        self, *, backend: str, model: str | None, size: str | None, seconds: str | None
    ) -> list[float]:
        """Seconds from creation to completion of past completed jobs like this one."""
        return self.records.durations(backend=backend, model=model, size=size, seconds=seconds)

    # --- media -----------------------------------------------------------------------

    def media_target(self, job: Job, variant: str, output: int = 0) -> Path:
        """Where a variant of one output of this job lives once saved (absolute)."""
        return self.media.target(job, variant, output)

    def temp_path(self, suffix: str = "") -> Path:
        """A temp file name inside the library, for a download in flight."""
        return self.media.temp_path(suffix)

    def save_media(self, key: str, variant: str, source: Path | bytes, output: int = 0) -> Job:
        """Move a finished temp file (or bytes) into place atomically and record it."""
        self.media.save(key, variant, source, output)
        return self.records.get(key)

    def media_path(self, job: Job | str, variant: str = "video", output: int = 0) -> Path | None:
        """The absolute local file of a variant, if it was saved and still exists."""
        record = self.records.get(job) if isinstance(job, str) else job
        return self.media.path(record, variant, output)

    # --- money -----------------------------------------------------------------------

    def setting(self, name: str) -> Any:
        """A stored setting (JSON value), None when unset."""
        return self.ledger.setting(name)

    def set_setting(self, name: str, value: Any) -> None:
        """Store a setting for every studio sharing this library (None removes it)."""
        self.ledger.set_setting(name, value)

    def billed_total(
        self, *, since: float | None = None, owner: str | None = None, person: str | None = None
    ) -> float:
        """Dollars billed (since a time, for one studio's owner id, for one person)."""
        return self.ledger.billed_total(since=since, owner=owner, person=person)

    def billed_by_person(self, *, since: float | None = None) -> dict[str | None, float]:
        """Dollars billed per person (since a time); their sum is the team's."""
        return self.ledger.billed_by_person(since=since)

    def reserved(self) -> float:
        """Quotes of jobs not billed yet (pending or running)."""
        return self.ledger.reserved()

    def unknown_costs(self) -> int:
        """Completed jobs whose price is unknown (not counted in any total)."""
        return self.ledger.unknown_costs()

    def budget_left(self) -> float | None:
        """Dollars the budgets leave after what is billed and reserved; None without."""
        return self.ledger.budget_left()

    def budget_state(self) -> tuple[float | None, float | None, float]:
        """(left, the budget that binds, billed + reserved); (None, None, 0.0) without."""
        return self.ledger.budget_state()

    def bill(self, key: str, amount: float | None) -> bool:
        """Record what a finished job was billed, once; False when it already was."""
        return self.ledger.bill(key, amount)
