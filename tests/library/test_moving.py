"""`sora-notebook library push/pull`: a folder library moves into a team library and a
subset comes back, and doing it twice changes nothing."""

from __future__ import annotations

import pytest

from sora_notebook.cli import main
from sora_notebook.library import Library
from sora_notebook.protocol import Video

from .conftest import Place

MP4 = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def done(lib: Library, prompt: str, vid: str, **kw) -> str:
    key = lib.add_submission(backend="emulator", prompt=prompt, model="sora-2", **kw).key
    lib.record_video(key, Video.from_dict({"id": vid, "status": "completed", "object": "video"}))
    lib.save_media(key, "video", MP4 + vid.encode())
    return key


def team_words(place: Place) -> list[str]:
    words = ["--team", place.location]
    if place.media is not None:
        words += ["--media", str(place.media)]
    if place.cache is not None:
        words += ["--cache", str(place.cache)]
    return words


def test_push_copies_everything_once_and_pull_takes_a_subset_back(place: Place, tmp_path, capsys):
    if place.kind == "sqlite":  # a second folder stands in for the team library
        place = Place("sqlite", str(tmp_path / "team"), None)
    local = tmp_path / "mine"
    with Library(local, person="ana") as lib:
        fox = done(lib, "a fox", "video_fox", input_reference=PNG)
        owl = done(lib, "an owl", "video_owl", parent_key=fox, edge_kind="remix")
        lib.bill(fox, 0.4)
        lib.annotate(owl, notes="night", tags=["keep"])
        lib.judging.add_preference(owl, fox, False, 5.0)
    assert main(["library", "push", str(local), *team_words(place)]) == 0
    assert "2 jobs copied (0 already there), 3 files, 1 votes, 1 charges" in capsys.readouterr().out
    with place.open(person="ben") as team:
        jobs = {j.key: j for j in team.jobs()}
        assert set(jobs) == {fox, owl} and {j.person for j in jobs.values()} == {"ana"}
        assert jobs[owl].parent_key == fox and jobs[owl].tags == ("keep",)
        assert team.media_path(owl).read_bytes() == MP4 + b"video_owl"
        ref = team.media.inside(jobs[fox].params["input_reference"])
        assert ref is not None and ref.read_bytes() == PNG
        assert team.billed_total(person="ana") == pytest.approx(0.4)
        assert team.judging.preferences() == [(owl, fox, False)]
        assert len(team.snapshots(fox)) == 1
    assert main(["library", "push", str(local), *team_words(place)]) == 0
    assert "0 jobs copied (2 already there), 0 files, 0 votes, 0 charges" in capsys.readouterr().out
    with place.open(person="ben") as team:
        done(team, "ben's heron", "video_heron")
        assert team.billed_total() == pytest.approx(0.4) and len(team.jobs()) == 3
    offline = tmp_path / "offline"
    assert main(["library", "pull", str(offline), *team_words(place), "--person", "ben"]) == 0
    with Library(offline) as lib:
        (heron,) = lib.jobs()
        assert heron.person == "ben" and lib.media_path(heron).read_bytes().endswith(b"heron")


def test_push_without_a_team_library_says_how_to_name_one(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("SORA_NOTEBOOK_LIBRARY", raising=False)
    assert main(["library", "push", str(tmp_path / "mine")]) == 2
    assert "--team URL or SORA_NOTEBOOK_LIBRARY" in capsys.readouterr().err
