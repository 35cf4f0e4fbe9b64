"""Pure pieces: submissions and prices, grids, lineage trees, archive safety."""

from __future__ import annotations

import json
import zipfile
from types import SimpleNamespace

import pytest

from sora_notebook.errors import BudgetExceeded, ValidationError
from sora_notebook.export import import_archive
from sora_notebook.library import Library
from sora_notebook.library.lineage import build_tree, lineage_of
from sora_notebook.protocol import Video
from sora_notebook.studio.plans import check_budget, derived, expand_grid, new_video, price

EMU = SimpleNamespace(name="emulator", label="Emulator", check_models=True)
OPEN = SimpleNamespace(name="compatible", label="vLLM", check_models=False, supports_remix=False)


def test_prices():
    assert price("emulator", None, None, None) == pytest.approx(0.4)
    assert price("openai", "sora-2-pro", "1792x1024", "8") == pytest.approx(4.0)
    assert price("compatible", None, None, "4") is None  # a self-hosted model: unknown
    assert price("openai", "wan-2.2", None, "4") is None


def test_check_budget():
    check_budget(0.4, 0.6, 1.0)
    check_budget(None, 100, 1.0)  # unknown price: cannot be judged, not refused
    check_budget(5.0, 0, None)
    with pytest.raises(BudgetExceeded):
        check_budget(0.41, 0.6, 1.0)


def test_new_video_checks_before_anything_is_recorded():
    sub = new_video(EMU, "a fox", seconds=8, extra={"seed": 3})
    assert sub.params == {"prompt": "a fox", "seconds": "8", "seed": 3}
    assert sub.cost == pytest.approx(0.8) and sub.edge_kind is None
    with pytest.raises(ValidationError):
        new_video(EMU, "a fox", size="1024x1792")  # sora-2 does not make it
    with pytest.raises(ValidationError):
        new_video(EMU, "   ")
    with pytest.raises(ValidationError):
        new_video(EMU, "x", extra={"model": "sneaky"})
    with pytest.raises(ValidationError):
        new_video(EMU, "x", edge_kind="remix")  # an edge needs a parent
    open_sub = new_video(OPEN, "x", size="832x480", seconds=5)
    assert open_sub.cost is None and open_sub.size == "832x480"
    url = new_video(EMU, "x", input_reference="https://example.com/a.png")
    assert url.params["input_reference"] == {"image_url": "https://example.com/a.png"}
    assert url.reference is None


def test_derived_needs_a_completed_parent_and_support(tmp_path):
    with Library(tmp_path / "l") as lib:
        job = lib.add_submission(
            backend="emulator", prompt="p", model="sora-2", size="720x1280", seconds="4"
        )
        with pytest.raises(ValidationError, match="completed"):
            derived(EMU, "remix", job, "q")
        done = lib.record_video(job.key, Video.from_dict({"id": "v1", "status": "completed"}))
        sub = derived(EMU, "extend", done, "more", seconds=8)
        assert sub.params == {"prompt": "more", "seconds": "8", "video": {"id": "v1"}}
        assert sub.cost == pytest.approx(0.8) and sub.edge_kind == "extend"
        with pytest.raises(ValidationError, match="cannot remix"):
            derived(OPEN, "remix", done, "q")
        with pytest.raises(ValidationError):
            derived(EMU, "extend", done, "more")


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
        assert import_archive(lib, archive) == 1
        assert not (tmp_path / "escaped.mp4").exists()
        assert lib.media_path(lib.get("k1")) is None
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
