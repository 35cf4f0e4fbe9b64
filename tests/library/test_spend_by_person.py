"""Each person's spend beside the team's, and who made what: from the ledger and the
records, on every store."""

from __future__ import annotations

import time

import pytest

from sora_notebook import Backend, Studio
from sora_notebook.studio.money import PersonSpend

from .conftest import Place

DAY = 86_400.0


def _billed(lib, prompt: str, amount: float) -> str:
    key = lib.add_submission(backend="emulator", prompt=prompt, cost=amount).key
    lib.update(key, status="completed")
    assert lib.bill(key, amount)
    return key


def test_billed_by_person_and_people_count_each_persons_share(place: Place):
    yesterday = time.time() - DAY
    with (
        place.open(person="ana") as ana,
        place.open(person="ben") as ben,
        place.open(person="ben", clock=lambda: yesterday) as ben_yesterday,
    ):
        _billed(ana, "ana's fox", 0.4)
        _billed(ana, "ana's owl", 1.2)
        _billed(ben, "ben's heron", 0.8)
        _billed(ben_yesterday, "ben's old heron", 2.0)
        ben.add_submission(backend="emulator", prompt="ben's unbilled crane")
        assert ana.billed_by_person() == pytest.approx({"ana": 1.6, "ben": 2.8})
        today = ana.day_start(time.time())
        assert ana.billed_by_person(since=today) == pytest.approx({"ana": 1.6, "ben": 0.8})
        assert sum(ana.billed_by_person().values()) == pytest.approx(ana.billed_total())
        assert ana.people() == {"ben": 3, "ana": 2}  # most jobs first
        assert [j.person for j in ana.jobs(person="ana")] == ["ana", "ana"]


def test_charges_from_before_people_are_nobodys_share(place: Place):
    with place.open(person="ana") as lib:
        key = _billed(lib, "a fox", 0.5)
        lib.ledger.restore_charges(
            [{"key": key, "owner": None, "person": None, "at": time.time(), "amount": 0.25}]
        )
        assert lib.billed_by_person() == pytest.approx({"ana": 0.5, None: 0.25})


async def test_a_studio_shows_each_persons_spend_beside_the_teams(place: Place):
    backend = Backend.emulator(render="draft")
    with (
        place.open(person="ana") as ana,
        place.open(person="ben") as ben,
        place.open(person="cy") as cy,
    ):
        _billed(ben, "ben's heron", 0.8)
        _billed(ben, "ben's crane", 0.4)
        _billed(cy, "cy's wren", 0.3)
        async with Studio(backend, library=ana) as studio:
            spend = studio.spend
            assert spend.person == "ana"
            assert spend.day == ("local" if place.kind == "sqlite" else "UTC")
            assert [p.person for p in spend.people] == ["ben", "cy"]  # most spent first
            assert spend.of("ben") == PersonSpend("ben", pytest.approx(1.2), pytest.approx(1.2))
            assert spend.mine == PersonSpend("ana", 0.0, 0.0)  # nothing billed yet
            assert spend.total == pytest.approx(1.5) and spend.today == pytest.approx(1.5)
            assert spend.session == 0.0
            _billed(ana, "ana's fox", 0.5)
            spend = studio.spend
            assert spend.mine.total == pytest.approx(0.5) and spend.total == pytest.approx(2.0)
            assert sum(p.total for p in spend.people) == pytest.approx(spend.total)
    backend.app.state.emulator.close()
