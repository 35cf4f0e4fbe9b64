"""The `Job` record and its mapping to and from database rows."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from sora_notebook.library.store import Db

#: Local statuses beyond the server's: a submission whose answer has not arrived yet,
#: and one the server refused (nothing was created).
PENDING = "pending"
REJECTED = "rejected"
DELETED_REMOTE = "deleted"
FINAL_STATUSES = frozenset({"completed", "failed", REJECTED})
EDGE_KINDS = ("remix", "edit", "extend", "frame", "reprompt")

COLUMNS = (
    *("key", "video_id", "backend", "backend_url", "endpoint", "status", "progress"),
    *("prompt", "model", "size", "seconds", "params", "parent_key", "edge_kind"),
    *("error_code", "error_message", "cost", "submitted_at", "created_at", "completed_at"),
    *("expires_at", "updated_at", "media", "sha256", "rating", "notes", "tags"),
    *("media_expired", "snapshot", "owner", "hashes", "billed", "person", "noted_by"),
)
COLUMN_SET = frozenset(COLUMNS)
#: What `update` may set (the key and the times are the library's own).
UPDATABLE = COLUMN_SET - {"key", "submitted_at", "updated_at"}
JSON_COLUMNS = {"params": dict, "media": dict, "tags": list, "snapshot": dict, "hashes": dict}


def media_slot(variant: str, output: int = 0) -> str:
    """The key of one file in `Job.media`: `video` for the first output, `video.1` ..."""
    if not isinstance(output, int) or output < 0:
        raise ValueError(f"output must be a whole number >= 0; got {output!r}")
    return variant if output == 0 else f"{variant}.{output}"


@dataclass(frozen=True, repr=False)
class Job:
    """The studio's local record of one generation.

    `key` is local and stable before the server answers; `video_id` is the server's id
    (None while pending). `media` maps a slot (`video`, `thumbnail`, `spritesheet` for
    the first output, `video.1` ... for further outputs of one job) to a path relative to
    the library root; `hashes` maps the same slots to sha256 (`sha256` is the first
    video's). Times are Unix seconds (float). `cost` is the quote before sending;
    `billed` what was charged once it ended (None while unknown, 0.0 "not billed", else
    dollars). `person` made the job, `noted_by` last set its rating, notes or tags
    (None in records made before people were recorded).
    """

    key: str
    video_id: str | None
    backend: str
    status: str
    progress: int
    prompt: str
    model: str | None
    size: str | None
    seconds: str | None
    params: dict[str, Any] = field(default_factory=dict, hash=False)
    parent_key: str | None = None
    edge_kind: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    cost: float | None = None
    submitted_at: float = 0.0
    created_at: float | None = None
    completed_at: float | None = None
    expires_at: float | None = None
    media: dict[str, str] = field(default_factory=dict, hash=False)
    sha256: str | None = None
    rating: int | None = None
    notes: str = ""
    tags: tuple[str, ...] = ()
    media_expired: bool = False
    backend_url: str = ""
    endpoint: str = "create"
    updated_at: float = 0.0
    owner: str | None = None
    hashes: dict[str, str] = field(default_factory=dict, hash=False)
    billed: float | None = None
    person: str | None = None
    noted_by: str | None = None

    def __repr__(self) -> str:
        prompt = self.prompt if len(self.prompt) <= 40 else self.prompt[:39] + "…"
        parts = [f"key={self.key[:8]!r}", f"status={self.status!r}", f"prompt={prompt!r}"]
        if self.video_id:
            parts.insert(1, f"video_id={self.video_id!r}")
        if self.edge_kind:
            parts.append(f"edge={self.edge_kind!r}")
        if self.error_message:
            parts.append(f"error={self.error_message[:60]!r}")
        return f"Job({', '.join(parts)})"

    @property
    def is_final(self) -> bool:
        """Completed, failed or refused: the server will not change it any more."""
        return self.status in FINAL_STATUSES

    @property
    def is_pending(self) -> bool:
        """Recorded, but the server's answer to the create has not arrived."""
        return self.status == PENDING

    @property
    def has_video(self) -> bool:
        return "video" in self.media

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready fields (for export and DataFrames)."""
        return {
            name: (list(value) if isinstance(value, tuple) else value)
            for name, value in self.__dict__.items()
        }


def encode(name: str, value: Any) -> Any:
    if name in JSON_COLUMNS:
        if value is None and name == "snapshot":
            return None
        if isinstance(value, tuple):
            value = list(value)
        return json.dumps(value if value is not None else JSON_COLUMNS[name](), sort_keys=True)
    if name == "media_expired":
        return int(bool(value))
    if name == "error_code" and value is not None:
        return str(value)
    return value


def update_row(db: Db, key: str, encoded: Mapping[str, Any], now: float) -> None:
    """Set encoded columns of job `key` and its `updated_at`; KeyError when it is gone."""
    names = [*encoded, "updated_at"]
    if not set(names) <= COLUMN_SET:
        raise TypeError(f"unknown columns {sorted(set(names) - COLUMN_SET)}")
    cur = db.execute(
        f"UPDATE jobs SET {', '.join(f'{n} = ?' for n in names)} WHERE key = ?",  # noqa: S608
        [*encoded.values(), now, key],
    )
    if cur.rowcount == 0:
        raise KeyError(key)


def job_from_row(row: Any) -> Job:
    """A `Job` from a row of `SELECT * FROM jobs` (columns it does not know are left)."""
    data: dict[str, Any] = {k: row[k] for k in row.keys() if k in COLUMN_SET}  # noqa: SIM118
    data.pop("snapshot", None)
    for name in ("params", "media", "tags", "hashes"):
        try:
            data[name] = json.loads(data.get(name) or "null") or JSON_COLUMNS[name]()
        except ValueError:
            data[name] = JSON_COLUMNS[name]()
    data["tags"] = tuple(str(t) for t in data["tags"])
    data["media_expired"] = bool(data["media_expired"])
    for name in ("media", "hashes", "params"):
        if not isinstance(data[name], dict):  # a poison row (an old import) reads as empty
            data[name] = {}
    for name, default in _NUMBERS.items():
        value = data.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            data[name] = default  # text where a time or an amount belongs: unknown
    return Job(**data)


#: Numeric columns and what a row holding something else there reads as.
_NUMBERS: dict[str, float | None] = {
    **{"submitted_at": 0.0, "updated_at": 0.0, "created_at": None, "completed_at": None},
    **{"expires_at": None, "cost": None, "billed": None},
}


def safe_backend_url(url: str) -> str:
    """A base URL fit to store: no user:password, no query (where keys could hide)."""
    if not url:
        return ""
    parts = urlsplit(str(url))
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))
