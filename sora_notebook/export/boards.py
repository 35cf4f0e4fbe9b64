"""Storyboards in the archive: boards, their shots, takes and films, written beside the
jobs and read back as untrusted input.

Export: a board travels when every take it has is among the exported jobs; its cast
images and films travel as files under `media/` (cast images outside the library are
copied in as `media/cast/<board>/<n><suffix>`). Import: every field is checked for its
type and range (`check_boards` raises `ValidationError` listing each refused board with
its reason), film and cast files must be members inside `media/` and are placed under
fresh names like any media (a film's sha256 is checked), takes must name jobs of the
archive or of this library, and what the other library left open is closed here (slots
never filled are dropped, rounds settled): an import never sends anything.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Collection, Iterable
from pathlib import Path
from typing import Any

from sora_notebook.errors import ValidationError
from sora_notebook.export.untrusted import refused, safe_media_path
from sora_notebook.library import Library
from sora_notebook.library.boards import MAX_BOARD_BYTES

__all__ = ["MAX_BOARDS", "check_boards", "dump_boards", "place_board_files"]

MAX_BOARDS = 10_000
MAX_ROWS = 10_000  # shots, takes or films of one board
MAX_CAST = 200
MAX_ID = 256
_FITS = ("crop", "pad", "none")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
#: Places an archive member in the library: archive name -> (library name, sha256).
Place = Callable[[str], tuple[str, str]]


def dump_boards(
    library: Library, keys: Collection[str]
) -> tuple[list[dict[str, Any]], dict[str, Path]]:
    """The boards whose takes are all among `keys`, as archive records, and the files
    they need (archive name -> local file)."""
    boards = library.boards
    wanted = []
    for board_id in boards.ids():
        kept = boards.get(board_id)
        if kept is not None and all(s.key in keys for s in kept.slots if s.key is not None):
            wanted.append(board_id)
    records = boards.dump(wanted)
    files: dict[str, Path] = {}
    for record in records:
        body = json.loads(record["board"]["body"])
        for n, member in enumerate(body.get("cast", ())):
            source = Path(str(member.get("image", "")))
            if not source.is_absolute():
                source = Path.cwd() / source
            name = f"media/cast/{record['board']['id']}/{n}{source.suffix.lower()[:8]}"
            if source.is_file() and safe_media_path(name):
                files[name] = source
                member["image"] = name
        record["board"]["body"] = json.dumps(body, separators=(",", ":"))
        for film in record["films"]:
            path = library.root / film["path"]
            if safe_media_path(film["path"]) and path.is_file():
                files[film["path"]] = path
    return records, files


def check_boards(
    raw: Any, known: Callable[[str], bool], members: Collection[str]
) -> list[dict[str, Any]]:
    """The archive's boards, checked: `known(key)` says whether the archive or the
    library holds a job, `members` are the archive's file names. Raises
    `ValidationError` naming every refused board and why; nothing is imported then."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ValidationError("studio.json: `boards` must be a list.")
    if len(raw) > MAX_BOARDS:
        raise ValidationError(f"studio.json holds {len(raw)} boards; at most {MAX_BOARDS}.")
    out, problems, seen = [], [], set()
    for index, record in enumerate(raw):
        try:
            checked = _board(record, known, members)
            if checked["board"]["id"] in seen:
                raise ValueError("its id appears twice")
            seen.add(checked["board"]["id"])
            out.append(checked)
        except ValueError as exc:
            name = _id_of(record)
            problems.append(f"board {index}{f' ({name!r:.40})' if name else ''}: {exc}")
    if problems:
        raise refused("storyboards", problems)
    return out


