"""Atomic file writes: a kill at any moment leaves nothing or a complete file."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

TMP_DIR = ".tmp"
_TMP_NAME = re.compile(r"^(\d+)-[0-9a-f]{32}(\..*)?$")
_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def fsync_dir(path: Path) -> None:
    """Make a rename inside `path` durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def tmp_path(root: Path, suffix: str = "") -> Path:
    """A fresh temp name under `root/.tmp`, tagged with this process id."""
    folder = root / TMP_DIR
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{os.getpid()}-{uuid.uuid4().hex}{suffix}"


def commit_file(src: Path, dest: Path) -> str:
    """fsync `src`, rename it onto `dest` atomically, fsync the folder; return sha256."""
    with open(src, "rb+") as fh:
        os.fsync(fh.fileno())
    digest = sha256_file(src)
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(src, dest)
    fsync_dir(dest.parent)
    return digest


@contextlib.contextmanager
def atomic_output(dest: Path) -> Iterator[Path]:
    """Yield a temp path beside `dest`; on success it replaces `dest` atomically, on any
    failure it is removed (for exports, which live outside the library)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.partial")
    try:
        yield tmp
        commit_file(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_bytes_atomic(root: Path, dest: Path, data: bytes) -> str:
    """Write `data` to `dest` through a temp file; return its sha256."""
    tmp = tmp_path(root, dest.suffix)
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
        return commit_file(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def pid_alive(pid: int) -> bool:
    """Is process `pid` running on this machine (this process counts as alive)?"""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def sweep_partials(root: Path) -> int:
    """Remove temp files left by dead processes, and stray `*.partial` downloads.

    Temp files of live processes (another notebook sharing the library) are kept.
    """
    removed = 0
    folder = root / TMP_DIR
    if folder.is_dir():
        for entry in folder.iterdir():
            match = _TMP_NAME.match(entry.name)
            if match and pid_alive(int(match[1])):
                continue
            with contextlib.suppress(OSError):
                entry.unlink()
                removed += 1
    for entry in root.glob("*.partial"):
        with contextlib.suppress(OSError):
            entry.unlink()
            removed += 1
    return removed
