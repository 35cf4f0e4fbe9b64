"""One prompt to several targets (backend + model), planned and quoted whole.

Each target is planned by its own backend's planner against the one budget the studio
has, read once: the budget a target sees is what the targets before it left, so the
target that would tip the budget carries the budget problem, and nothing is sent while
any target has a problem.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sora_notebook.studio.money import Purse
from sora_notebook.studio.plans import Plan

__all__ = ["FanOut", "TargetPlan", "after"]


@dataclass(frozen=True)
class TargetPlan:
    """One target's plan: `target` as written back (`"name:model"`), the backend's name,
    the model (None: the backend's default), and its `Plan` (quote, problems, what the
    server cannot do, the size and seconds it was planned with)."""

    target: str
    backend: str
    model: str | None
    plan: Plan

    @property
    def size(self) -> str | None:
        subs = self.plan.submissions
        return subs[0].size if subs else None

    @property
    def seconds(self) -> str | None:
        subs = self.plan.submissions
        return subs[0].seconds if subs else None


@dataclass(frozen=True)
class FanOut:
    """Every target's plan, and the quote of the whole fan-out (None: a price unknown)."""

    targets: tuple[TargetPlan, ...]
    left: float | None

    @property
    def cost(self) -> float | None:
        costs = [t.plan.cost for t in self.targets]
        return None if None in costs else round(sum(c or 0.0 for c in costs), 4)

    @property
    def ok(self) -> bool:
        return all(t.plan.ok for t in self.targets)

    @property
    def problems(self) -> dict[str, dict[str, str]]:
        """Target -> its problems by field (only the targets that have some)."""
        return {t.target: t.plan.problems for t in self.targets if t.plan.problems}

    def raise_first(self) -> None:
        """Raise the first problem of the first target that has one (`problems` names
        the target of each)."""
        for target in self.targets:
            target.plan.raise_first()

    def __str__(self) -> str:
        lines = []
        for t in self.targets:
            cost = "price unknown" if t.plan.cost is None else f"${t.plan.cost:.2f}"
            size = t.size or "the default size"
            shape = f"{size}, {t.seconds} s" if t.seconds else f"{size}, the default length"
            trouble = "; ".join(t.plan.problems.values())
            lines.append(f"{t.target}: {shape}, {cost}" + (f" - {trouble}" if trouble else ""))
        total = "price unknown" if self.cost is None else f"${self.cost:.2f}"
        left = "" if self.left is None else f" (the budget leaves ${self.left:.2f})"
        return "\n".join([*lines, f"in all: {total}{left}"])


def after(purse: Purse, cost: float | None) -> Purse:
    """The purse once `cost` is reserved from it (unchanged without a budget or price)."""
    if purse.left is None or cost is None:
        return purse
    return replace(purse, left=purse.left - cost, counted=purse.counted + cost)
