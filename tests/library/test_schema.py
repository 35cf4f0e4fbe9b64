"""The library is versioned: an older library opens, migrates once, and keeps everything."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from sora_notebook import Library, SoraNotebookError
from sora_notebook.library import files, schema

FIXTURES = Path(__file__).parent / "fixtures"
RELEASE_6114E9D = FIXTURES / "library-6114e9d"  # made by make_library_6114e9d.py at 6114e9d


@pytest.fixture
def old_library(tmp_path: Path) -> Path:
    root = tmp_path / "lib"
    shutil.copytree(RELEASE_6114E9D, root)
    return root


def _version(root: Path) -> int:
    with sqlite3.connect(root / "library.sqlite3") as db:
        return int(db.execute("PRAGMA user_version").fetchone()[0])


def test_a_library_of_the_first_release_opens_and_is_migrated(old_library):
    assert _version(old_library) == 0
    with Library(old_library) as lib:
        jobs = lib.jobs()
        assert sorted(j.status for j in jobs) == ["completed", "completed", "failed"]
        done = [j for j in jobs if j.status == "completed"]
        for job in done:
            path = lib.media_path(job)
            assert path is not None and files.sha256_file(path) == job.sha256
        (rated,) = [j for j in jobs if j.rating is not None]
        assert (rated.rating, rated.notes, rated.tags) == (4, "keeper <b>bold</b>", ("fox",))
        (child,) = [j for j in jobs if j.parent_key]
        assert child.edge_kind == "remix" and child.parent_key in {j.key for j in done}
        assert lib.check() == "ok"
    assert _version(old_library) == schema.SCHEMA_VERSION


def test_migrating_twice_changes_nothing(old_library):
    Library(old_library).close()
    with sqlite3.connect(old_library / "library.sqlite3") as db:
        before = db.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
    Library(old_library).close()
    with sqlite3.connect(old_library / "library.sqlite3") as db:
        assert db.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall() == before


def test_a_library_from_a_newer_version_is_refused_clearly(tmp_path):
    Library(tmp_path / "lib").close()
    with sqlite3.connect(tmp_path / "lib" / "library.sqlite3") as db:
        db.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    with pytest.raises(SoraNotebookError, match="newer sora-notebook"):
        Library(tmp_path / "lib")
