"""Pure pieces: grids, lineage trees, archive safety."""

from __future__ import annotations

import json
import zipfile

import pytest

from sora_notebook.export import import_archive
from sora_notebook.library import Library
from sora_notebook.library.lineage import build_tree, lineage_of
from sora_notebook.studio.plans import expand_grid


def test_expand_grid():
    assert expand_grid({"prompt": "a", "seconds": [4, 8], "size": ("s1", "s2")}) == [
        {"prompt": "a", "seconds": 4, "size": "s1"},
        {"prompt": "a", "seconds": 4, "size": "s2"},
        {"prompt": "a", "seconds": 8, "size": "s1"},
        {"prompt": "a", "seconds": 8, "size": "s2"},
    ]
    assert expand_grid({"prompt": ["a", "b"]}) == [{"prompt": "a"}, {"prompt": "b"}]


def test_lineage_and_tree_tolerate_missing_parents_and_cycles(tmp_path):
    with Library(tmp_path / "l") as lib:
        a = lib.add_submission(backend="e", prompt="a")
        b = lib.add_submission(backend="e", prompt="b", parent_key=a.key, edge_kind="remix")
        c = lib.add_submission(backend="e", prompt="c", parent_key="gone", edge_kind="edit")
        jobs = {j.key: j for j in lib.jobs()}
    assert [j.key for j in lineage_of(jobs[b.key], jobs)] == [a.key, b.key]
    assert [j.key for j in lineage_of(jobs[c.key], jobs)] == [c.key]
    tree = build_tree(jobs.values())
    assert {j.key for j in tree.roots} == {a.key, c.key}
    looped = {a.key: type(a)(**{**jobs[a.key].__dict__, "parent_key": b.key}), b.key: jobs[b.key]}
    assert len(lineage_of(looped[b.key], looped)) == 2  # stops instead of spinning
    assert build_tree(jobs.values(), root="nope").nodes == {}


def test_import_refuses_members_outside_media(tmp_path):
    archive = tmp_path / "evil.zip"
    record = {
        "key": "k1",
        "video_id": "v",
        "backend": "e",
        "status": "completed",
        "progress": 100,
        "prompt": "p",
        "model": None,
        "size": None,
        "seconds": None,
        "media": {"video": "../escaped.mp4"},
        "tags": [],
    }
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("studio.json", json.dumps({"format": "sora-notebook/1", "jobs": [record]}))
        zf.writestr("../escaped.mp4", b"x")
    with Library(tmp_path / "lib") as lib:
        with pytest.raises(ValueError, match="outside `media/`"):
            import_archive(lib, archive)
        assert not (tmp_path / "escaped.mp4").exists()
        assert lib.find_key("k1") is None
    bad = tmp_path / "other.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("studio.json", json.dumps({"format": "something-else"}))
    with Library(tmp_path / "lib2") as lib, pytest.raises(ValueError):
        import_archive(lib, bad)


def test_the_engine_does_not_import_widgets():
    import subprocess
    import sys

    code = (
        "import sys, sora_notebook.studio; "
        "print(any(m.startswith('sora_notebook.widgets') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
