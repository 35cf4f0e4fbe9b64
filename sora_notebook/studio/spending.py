"""The studio's money: prices, the budget kept in the library, what was billed, plans.

`Studio` gets these methods from `Spending`; the checks themselves are made once, in
`plans.make_plan`, and the reservation against the budget in the library.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sora_notebook.client import Backend
from sora_notebook.errors import ValidationError
from sora_notebook.library import Job, Library
from sora_notebook.library.ledger import BUDGET, DAILY_BUDGET
from sora_notebook.studio.money import Spend, price
from sora_notebook.studio.plans import Plan, Purse, Request, make_plan

__all__ = ["Spending"]

JobRef = Job | str


class Spending:
    """Money methods of `Studio`."""

    library: Library
    backend: Backend
    owner: str
    prices: dict[str, float]
    allow_unknown_cost: bool
    _clock: Callable[[], float]
    _resolve: Callable[[JobRef], Job]

    @property
    def spend(self) -> Spend:
        """Billed dollars: all time (this library), today (local day), this session."""
        lib = self.library
        return Spend(
            total=round(lib.billed_total(), 6),
            today=round(lib.billed_total(since=lib.day_start(self._clock())), 6),
            session=round(lib.billed_total(owner=self.owner), 6),
            unknown=lib.unknown_costs(),
        )

    @property
    def spent(self) -> float:
        """Dollars billed for what this studio sent (`spend.session`)."""
        return self.spend.session

    @property
    def budget(self) -> float | None:
        """Dollars every studio sharing this library may spend in all (kept in it)."""
        value = self.library.setting(BUDGET)
        return None if value is None else float(value)

    @budget.setter
    def budget(self, value: float | None) -> None:
        self.library.set_setting(BUDGET, _dollars(value, "budget"))

    @property
    def daily_budget(self) -> float | None:
        """Dollars that may be spent per local calendar day (kept in the library)."""
        value = self.library.setting(DAILY_BUDGET)
        return None if value is None else float(value)

    @daily_budget.setter
    def daily_budget(self, value: float | None) -> None:
        self.library.set_setting(DAILY_BUDGET, _dollars(value, "daily_budget"))

    @property
    def left(self) -> float | None:
        """What the budgets leave after what is billed and reserved (None: no budget)."""
        return self.library.budget_left()

    def estimate(
        self,
        model: str | None = None,
        size: str | None = None,
        seconds: int | str | None = None,
        n: int = 1,
    ) -> float | None:
        """Estimated dollars for `n` videos; None where the price is unknown."""
        one = price(self.backend.name, model, size, seconds, self._prices())
        return None if one is None else round(one * n, 4)

    def _prices(self) -> dict[str, float]:
        return {**(self.backend.prices or {}), **self.prices}

    def _purse(self) -> Purse:
        left, budget, counted = self.library.budget_state()
        return Purse(
            prices=self.prices,
            left=left,
            budget=budget,
            counted=counted,
            allow_unknown_cost=self.allow_unknown_cost,
        )

    def plan(
        self,
        prompt: str,
        *,
        mode: str = "create",
        parent: JobRef | None = None,
        model: str | None = None,
        size: str | None = None,
        seconds: int | str | None = None,
        n: int = 1,
        input_reference: Any = None,
        fit: str = "none",
        edge_kind: str | None = None,
        **params: Any,
    ) -> Plan:
        """Every decision about a request before it is sent: problems by field (with what
        to do), the quote for all `n`, what the budget leaves, how the reference image is
        fitted, and what the server cannot do. `submit` sends the same plan."""
        request = Request(
            prompt=prompt,
            mode=mode,
            parent=None if parent is None else self._resolve(parent),
            model=model,
            size=size,
            seconds=seconds,
            n=n,
            input_reference=input_reference,
            fit=fit,
            edge_kind=edge_kind,
            params=params,
        )
        return make_plan(
            self.backend,
            request,
            self._purse(),
            refused=getattr(self, "_refusals", None),
            models=getattr(self, "_models", ()),
        )


def _dollars(value: float | None, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise ValidationError(f"{name} must be 0 or more (US dollars), or None.", param=name)
    return float(value)
