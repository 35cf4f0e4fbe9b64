"""The judging tables: added to an old library by a migration, kept, forgotten with a job."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from sora_notebook import Library
from sora_notebook.errors import ValidationError
from sora_notebook.library.judging import MAX_METRICS_BYTES

from .test_schema import RELEASE_6114E9D


def test_a_first_release_library_gains_the_judging_tables(tmp_path):
    root = tmp_path / "lib"
    shutil.copytree(RELEASE_6114E9D, root)
    with Library(root) as lib:
        records = lib.judging
        done = [j for j in lib.jobs() if j.status == "completed"]
        records.add_preference(done[0].key, done[1].key, False, 1.0)
        records.save_metrics(done[0].key, "v1:x:", {"values": {"brightness": 0.5}}, 2.0)
    with sqlite3.connect(root / "library.sqlite3") as db:
        names = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
    assert {"metrics", "preferences", "jobs_forget_judging"} <= names
    with Library(root) as lib:
        records = lib.judging
        assert records.preferences() == [(done[0].key, done[1].key, False)]
        assert records.load_metrics(done[0].key) == ("v1:x:", {"values": {"brightness": 0.5}})


def test_preferences_filter_and_forget_a_removed_job(place):
    with place.open() as lib:
        keys = [lib.add_submission(prompt=f"p{i}", backend="b").key for i in range(3)]
        records = lib.judging
        records.add_preference(keys[0], keys[1], False, 1.0)
        records.add_preference(keys[1], keys[2], True, 2.0)
        records.save_metrics(keys[1], "s", {"values": {}}, 3.0)
        assert records.preferences([keys[0], keys[1]]) == [(keys[0], keys[1], False)]
        with pytest.raises(ValidationError):
            records.add_preference(keys[0], keys[0], False, 4.0)
        lib.remove(keys[1])
        assert records.preferences() == [] and records.load_metrics(keys[1]) is None


def test_oversized_metrics_are_not_kept(place):
    with place.open() as lib:
        key = lib.add_submission(prompt="p", backend="b").key
        body = {"curves": {"x": [0.123456] * (MAX_METRICS_BYTES // 8)}}
        assert lib.judging.save_metrics(key, "s", body, 1.0) is False
        assert lib.judging.load_metrics(key) is None
