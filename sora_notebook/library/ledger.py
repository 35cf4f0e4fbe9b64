"""Money kept in the library: settings (the budget), what each job was billed, and the
ledger of charges, so spend and budget survive restarts and are shared by every process.

A submission reserves its quote: it is recorded inside the same write transaction that
reads what is billed and reserved (writers take turns), so two notebooks sharing a
library cannot both spend the last dollar. A reservation ends when its job is billed.
The daily budget counts from the start of the store's day (`Store.day_start`).
"""

from __future__ import annotations

import datetime as _dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sora_notebook.errors import BudgetExceeded, ValidationError

if TYPE_CHECKING:
    from sora_notebook.library.store import Db, Store

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


_CHARGE = ("key", "owner", "person", "at", "amount")


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
    """Spend and budget of one store (`Library.ledger`)."""

    def __init__(self, store: Store, *, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self._clock = clock

    # --- settings --------------------------------------------------------------------

    def setting(self, name: str) -> Any:
        """A stored setting (JSON value), None when unset."""
        with self.store.read() as db:
            row = db.execute("SELECT value FROM settings WHERE name = ?", (name,)).fetchone()
        return None if row is None else json.loads(row[0])

    def set_setting(self, name: str, value: Any) -> None:
        """Store a setting for every studio sharing this library (None removes it)."""
        with self.store.write() as db:
            if value is None:
                db.execute("DELETE FROM settings WHERE name = ?", (name,))
            else:
                db.execute(
                    "INSERT INTO settings (name, value) VALUES (?, ?) "
                    "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                    (name, json.dumps(value)),
                )

    # --- reading spend ---------------------------------------------------------------

    def billed_total(
        self, *, since: float | None = None, owner: str | None = None, person: str | None = None
    ) -> float:
        """Dollars billed (since a time, for one studio's owner id, for one person)."""
        with self.store.read() as db:
            return _billed(db, since, owner, person)

    def billed_by_person(self, *, since: float | None = None) -> dict[str | None, float]:
        """Dollars billed per person who made the job (since a time); None: charges
        recorded before people were (a library made before step 5)."""
        sql = "SELECT person, COALESCE(SUM(amount), 0) FROM ledger"
        args: list[float] = []
        if since is not None:
            sql += " WHERE at >= ?"
            args.append(since)
        with self.store.read() as db:
            rows = db.execute(sql + " GROUP BY person", args).fetchall()
        return {row[0]: float(row[1]) for row in rows}

    def reserved(self) -> float:
        """Quotes of jobs not billed yet (pending or running)."""
        with self.store.read() as db:
            return _reserved(db)

    def unknown_costs(self) -> int:
        """Completed jobs whose price is unknown (not counted in any total)."""
        with self.store.read() as db:
            row = db.execute(
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
        with self.store.read() as db:
            return _left(db, self.store.day_start(self._clock()))

    # --- writing ---------------------------------------------------------------------

    def bill(self, key: str, amount: float | None) -> bool:
        """Record what a finished job was billed, once; False when it already was (or
        `amount` is None: still unknown)."""
        if amount is None:
            return False
        with self.store.write() as db:
            cur = db.execute(
                "UPDATE jobs SET billed = ?, updated_at = ? WHERE key = ? AND billed IS NULL",
                (amount, self._clock(), key),
            )
            if cur.rowcount == 0:
                return False
            if amount > 0:
                db.execute(
                    "INSERT INTO ledger (key, owner, person, at, amount) "
                    "SELECT key, owner, person, ?, ? FROM jobs WHERE key = ?",
                    (self._clock(), amount, key),
                )
        return True

    def charges(self, key: str) -> list[dict[str, Any]]:
        """The ledger's charges for job `key` (owner, person, at, amount)."""
        with self.store.read() as db:
            rows = db.execute(
                "SELECT key, owner, person, at, amount FROM ledger WHERE key = ? ORDER BY id",
                (key,),
            ).fetchall()
        return [{name: row[name] for name in _CHARGE} for row in rows]

    def restore_charges(self, charges: list[dict[str, Any]]) -> int:
        """Add charges copied from another library as they were; returns how many."""
        with self.store.write() as db:
            for charge in charges:
                db.execute(
                    "INSERT INTO ledger (key, owner, person, at, amount) VALUES (?, ?, ?, ?, ?)",
                    [charge[name] for name in _CHARGE],
                )
        return len(charges)

    def reserve(self, db: Db, reservation: Reservation) -> None:
        """Inside the caller's write transaction: refuse what the budget cannot hold."""
        left, budget, spent = _left(db, self.store.day_start(self._clock()))
        if left is None or budget is None:
            return
        if reservation.cost is None:
            if not reservation.allow_unknown:
                raise ValidationError(UNKNOWN_COST_MESSAGE, param="budget")
            return
        if reservation.cost > left + 1e-9:
            raise BudgetExceeded(reservation.cost, spent, budget)


def _billed(db: Db, since: float | None, owner: str | None, person: str | None = None) -> float:
    sql = "SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE 1 = 1"
    args: list[float | str] = []
    if since is not None:
        sql += " AND at >= ?"
        args.append(since)
    if owner is not None:
        sql += " AND owner = ?"
        args.append(owner)
    if person is not None:
        sql += " AND person = ?"
        args.append(person)
    return float(db.execute(sql, args).fetchone()[0])


def _reserved(db: Db) -> float:
    # a negative quote (an archive imported before imports were checked) reserves nothing
    sql = (
        "SELECT COALESCE(SUM(CASE WHEN cost > 0 THEN cost ELSE 0 END), 0) "  # noqa: S608
        f"FROM jobs WHERE billed IS NULL AND {_OPEN}"
    )
    return float(db.execute(sql).fetchone()[0])


def _setting(db: Db, name: str) -> float | None:
    row = db.execute("SELECT value FROM settings WHERE name = ?", (name,)).fetchone()
    value = None if row is None else json.loads(row[0])
    return None if value is None else float(value)


def _left(db: Db, day_start: float) -> tuple[float | None, float | None, float]:
    """(left, the budget that binds, what counts against it) under both budgets."""
    reserved = _reserved(db)
    best: tuple[float | None, float | None, float] = (None, None, 0.0)
    for name, since in ((BUDGET, None), (DAILY_BUDGET, day_start)):
        budget = _setting(db, name)
        if budget is None:
            continue
        spent = _billed(db, since, None) + reserved
        left = budget - spent
        if best[0] is None or left < best[0]:
            best = (left, budget, spent)
    return best
