"""Money in the library: billing once, the ledger, settings, reservations under a budget."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import shutil
import sqlite3
from pathlib import Path

import pytest

from sora_notebook.errors import BudgetExceeded, ValidationError
from sora_notebook.library import Library
from sora_notebook.library.ledger import BUDGET, DAILY_BUDGET, Reservation, local_day_start
from sora_notebook.library.postgres import PostgresStore

from .conftest import Place

FIXTURE = Path(__file__).parent / "fixtures" / "library-6114e9d"
T0 = 1_900_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def add(lib: Library, cost: float | None, **kw) -> str:
    fields = {"backend": "emulator", "prompt": "a fox", "model": "sora-2", "cost": cost}
    return lib.add_submission(**fields, **kw).key


def test_billing_is_recorded_once_and_survives_removal(place):
    clock = Clock()
    with place.open(clock=clock) as lib:
        key = add(lib, 0.4, owner="me")
        assert lib.reserved() == pytest.approx(0.4)
        assert lib.bill(key, 0.4) is True
        assert lib.bill(key, 0.4) is False  # once
        assert lib.get(key).billed == 0.4
        lib.remove(key)
        assert lib.billed_total() == pytest.approx(0.4)  # spend outlives the job
        assert lib.billed_total(owner="me") == pytest.approx(0.4)
        assert lib.billed_total(owner="someone else") == 0
        assert lib.reserved() == 0


def test_a_zero_bill_ends_the_reservation_without_a_charge(place):
    with place.open() as lib:
        key = add(lib, 0.8)
        lib.update(key, status="failed")
        assert lib.reserved() == 0  # a failed job holds nothing, billed or not
        lib.bill(key, 0.0)
        assert lib.get(key).billed == 0.0 and lib.billed_total() == 0


def test_settings_are_shared_and_cleared(place):
    with place.open() as a, place.open() as b:
        a.set_setting(BUDGET, 5.0)
        assert b.setting(BUDGET) == 5.0
        b.set_setting(BUDGET, None)
        assert a.setting(BUDGET) is None


def test_reservation_refuses_past_the_budget_with_numbers(place):
    with place.open() as lib:
        lib.set_setting(BUDGET, 1.0)
        first = add(lib, 0.8)
        lib.bill(first, 0.8)
        with pytest.raises(BudgetExceeded) as caught:
            add(lib, 0.4, reserve=Reservation(0.4))
        assert (caught.value.cost, caught.value.spent, caught.value.budget) == (0.4, 0.8, 1.0)
        assert len(lib.jobs()) == 1  # nothing recorded
        add(lib, 0.2, reserve=Reservation(0.2))
        assert lib.budget_left() == pytest.approx(0.0)


def test_unknown_cost_is_refused_under_a_budget_unless_allowed(place):
    with place.open() as lib:
        add(lib, None, reserve=Reservation(None))  # no budget: nothing to check
        lib.set_setting(BUDGET, 1.0)
        with pytest.raises(ValidationError, match="allow_unknown_cost"):
            add(lib, None, reserve=Reservation(None))
        add(lib, None, reserve=Reservation(None, allow_unknown=True))
        assert len(lib.jobs()) == 2


def test_daily_budget_counts_only_today(place):
    clock = Clock()
    with place.open(clock=clock) as lib:
        lib.set_setting(DAILY_BUDGET, 1.0)
        old = add(lib, 0.8)
        lib.bill(old, 0.8)
        with pytest.raises(BudgetExceeded):
            add(lib, 0.4, reserve=Reservation(0.4))
        clock.now = lib.store.day_start(T0) + 86_400 + 3600  # the store's next day
        add(lib, 0.4, reserve=Reservation(0.4))
        assert lib.billed_total(since=lib.store.day_start(clock.now)) == 0


def test_local_day_start_is_local_midnight():
    start = dt.datetime.fromtimestamp(local_day_start(T0))
    assert (start.hour, start.minute, start.second) == (0, 0, 0)
    assert start.date() == dt.datetime.fromtimestamp(T0).date()


def test_a_team_store_day_is_the_utc_day():
    start = PostgresStore.day_start(None, T0)  # type: ignore[arg-type]  # no connection needed
    assert start % 86_400 == 0 and 0 <= T0 - start < 86_400


def _spend_last_dollar(place: Place, ready, go, out) -> None:
    with place.open(busy_timeout=10) as lib:
        ready.set()
        go.wait()
        try:
            add(lib, 1.0, reserve=Reservation(1.0))
            out.put("sent")
        except BudgetExceeded:
            out.put("refused")


@pytest.mark.slow
def test_two_processes_cannot_both_spend_the_last_dollar(place):
    with place.open() as lib:
        lib.set_setting(BUDGET, 1.0)
    ctx = multiprocessing.get_context("spawn")
    go, out = ctx.Event(), ctx.Queue()
    readies = [ctx.Event() for _ in range(2)]
    procs = [ctx.Process(target=_spend_last_dollar, args=(place, r, go, out)) for r in readies]
    for p in procs:
        p.start()
    for r in readies:
        assert r.wait(30)
    go.set()
    results = sorted(out.get(timeout=30) for _ in procs)
    for p in procs:
        p.join(30)
    assert results == ["refused", "sent"]
    with place.open() as lib:
        assert lib.reserved() == pytest.approx(1.0)


def test_the_first_release_library_gets_its_spend_from_its_records(tmp_path):
    root = tmp_path / "lib"
    shutil.copytree(FIXTURE, root)
    with sqlite3.connect(root / "library.sqlite3") as db:
        rows = db.execute("SELECT status, cost FROM jobs").fetchall()
    completed = sum(c or 0 for s, c in rows if s == "completed")
    assert completed > 0 and any(s == "failed" and c for s, c in rows)  # a quoted failure
    with Library(root) as lib:
        jobs = lib.jobs()
        assert {j.status: j.billed for j in jobs if j.status != "completed"} == {"failed": 0.0}
        assert all(j.billed == j.cost for j in jobs if j.status == "completed")
        assert lib.billed_total() == pytest.approx(completed)
        assert lib.setting(BUDGET) is None