def place_board_files(
    boards: Iterable[dict[str, Any]], place: Place, root: Path
) -> list[dict[str, Any]]:
    """Boards with their cast images and films placed (fresh names) and pointed at."""
    out = []
    for item in boards:
        body = json.loads(item["board"]["body"])
        for member in body.get("cast", ()):
            member["image"] = str(root / place(member["image"])[0])
        films = []
        for film in item["films"]:
            rel, digest = place(film["path"])
            if digest != film["sha256"]:
                raise ValidationError(
                    f"film {film['id']!r:.40}: {film['path']!r:.200} has sha256 "
                    f"{digest[:12]}…, the record says {film['sha256'][:12]}…; the archive "
                    "is damaged."
                )
            films.append({**film, "path": rel})
        board = {**item["board"], "body": json.dumps(body, separators=(",", ":"))}
        out.append({**item, "board": board, "films": films})
    return out


# --- checking one board -------------------------------------------------------------------


def _board(record: Any, known: Callable[[str], bool], members: Collection[str]) -> dict[str, Any]:
    if not isinstance(record, dict):
        raise ValueError("a board must be an object")
    board = _object(record.get("board"), "board")
    board_id = _name(board.get("id"), "`board.id`")
    body_text = _text(board.get("body"), "`board.body`", MAX_BOARD_BYTES)
    try:
        body = json.loads(body_text)
    except ValueError:
        raise ValueError("`board.body` is not JSON") from None
    _body(body, members)
    head = {
        "id": board_id,
        "title": _text(board.get("title", ""), "`board.title`", 10_000),
        "body": body_text,
        "takes": _whole(board.get("takes"), "`board.takes`", 1, 8),
        "fit": _choice(board.get("fit"), "`board.fit`", _FITS),
        "person": _optional(board.get("person"), "`board.person`", MAX_ID),
        "created_at": _number(board.get("created_at"), "`board.created_at`"),
        "updated_at": _number(board.get("updated_at"), "`board.updated_at`"),
    }
    shots = {}
    for row in _rows(record.get("shots"), "shots"):
        shot = _name(row.get("shot"), "a shot's `shot`")
        round_ = _whole(row.get("round"), f"shot {shot}: `round`", 0, 1_000_000)
        shots[shot] = {
            "board": board_id,
            "shot": shot,
            "chosen": _key(row.get("chosen"), f"shot {shot}: `chosen`", known),
            "made_from": _key(row.get("made_from"), f"shot {shot}: `made_from`", known),
            "skip": _number(row.get("skip"), f"shot {shot}: `skip`"),
            "round": round_,
            "settled": round_,  # what the other library left open is closed here
        }
    takes = []
    for row in _rows(record.get("takes"), "takes"):
        shot = _name(row.get("shot"), "a take's `shot`")
        key = _key(row.get("key"), f"a take of {shot}: `key`", known)
        if shot not in shots:
            raise ValueError(f"a take names shot {shot!r:.40}, which the board's shots lack")
        if key is None:
            continue  # a slot never filled: not sent from here
        takes.append(
            {
                "board": board_id,
                "shot": shot,
                "round": _whole(row.get("round"), f"a take of {shot}: `round`", 1, 1_000_000),
                "key": key,
                "made_from": _key(row.get("made_from"), f"a take of {shot}: `made_from`", known),
                "skip": _number(row.get("skip"), f"a take of {shot}: `skip`"),
                "at": _number(row.get("at"), f"a take of {shot}: `at`"),
            }
        )
    films = [_film(row, board_id, known, members) for row in _rows(record.get("films"), "films")]
    return {"board": head, "shots": list(shots.values()), "takes": takes, "films": films}


def _body(body: Any, members: Collection[str]) -> None:
    """The board's shots and cast: shapes checked here; a cast image must be a member
    inside `media/` (a path elsewhere would send a local file to a server)."""
    if not isinstance(body, dict):
        raise ValueError("`board.body` must be an object")
    shots = body.get("shots")
    if not isinstance(shots, list) or not all(isinstance(s, dict) for s in shots):
        raise ValueError("`board.body.shots` must be a list of objects")
    if len(shots) > MAX_ROWS:
        raise ValueError(f"`board.body` holds more than {MAX_ROWS} shots")
    cast = body.get("cast", [])
    if not isinstance(cast, list) or len(cast) > MAX_CAST:
        raise ValueError(f"`board.body.cast` must be a list of at most {MAX_CAST}")
    for member in cast:
        image = member.get("image") if isinstance(member, dict) else None
        if not safe_media_path(image):
            raise ValueError(f"a cast image {str(image)!r:.200} lies outside `media/`")
        if image not in members:
            raise ValueError(f"the cast image {image!r:.200} is not in the archive")


