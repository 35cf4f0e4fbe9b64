"""People: who made each job, note, vote and charge; only your own jobs are removed."""

from __future__ import annotations

import shutil

import pytest

from sora_notebook.errors import ValidationError
from sora_notebook.library.people import ADMINS, NotYours, check_person, current_person
from sora_notebook.protocol import Video

from .conftest import Place
from .test_schema import RELEASE_28DCFE5


def add(lib, prompt: str = "a fox", **kw) -> str:
    return lib.add_submission(backend="emulator", prompt=prompt, model="sora-2", **kw).key


def test_the_person_is_the_override_else_the_hub_user_else_the_os_user():
    assert current_person({"SORA_NOTEBOOK_PERSON": " ana ", "JUPYTERHUB_USER": "hub"}) == "ana"
    assert current_person({"JUPYTERHUB_USER": "hub-ben"}) == "hub-ben"
    assert current_person({}) == current_person({"JUPYTERHUB_USER": "  "}) != ""
    for bad in ("", "   ", "a\nb", "x" * 201):
        with pytest.raises(ValidationError, match="person"):
            check_person(bad)


def test_jobs_notes_votes_and_charges_carry_their_person(place: Place):
    with place.open(person="ana") as ana, place.open(person="ben") as ben:
        mine = add(ana, "ana's fox")
        theirs = add(ben, "ben's owl")
        assert ana.get(mine).person == "ana" and ana.get(theirs).person == "ben"
        assert [j.key for j in ana.jobs(person="ben")] == [theirs]
        noted = ben.annotate(mine, notes="lovely", rating=5)
        assert noted.noted_by == "ben" and noted.person == "ana"  # a note is its writer's
        ana.bill(mine, 0.4)
        ana.bill(theirs, 0.8)
        assert ana.billed_total(person="ana") == pytest.approx(0.4)
        assert ana.billed_total(person="ben") == pytest.approx(0.8)
        assert ana.billed_total() == pytest.approx(1.2)  # the team's
        ana.judging.add_preference(mine, theirs, False, 1.0)
        ben.judging.add_preference(theirs, mine, False, 2.0)
        assert ben.judging.preferences() == [(mine, theirs, False), (theirs, mine, False)]
        assert ben.judging.preferences(person="ben") == [(theirs, mine, False)]


def test_a_person_removes_only_their_own_jobs_unless_admin(place: Place):
    with place.open(person="ana") as ana, place.open(person="ben") as ben:
        key = add(ana)
        ana.save_media(key, "thumbnail", b"RIFF....WEBP")
        with pytest.raises(NotYours, match="made by 'ana'"):
            ben.remove(key)
        assert ben.get(key).person == "ana" and ana.media_path(key, "thumbnail") is not None
        ana.set_setting(ADMINS, ["cleo"])
        with place.open(person="cleo") as cleo:
            assert cleo.remove(key) is not None  # named an admin in the library
        other = add(ana)
        with place.open(person="dan", admin=True) as dan:
            assert dan.remove(other) is not None
        assert ben.remove(add(ben)) is not None  # one's own
        listed = ana.import_video(
            Video.from_dict({"id": "video_listed", "status": "completed", "object": "video"}),
            backend="emulator",
        )[0]
        assert ben.remove(listed.key) is not None  # a server's listing is no one's work


def test_jobs_from_before_people_belong_to_no_one(tmp_path):
    root = tmp_path / "lib"
    shutil.copytree(RELEASE_28DCFE5, root)
    with Place("sqlite", str(root), None).open(person="ana") as lib:
        jobs = lib.jobs()
        assert {j.person for j in jobs} == {None} and {j.noted_by for j in jobs} == {None}
        assert lib.billed_total(person="ana") == 0 and lib.billed_total() > 0
        assert lib.remove(jobs[0].key) is not None
