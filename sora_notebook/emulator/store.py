"""`jobs.json` shared by every engine over one `data_dir`: two notebooks opened in the
same folder each run an in-process emulator there, and each must know the other's jobs
(a job is only judged gone by a server that could know it).

Writes merge under an exclusive file lock: the jobs on disk that this engine does not
hold are kept, deletions are remembered (`deleted`) so a job deleted by one engine is not
written back by another, and `created` never goes down.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["locked", "merge", "read"]

JOBS = "jobs.json"


@contextlib.contextmanager
def locked(root: Path) -> Iterator[None]:
    """Hold the folder's lock (one writer at a time, across processes)."""
    with open(root / "jobs.lock", "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def read(root: Path) -> dict[str, Any]:
    """What `jobs.json` holds ({} when there is none or it cannot be read)."""
    try:
        data = json.loads((root / JOBS).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def merge(root: Path, mine: dict[str, Any]) -> dict[str, Any]:
    """Write `mine` (`created`, `jobs`, `characters`, `deleted`) merged with what is on
    disk, holding the lock; return the merged payload (for the caller to adopt)."""
    with locked(root):
        disk = read(root)
        deleted = set(disk.get("deleted", [])) | set(mine.get("deleted", []))
        jobs = {j["id"]: j for j in disk.get("jobs", []) if isinstance(j, dict) and "id" in j}
        jobs.update({j["id"]: j for j in mine.get("jobs", [])})
        characters = {c["id"]: c for c in disk.get("characters", []) if isinstance(c, dict)}
        characters.update({c["id"]: c for c in mine.get("characters", [])})
        payload = {
            "created": max(int(disk.get("created", 0) or 0), int(mine.get("created", 0))),
            "jobs": [j for i, j in jobs.items() if i not in deleted],
            "characters": list(characters.values()),
            "deleted": sorted(deleted),
        }
        tmp = root / f"{JOBS}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(payload), "utf-8")
        os.replace(tmp, root / JOBS)
    return payload
