"""Money kept in the library: settings (the budget), what each job was billed, and the
ledger of charges, so spend and budget survive restarts and are shared by every process.

A submission reserves its quote: it is recorded inside the same `BEGIN IMMEDIATE`
transaction that reads what is billed and reserved, so two notebooks sharing a library
cannot both spend the last dollar. A reservation ends when its job is billed.
"""

from __future__ import annotations

import datetime as _dt
import json
import sqlite3
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from sora_notebook.errors import BudgetExceeded, ValidationError

__all__ = ["BUDGET", "DAILY_BUDGET", "Ledger", "Reservation", "local_day_start"]

BUDGET = "budget"
DAILY_BUDGET = "daily_budget"
#: Statuses whose quote is still reserved until they are billed.
_OPEN = "status NOT IN ('completed', 'failed', 'rejected', 'deleted')"
UNKNOWN_COST_MESSAGE = (
    "The price of this request is unknown, so the budget cannot be checked. Set a price in "
    "dollars per second of video (Studio(prices={'MODEL': 0.10}), or studio.prices['MODEL'] "
    "= 0.10), or allow unknown costs with studio.allow_unknown_cost = True."
)


def local_day_start(now: float) -> float:
    """Unix time at which `now`'s local calendar day began (the kernel's machine)."""
    day = _dt.datetime.fromtimestamp(now)
    return day.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


@dataclass(frozen=True)
class Reservation:
    """A quote to hold against the budget (None: unknown, refused unless allowed)."""

    cost: float | None
    allow_unknown: bool = False


class Ledger:
    """Spend and budget methods of `Library` (a mixin over its connection)."""

    _db: sqlite3.Connection
    _lock: threading.RLock
    _clock: Callable[[], float]
    _tx: Callable[[], AbstractContextManager[sqlite3.Connection]]

    # --- settings --------------------------------------------------------------------

    def setting(self, name: str) -> Any:
        """A stored setting (JSON value), None when unset."""
        with self._lock:
            row = self._db.execute("SELECT value FROM settings WHERE name = ?", (name,)).fetchone()
        return None if row is None else json.loads(row[0])

    def set_setting(self, name: str, value: Any) -> None:
        """Store a setting for every studio sharing this library (None removes it)."""
        with self._tx() as db:
            if value is None:
                db.execute("DELETE FROM settings WHERE name = ?", (name,))
            else:
                db.execute(
                    "INSERT INTO settings (name, value) VALUES (?, ?) "
                    "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                    (name, json.dumps(value)),
                )

    # --- reading spend ---------------------------------------------------------------

    def billed_total(self, *, since: float | None = None, owner: str | None = None) -> float:
        """Dollars billed (since a time, for one studio's owner id)."""
        with self._lock:
            return _billed(self._db, since, owner)

    def reserved(self) -> float:
        """Quotes of jobs not billed yet (pending or running)."""
        with self._lock:
            return _reserved(self._db)

    def unknown_costs(self) -> int:
        """Completed jobs whose price is unknown (not counted in any total)."""
        with self._lock:
            row = self._db.execute(
                "SELECT COUNT(*) FROM jobs WHERE status = 'completed' AND billed IS NULL"
            ).fetchone()
        return int(row[0])

    def budget_left(self) -> float | None:
        """Dollars the budget (and the day's budget) leaves after what is billed and
        reserved; None without a budget."""
        return self.budget_state()[0]

    def budget_state(self) -> tuple[float | None, float | None, float]:
        """(left, the budget that binds, what counts against it: billed + reserved);
        (None, None, 0.0) without a budget."""
        with self._lock:
            return _left(self._db, self._clock())

    # --- writing ---------------------------------------------------------------------

    def bill(self, key: str, amount: float | None) -> bool:
        """Record what a finished job was billed, once; False when it already was (or
        `amount` is None: still unknown)."""
        if amount is None:
            return False
        with self._tx() as db:
            cur = db.execute(
                "UPDATE jobs SET billed = ?, updated_at = ? WHERE key = ? AND billed IS NULL",
                (amount, self._clock(), key),
            )
            if cur.rowcount == 0:
                return False
            if amount > 0:
                db.execute(
                    "INSERT INTO ledger (key, owner, at, amount) "
                    "SELECT key, owner, ?, ? FROM jobs WHERE key = ?",
                    (self._clock(), amount, key),
                )
        return True

    def _reserve(self, db: sqlite3.Connection, reservation: Reservation) -> None:
        """Inside the caller's immediate transaction: refuse what the budget cannot hold."""
        left, budget, spent = _left(db, self._clock())
        if left is None or budget is None:
            return
        if reservation.cost is None:
            if not reservation.allow_unknown:
                raise ValidationError(UNKNOWN_COST_MESSAGE, param="budget")
            return
        if reservation.cost > left + 1e-9:
            raise BudgetExceeded(reservation.cost, spent, budget)


def _billed(db: sqlite3.Connection, since: float | None, owner: str | None) -> float:
    sql = "SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE 1 = 1"
    args: list[float | str] = []
    if since is not None:
        sql += " AND at >= ?"
        args.append(since)
    if owner is not None:
        sql += " AND owner = ?"
        args.append(owner)
    return float(db.execute(sql, args).fetchone()[0])


def _reserved(db: sqlite3.Connection) -> float:
    # a negative quote (an archive imported before imports were checked) reserves nothing
    sql = f"SELECT COALESCE(SUM(MAX(cost, 0)), 0) FROM jobs WHERE billed IS NULL AND {_OPEN}"  # noqa: S608
    return float(db.execute(sql).fetchone()[0])


def _setting(db: sqlite3.Connection, name: str) -> float | None:
    row = db.execute("SELECT value FROM settings WHERE name = ?", (name,)).fetchone()
    value = None if row is None else json.loads(row[0])
    return None if value is None else float(value)


def _left(db: sqlite3.Connection, now: float) -> tuple[float | None, float | None, float]:
    """(left, the budget that binds, what counts against it) under both budgets."""
    reserved = _reserved(db)
    best: tuple[float | None, float | None, float] = (None, None, 0.0)
    for name, since in ((BUDGET, None), (DAILY_BUDGET, local_day_start(now))):
        budget = _setting(db, name)
        if budget is None:
            continue
        spent = _billed(db, since, None) + reserved
        left = budget - spent
        if best[0] is None or left < best[0]:
            best = (left, budget, spent)
    return best
