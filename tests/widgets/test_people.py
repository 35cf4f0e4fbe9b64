"""Who made what, in the view's state: each card's maker, the person filter's choices,
and each person's spend beside the team's in the money line's data."""

from __future__ import annotations

import pytest

from sora_notebook.library import Library
from sora_notebook.widgets.state import people_state

from .conftest import make_job


async def test_the_view_carries_each_jobs_maker_and_each_persons_spend(page, monkeypatch):
    monkeypatch.setenv("SORA_NOTEBOOK_PERSON", "ana")
    p = page()
    studio = p.view.studio
    mine = await p.generate("ana's fox")
    with Library(studio.library.root, person="ben", clock=studio.now) as ben:
        for prompt in ("ben's heron", "ben's crane"):
            key = ben.add_submission(backend="emulator", prompt=prompt, cost=0.4).key
            ben.update(key, status="completed")
            ben.bill(key, 0.4)
    p.view.flush()
    makers = {j["key"]: j["person"] for j in p.view.jobs}
    assert makers[mine] == "ana" and sorted(makers.values()) == ["ana", "ben", "ben"]
    assert p.view.people == [
        {"person": "ana", "jobs": 1, "me": True},
        {"person": "ben", "jobs": 2, "me": False},
    ]
    money = p.view.money
    assert money["person"] == "ana" and money["day"] == "local"  # a folder library's day
    shares = {s["person"]: s for s in money["people"]}
    assert shares["ben"]["total"] == pytest.approx(0.8) and shares["ben"]["today"] > 0
    assert money["total"] == pytest.approx(sum(s["total"] for s in money["people"]))


def test_the_filter_offers_this_person_first_even_without_a_job():
    jobs = [make_job("a", person="ben"), make_job("b", person="cy"), make_job("c", person="cy")]
    jobs.append(make_job("d"))  # made before the library kept people
    assert people_state(jobs, "ana") == [
        {"person": "ana", "jobs": 0, "me": True},
        {"person": "cy", "jobs": 2, "me": False},
        {"person": None, "jobs": 1, "me": False},
        {"person": "ben", "jobs": 1, "me": False},
    ]
