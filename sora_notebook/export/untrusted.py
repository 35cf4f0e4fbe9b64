"""An archive's records are untrusted: each field is checked for its type and range, and
money and status are made safe to hold in this library.

`check_record` turns one JSON record into a `Job` or raises `ValueError` saying which
field is wrong and why; `safe_media_path` says whether a name lies inside `media/`.
Imported money is what it was (no negative or non-finite cost or bill) and never reserves
this library's budget: a job the archive says was never sent is recorded as refused (it
is never sent by itself), and an open one is marked billed elsewhere (0 here).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import fields
from pathlib import PurePosixPath
from typing import Any

from sora_notebook.errors import ValidationError
from sora_notebook.library import Job
from sora_notebook.library.records import EDGE_KINDS, PENDING, REJECTED

__all__ = ["NOT_SENT", "check_record", "refused", "safe_media_path"]

_JOB_FIELDS = {f.name for f in fields(Job)}
_STATUSES = {PENDING, REJECTED, "queued", "in_progress", "completed", "failed", "deleted"}
_OPEN = {"queued", "in_progress"}
#: The longest text any one field may hold (prompts are cut to 64,000 characters).
MAX_TEXT = 100_000
MAX_TAGS = 200
NOT_SENT = (
    "Imported from an archive before it was sent; it is not sent from here "
    "(generate it again to send it)."
)


#: Refusals listed in one message before the rest are counted.
SHOWN = 10


def refused(what: str, problems: list[str]) -> ValidationError:
    """One error for every refused record of an archive (the first `SHOWN` of them)."""
    more = f" (and {len(problems) - SHOWN} more)" if len(problems) > SHOWN else ""
    return ValidationError(
        f"the archive was not imported; refused {what}: " + "; ".join(problems[:SHOWN]) + more
    )


def safe_media_path(name: object) -> bool:
    """A relative POSIX name under `media/` (not its temp folder), with no `..`."""
    if not isinstance(name, str) or not name or len(name) > 1024 or "\\" in name:
        return False
    if any(ord(c) < 32 for c in name):
        return False
    path = PurePosixPath(name)
    return (
        not path.is_absolute()
        and ".." not in path.parts
        and len(path.parts) >= 2
        and path.parts[0] == "media"
        and path.parts[1] != ".tmp"
        and path.as_posix() == name
    )


def _text(value: Any, *, optional: bool = False, empty: bool = True) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise ValueError(f"must be text{' or null' if optional else ''}, got {_kind(value)}")
    if len(value) > MAX_TEXT:
        raise ValueError(f"is longer than {MAX_TEXT} characters")
    if not empty and not value:
        raise ValueError("must not be empty")
    return value


def _number(value: Any, *, optional: bool = False, minimum: float | None = None) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"must be a number{' or null' if optional else ''}, got {_kind(value)}")
    if not math.isfinite(value):
        raise ValueError(f"must be finite, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"must be at least {minimum:g}, got {value!r}")
    return float(value)


def _integer(value: Any, low: int, high: int, *, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"must be a whole number {low}-{high}, got {value!r:.40}")
    return value


def _params(value: Any) -> dict[str, Any]:
    """A record's `params`, with the fields the studio reads back typed as it expects."""
    params = _mapping(value)
    for name in ("output_of", "output_of_video"):
        if params.get(name) is not None and not isinstance(params[name], str):
            raise ValueError(f"`params.{name}` must be text")
    ref = params.get("input_reference")
    if ref is not None and not isinstance(ref, str | dict):
        raise ValueError("`params.input_reference` must be a media path or an object")
    index = params.get("output_index")
    if index is not None and (isinstance(index, bool) or not isinstance(index, int)):
        raise ValueError(f"`params.output_index` must be a whole number, got {index!r:.40}")
    return params


def _mapping(value: Any, *, of_text: bool = False) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise ValueError(f"must be an object, got {_kind(value)}")
    if of_text and not all(isinstance(v, str) for v in value.values()):
        raise ValueError("must map names to text")
    return dict(value)


def _tags(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise ValueError(f"must be a list of text, got {_kind(value)}")
    if len(value) > MAX_TAGS:
        raise ValueError(f"holds more than {MAX_TAGS} tags")
    return tuple(value)


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


_CHECKS: dict[str, Callable[[Any], Any]] = {
    "key": lambda v: _text(v, empty=False),
    "video_id": lambda v: _text(v, optional=True),
    "backend": lambda v: _text(v),
    "backend_url": lambda v: _text(v),
    "endpoint": lambda v: _text(v),
    "prompt": lambda v: _text(v),
    "model": lambda v: _text(v, optional=True),
    "size": lambda v: _text(v, optional=True),
    "seconds": lambda v: _text(v, optional=True),
    "parent_key": lambda v: _text(v, optional=True),
    "error_message": lambda v: _text(v, optional=True),
    "sha256": lambda v: _text(v, optional=True),
    "owner": lambda v: _text(v, optional=True),
    "notes": lambda v: _text(v),
    "error_code": lambda v: (
        str(v) if isinstance(v, int) and not isinstance(v, bool) else _text(v, optional=True)
    ),
    "progress": lambda v: _integer(v, 0, 100),
    "rating": lambda v: _integer(v, 0, 5, optional=True),
    "cost": lambda v: _number(v, optional=True, minimum=0),
    "billed": lambda v: _number(v, optional=True, minimum=0),
    "submitted_at": lambda v: _number(v, minimum=0),
    "updated_at": lambda v: _number(v, minimum=0),
    "created_at": lambda v: _number(v, optional=True, minimum=0),
    "completed_at": lambda v: _number(v, optional=True, minimum=0),
    "expires_at": lambda v: _number(v, optional=True, minimum=0),
    "params": _params,
    "media": lambda v: _mapping(v, of_text=True),
    "hashes": lambda v: _mapping(v, of_text=True),
    "tags": _tags,
}


def check_record(record: Any) -> Job:
    """One archive record as a `Job` safe to restore, or `ValueError` with the reason."""
    if not isinstance(record, Mapping):
        raise ValueError(f"a record must be an object, got {_kind(record)}")
    data: dict[str, Any] = {}
    for name, value in record.items():
        if name not in _JOB_FIELDS:
            continue
        check = _CHECKS.get(name)
        try:
            data[name] = check(value) if check else value
        except ValueError as exc:
            raise ValueError(f"`{name}` {exc}") from None
    for name in ("key", "backend", "status"):
        if name not in data:
            raise ValueError(f"`{name}` is missing")
    status = data["status"]
    if status not in _STATUSES:
        raise ValueError(
            f"`status` must be one of {', '.join(sorted(_STATUSES))}; got {status!r:.40}"
        )
    edge = data.get("edge_kind")
    if edge is not None and edge not in EDGE_KINDS:
        raise ValueError(f"`edge_kind` must be one of {', '.join(EDGE_KINDS)}; got {edge!r:.40}")
    if not isinstance(data.get("media_expired", False), bool):
        raise ValueError("`media_expired` must be true or false")
    for name, default in (("progress", 0), ("prompt", ""), ("model", None)):
        data.setdefault(name, default)
    data.setdefault("size", None)
    data.setdefault("seconds", None)
    data.setdefault("video_id", None)
    if status == PENDING or (status in _OPEN and not data["video_id"]):
        # never sent (or its answer never came): it is not sent from this library
        data.update(status=REJECTED, error_message=NOT_SENT, billed=0.0)
    elif data.get("billed") is None:
        # billed (or reserved) by the library it came from, never by this one
        data["billed"] = 0.0
    return Job(**data)