def _film(
    row: dict[str, Any], board_id: str, known: Callable[[str], bool], members: Collection[str]
) -> dict[str, Any]:
    film_id = _name(row.get("id"), "a film's `id`")
    where = f"film {film_id}"
    path = row.get("path")
    if not safe_media_path(path):
        raise ValueError(f"{where}: its path {str(path)!r:.200} lies outside `media/`")
    if path not in members:
        raise ValueError(f"{where}: its file {path!r:.200} is not in the archive")
    sha = row.get("sha256")
    if not isinstance(sha, str) or not _SHA256.match(sha):
        raise ValueError(f"{where}: `sha256` must be 64 hex digits")
    taken = _json_list(row.get("takes"), f"{where}: `takes`")
    for key in taken:
        _key(key, f"{where}: a take", known)
    joins = _json_list(row.get("joins"), f"{where}: `joins`")
    return {
        "id": film_id,
        "board": board_id,
        "path": path,
        "sha256": sha,
        "seconds": _number(row.get("seconds"), f"{where}: `seconds`"),
        "takes": json.dumps(taken),
        "joins": json.dumps(joins, allow_nan=False),
        "person": _optional(row.get("person"), f"{where}: `person`", MAX_ID),
        "made_at": _number(row.get("made_at"), f"{where}: `made_at`"),
    }


def _id_of(record: Any) -> str | None:
    board = record.get("board") if isinstance(record, dict) else None
    value = board.get("id") if isinstance(board, dict) else None
    return value if isinstance(value, str) else None


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"`{what}` must be an object")
    return value


def _rows(value: Any, what: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        raise ValueError(f"`{what}` must be a list of objects")
    if len(value) > MAX_ROWS:
        raise ValueError(f"`{what}` holds more than {MAX_ROWS} rows")
    return value


def _optional(value: Any, what: str, limit: int) -> str | None:
    return None if value is None else _text(value, what, limit)


def _text(value: Any, what: str, limit: int) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what} must be text")
    if len(value) > limit:
        raise ValueError(f"{what} is longer than {limit} characters")
    return value


def _name(value: Any, what: str) -> str:
    text = _text(value, what, MAX_ID)
    if not text or any(ord(c) < 32 for c in text):
        raise ValueError(f"{what} must be 1-{MAX_ID} characters with no control characters")
    return text


def _key(value: Any, what: str, known: Callable[[str], bool]) -> str | None:
    if value is None:
        return None
    key = _name(value, what)
    if not known(key):
        raise ValueError(
            f"{what} names job {key!r:.40}, which neither the archive nor this library holds"
        )
    return key


def _whole(value: Any, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{what} must be a whole number {low}-{high}, got {value!r:.40}")
    return value


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, got {value!r:.40}")
    if value < 0:
        raise ValueError(f"{what} must be 0 or more, got {value!r:.40}")
    return float(value)


def _choice(value: Any, what: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"{what} must be one of {', '.join(allowed)}, got {value!r:.40}")
    return str(value)


def _json_list(value: Any, what: str) -> list[Any]:
    try:
        parsed = json.loads(_text(value, what, MAX_BOARD_BYTES))
    except ValueError as exc:
        if "must be" in str(exc) or "longer" in str(exc):
            raise
        raise ValueError(f"{what} is not JSON") from None
    if not isinstance(parsed, list) or len(parsed) > MAX_ROWS:
        raise ValueError(f"{what} must be a JSON list of at most {MAX_ROWS}")
    return parsed
