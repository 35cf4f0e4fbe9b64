"""A library database SQLite cannot use gives a clear error naming the file and what to
do, and leaves no file open (reliability review 2, library: raw sqlite3 errors and 3
leaked descriptors on a refused newer schema)."""

from __future__ import annotations

import os
import sqlite3

import pytest

from sora_notebook.errors import SoraNotebookError
from sora_notebook.library import Library


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.parametrize("kind", ["not a database", "damaged", "a folder"])
def test_an_unusable_database_is_a_clear_error(tmp_path, kind):
    root = tmp_path / "lib"
    if kind == "a folder":
        (root / "library.sqlite3").mkdir(parents=True)
    else:
        with Library(root) as lib:
            lib.add_submission(backend="e", prompt="p")
        path = root / "library.sqlite3"
        data = bytearray(path.read_bytes())
        if kind == "not a database":
            data[:16] = b"not a database!!"
        else:
            data[100:4096] = b"\xff" * (4096 - 100)
        path.write_bytes(bytes(data))
        for extra in ("-wal", "-shm"):
            (root / f"library.sqlite3{extra}").unlink(missing_ok=True)
    before = _open_fds()
    with pytest.raises(SoraNotebookError, match=r"library\.sqlite3 cannot be used") as err:
        Library(root).jobs()
    assert "move it aside" in str(err.value)
    assert _open_fds() == before


def test_a_newer_schema_is_refused_without_leaking_files(tmp_path):
    root = tmp_path / "lib"
    with Library(root):
        pass
    db = sqlite3.connect(root / "library.sqlite3")
    db.execute("PRAGMA user_version = 999")
    db.close()
    before = _open_fds()
    for _ in range(3):
        with pytest.raises(SoraNotebookError, match="newer"):
            Library(root)
    assert _open_fds() == before
