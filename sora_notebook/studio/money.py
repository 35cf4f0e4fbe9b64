"""What a request costs, what was billed, and what the budget leaves: the `Wallet`.

Prices, in the order they win: the cost the server reported for a job (its dialect's
`reported_cost`, read here and nowhere else), a price per model the person set on the
studio (`Studio(prices={"my-model": 0.05})`, dollars per second of video), one set on the
backend (`Backend.prices`), then OpenAI's published table, for backends that run OpenAI's
models (`Backend.check_models`; a request without a model is then OpenAI's default).
Anything else is unknown, never zero.

Billing: a completed job is billed the cost its server reported (at any answer, the
create's included: that one is kept with the job's state and in the library's snapshots)
or else its quote; a failed one too where its dialect says failed jobs are billed
(`Dialect.failed_jobs_billed`), else $0, like a refused or lost one. Sources: OpenAI's
Video API relays say failed tasks are not billed (APIYI: "failed tasks are not charged",
docs.apiyi.com/ko/api-capabilities/sora-2/overview; APIMart: "a task marked failed is
refunded", github.com/apimartcz9/sora-2-prompt-gallery/wiki); self-hosted servers
(vLLM-Omni, SGLang) bill nothing themselves.

The budget is the library's (one for every studio sharing it): `Wallet.purse()` reads it
once per submit; the reservation in the library's transaction is the final word.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sora_notebook.client import Backend
from sora_notebook.errors import BudgetExceeded, SoraNotebookError, ValidationError
from sora_notebook.library import Job, Library
from sora_notebook.library.ledger import BUDGET, DAILY_BUDGET, UNKNOWN_COST_MESSAGE
from sora_notebook.protocol import COMPLETED, DEFAULT_SECONDS, FAILED, MODELS, Video, estimate_cost

__all__ = [
    "PersonSpend",
    "Purse",
    "Quote",
    "Spend",
    "Wallet",
    "bill",
    "budget_problem",
    "dollars",
    "price",
    "total",
]


@dataclass(frozen=True)
class PersonSpend:
    """Dollars billed for the jobs one person made: all time and today. `person` None:
    charges recorded before the library kept people."""

    person: str | None
    total: float
    today: float


@dataclass(frozen=True)
class Spend:
    """Billed dollars: all time in this library, today (the library's day: the local
    calendar day, a team store's UTC day), and this studio's session. `unknown`:
    completed jobs whose price is unknown (not counted). `person`: who this studio works
    as; `people`: each person's share of `total` and `today`, most spent first (their
    sums are the team's). `day`: whose day `today` is, "local" or "UTC" (a team's)."""

    total: float
    today: float
    session: float
    unknown: int = 0
    person: str | None = None
    people: tuple[PersonSpend, ...] = ()
    day: str = "local"

    def of(self, person: str | None) -> PersonSpend:
        """One person's share (nothing billed: zeros)."""
        for share in self.people:
            if share.person == person:
                return share
        return PersonSpend(person, 0.0, 0.0)

    @property
    def mine(self) -> PersonSpend:
        """This studio's person's share (every studio they run, on any machine)."""
        return self.of(self.person)


@dataclass(frozen=True)
class Purse:
    """What the money checks of a plan need: prices (model -> $/s, merged once), what the
    budget leaves (None: no budget), the budget that binds and what counts against it
    (billed + reserved), and the unknown-price rule."""

    prices: Mapping[str, float]
    left: float | None = None
    budget: float | None = None
    counted: float = 0.0
    allow_unknown_cost: bool = False


@dataclass(frozen=True)
class Quote:
    """The cost of what is about to be sent, shown before anything is spent."""

    what: str
    n: int
    cost: float | None
    spent: float
    budget: float | None

    def __str__(self) -> str:
        videos = "1 video" if self.n == 1 else f"{self.n} videos"
        cost = "price unknown" if self.cost is None else f"estimated ${self.cost:.2f}"
        budget = "" if self.budget is None else f" of the ${self.budget:.2f} budget"
        return f"{self.what}: {videos}, {cost} (spent ${self.spent:.2f}{budget})"


def price(
    model: str | None,
    size: str | None,
    seconds: int | str | None,
    prices: Mapping[str, float] | None = None,
    *,
    table_default: bool = True,
) -> float | None:
    """Dollars for one video; None where the price is unknown.

    `prices` maps a model to dollars per second of video (the person's own prices win
    over the published table). `table_default`: a request without a model runs OpenAI's
    default model (so the table prices it)."""
    secs = _seconds(seconds)
    if prices and secs is not None:
        rate = prices.get(model or "") if model else prices.get("")
        if rate is not None:
            return round(float(rate) * secs, 4)
    if model is None and not table_default:
        return None
    if model is not None and model not in MODELS:
        return None
    return estimate_cost(model, size, seconds)


def _seconds(seconds: int | str | None) -> int | None:
    text = str(DEFAULT_SECONDS if seconds is None else seconds).strip()
    return int(text) if text.isdigit() else None


def total(costs: Iterable[float | None]) -> float | None:
    """The price of several requests: their sum, None when any one is unknown."""
    listed = list(costs)
    if any(c is None for c in listed):
        return None
    return round(sum(c or 0.0 for c in listed), 4)


def budget_problem(cost: float | None, purse: Purse) -> SoraNotebookError | None:
    """Why `cost` may not be sent under `purse`'s budget (None: it may): over what is
    left (`BudgetExceeded`), or unknown while a budget is set and unknown costs are not
    allowed (`ValidationError`)."""
    if purse.left is None:
        return None
    if cost is None:
        if purse.allow_unknown_cost:
            return None
        return ValidationError(UNKNOWN_COST_MESSAGE, param="budget")
    if cost > purse.left + 1e-9:
        budget = purse.budget if purse.budget is not None else purse.left + purse.counted
        return BudgetExceeded(cost, purse.counted, budget)
    return None


