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


def test_the_migration_keeps_old_file_names_and_records_their_hashes(old_library):
    with Library(old_library) as lib:
        for job in lib.jobs(status="completed"):
            assert job.media["video"] == f"media/{job.video_id}.mp4"
            assert job.hashes == {"video": job.sha256}


def test_the_migration_undoes_a_file_two_backends_shared(old_library):
    """The first release named media by id alone: a second backend's job with the same
    id overwrote the first's file. The job whose bytes are gone downloads again."""
    db = sqlite3.connect(old_library / "library.sqlite3")
    owner = db.execute(
        "SELECT * FROM jobs WHERE status = 'completed' AND parent_key IS NULL"
    ).fetchone()
    names = [d[0] for d in db.execute("SELECT * FROM jobs").description]
    twin = dict(zip(names, owner, strict=True))
    twin.update(key="twin", backend_url="http://other.test/v1", sha256="0" * 64)
    db.execute(
        f"INSERT INTO jobs ({', '.join(twin)}) VALUES ({', '.join('?' * len(twin))})",
        list(twin.values()),
    )
    db.commit()
    db.close()
    with Library(old_library) as lib:
        kept = lib.get(owner[0])
        assert lib.media_path(kept) is not None
        assert files.sha256_file(lib.media_path(kept)) == kept.sha256
        lost = lib.get("twin")
        assert lost.media == {} and lost.sha256 is None and lost.hashes == {}


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


RELEASE_28DCFE5 = FIXTURES / "library-28dcfe5"  # made by make_library_28dcfe5.py at 28dcfe5


def test_a_library_of_schema_4_opens_with_its_money_and_judging(tmp_path):
    root = tmp_path / "lib"
    shutil.copytree(RELEASE_28DCFE5, root)
    with Library(root) as lib:
        jobs = lib.jobs()
        assert sorted(j.status for j in jobs) == ["completed", "completed", "failed"]
        for job in lib.jobs(status="completed"):
            path = lib.media_path(job)
            assert path is not None and files.sha256_file(path) == job.sha256
        assert lib.setting("budget") == 5.0
        assert lib.billed_total() == pytest.approx(0.8) and lib.reserved() == 0
        assert lib.budget_left() == pytest.approx(4.2)
        (night,) = [j for j in jobs if j.parent_key]
        (fox,) = [j for j in jobs if j.key == night.parent_key]
        assert lib.judging.preferences() == [(night.key, fox.key, False)]
        cached = lib.judging.load_metrics(fox.key)
        assert cached is not None and cached[1] == {"values": {"brightness": 0.5}}
        assert lib.check() == "ok"