def bill(
    status: str, quote: float | None, server: float | None, *, failed_billed: bool = False
) -> float | None:
    """What a job that ended with `status` was billed: None while unknown."""
    if status == COMPLETED or (status == FAILED and failed_billed):
        return server if server is not None else quote
    return 0.0


def dollars(value: float | None, name: str) -> float | None:
    """A budget as given: None, or a finite number of dollars, 0 or more."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise ValidationError(f"{name} must be 0 or more (US dollars), or None.", param=name)
    return float(value)


class Wallet:
    """Prices, the budget, spend and billing for one studio over its library."""

    def __init__(
        self,
        library: Library,
        backend: Backend,
        *,
        owner: str,
        clock: Callable[[], float],
        prices: Mapping[str, float] | None = None,
        allow_unknown_cost: bool = False,
    ) -> None:
        self.library = library
        self.backend = backend
        self.owner = owner
        self.clock = clock
        self.prices: dict[str, float] = dict(prices or {})
        self.allow_unknown_cost = allow_unknown_cost

    # --- prices ----------------------------------------------------------------------

    def rates(self) -> dict[str, float]:
        """Model -> $/s: the backend's prices, then the person's (which win)."""
        return {**(self.backend.prices or {}), **self.prices}

    def estimate(
        self, model: str | None, size: str | None, seconds: int | str | None, n: int = 1
    ) -> float | None:
        rates, table = self.rates(), self.backend.check_models
        one = price(model, size, seconds, rates, table_default=table)
        return None if one is None else round(one * n, 4)

    def purse(self, *, budget: bool = True) -> Purse:
        """Prices and (with `budget`) the budget's state, read once."""
        left, binding, counted = self.library.budget_state() if budget else (None, None, 0.0)
        return Purse(
            prices=self.rates(),
            left=left,
            budget=binding,
            counted=counted,
            allow_unknown_cost=self.allow_unknown_cost,
        )

    def quote(self, what: str, n: int, cost: float | None, purse: Purse) -> Quote:
        """The quote shown before sending, from the purse the plan was made with."""
        spent = purse.counted if purse.budget is not None else self.spend.session
        return Quote(what, n, cost, spent, purse.budget)

    def quote_whole(
        self, what: str, costs: Sequence[float | None], purse: Purse | None = None
    ) -> Quote:
        """Several jobs (a storyboard, a fan-out) quoted as one before any is sent: their
        `total`, checked against the budget (raises `budget_problem`). Nothing is held:
        each job reserves its own quote in the library as it is sent."""
        purse = self.purse() if purse is None else purse
        cost = total(costs)
        problem = budget_problem(cost, purse)
        if problem is not None:
            raise problem
        return self.quote(what, len(costs), cost, purse)

    # --- the budget and what was spent -----------------------------------------------

    @property
    def spend(self) -> Spend:
        """The team's spend and each person's, from the library's ledger."""
        lib = self.library
        total = lib.billed_by_person()
        today = lib.billed_by_person(since=lib.day_start(self.clock()))
        people = [
            PersonSpend(person, round(dollars, 6), round(today.get(person, 0.0), 6))
            for person, dollars in total.items()
        ]
        people.sort(key=lambda p: (-p.total, p.person or ""))
        return Spend(
            total=round(sum(total.values()), 6),
            today=round(sum(today.values()), 6),
            session=round(lib.billed_total(owner=self.owner), 6),
            unknown=lib.unknown_costs(),
            person=lib.person,
            people=tuple(people),
            day=lib.store.day,
        )

    @property
    def budget(self) -> float | None:
        return _float(self.library.setting(BUDGET))

    @budget.setter
    def budget(self, value: float | None) -> None:
        self.library.set_setting(BUDGET, dollars(value, "budget"))

    @property
    def daily_budget(self) -> float | None:
        return _float(self.library.setting(DAILY_BUDGET))

    @daily_budget.setter
    def daily_budget(self, value: float | None) -> None:
        self.library.set_setting(DAILY_BUDGET, dollars(value, "daily_budget"))

    # --- billing ----------------------------------------------------------------------

    def reported(self, video: Video | None) -> float | None:
        """USD the server says it charged, as its dialect reads the answer."""
        return None if video is None else self.backend.dialect.reported_cost(video.raw)

    def kept_report(self, job: Job) -> float | None:
        """A cost reported in an earlier answer about `job` (the create's, typically),
        as the library keeps the answers; the newest wins."""
        costs = [self._body_cost(s.get("body")) for s in self.library.snapshots(job.key)]
        found = [c for c in costs if c is not None]
        return found[-1] if found else None

    def _body_cost(self, body: Any) -> float | None:
        if not isinstance(body, Mapping) or not body.get("id"):
            return None
        return self.reported(Video.from_dict(body))

    def bill(self, job: Job, video: Video | None, kept: float | None = None) -> Job:
        """Record what an ended job was billed: the server's reported cost (this answer's,
        else `kept`, else one the library kept), else its quote; see `bill`."""
        server = self.reported(video)
        if server is None:
            server = kept if kept is not None else self.kept_report(job)
        amount = bill(
            job.status, job.cost, server, failed_billed=self.backend.dialect.failed_jobs_billed
        )
        if self.library.bill(job.key, amount):
            return self.library.get(job.key)
        return job


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
