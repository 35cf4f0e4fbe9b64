"""One home for every decision about a request, taken before anything is sent.

`Planner.plan` checks a request the way the server would (prompt, model, size, seconds,
n), decodes and fits its reference image once, asks the backend whether it can do the
mode at all (remix, edit, extend), prices it and compares the price with what the budget
leaves. The result is a `Plan`: every problem by field with a message that says what to
do, the quote, what is left, how the reference image will be fitted, and which actions
the server cannot do. The panel draws a plan; `Studio.submit` builds the same plan and
sends what it holds, or raises its first problem. Nothing else validates a request.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sora_notebook.client import Backend
from sora_notebook.client.dialects import ModelInfo
from sora_notebook.errors import SoraNotebookError, ValidationError
from sora_notebook.library import EDGE_KINDS, Job, safe_backend_url
from sora_notebook.protocol import (
    DEFAULT_SIZE,
    normalize_seconds,
    validate_create,
)
from sora_notebook.studio.capabilities import CapabilityBook, server_problems
from sora_notebook.studio.fitting import ReferenceFit, fit_reference_for
from sora_notebook.studio.money import Purse, Quote, Wallet, budget_problem, price

__all__ = [
    "MODES",
    "Plan",
    "Planner",
    "Purse",
    "Quote",
    "ReferenceFit",
    "Request",
    "Submission",
    "expand_grid",
    "make_plan",
]

MODES = ("create", "remix", "edit", "extend")
#: Most videos one plan may hold (the API has no `n`: each is its own request).
MAX_N = 100
_OPEN_MODEL = "\0open"  # a model no table knows: check the form of size/seconds only
_RESERVED = frozenset({"prompt", "model", "size", "seconds", "input_reference", "video"})
Mode = Literal["create", "remix", "edit", "extend"]


@dataclass(frozen=True)
class Submission:
    """One request as it will be recorded and sent."""

    endpoint: str
    prompt: str
    model: str | None
    size: str | None
    seconds: str | None
    params: dict[str, Any]
    cost: float | None
    reference: bytes | None = field(default=None, repr=False)
    parent_key: str | None = None
    edge_kind: str | None = None


@dataclass(frozen=True)
class Plan:
    """Everything decided about a request before it is sent.

    `ok` when `problems` is empty. `problems`: field -> what to do (fields among prompt,
    model, size, seconds, n, input_reference, parent, budget). `cost`: the quote for all
    `n` (None: unknown). `left`: what the budget left before this (None: no budget).
    `reference`: how the image is fitted. `disabled`: action -> why the server cannot.
    """

    ok: bool
    problems: dict[str, str]
    cost: float | None
    left: float | None
    reference: ReferenceFit | None
    disabled: dict[str, str]
    submissions: tuple[Submission, ...] = field(default=(), repr=False, compare=False)
    errors: tuple[SoraNotebookError, ...] = field(default=(), repr=False, compare=False)

    def raise_first(self) -> None:
        """Raise the first problem (`ValidationError`, `BudgetExceeded`), if any."""
        if self.errors:
            raise self.errors[0]


@dataclass(frozen=True)
class Request:
    """What a person asked for (the arguments of `Studio.plan`)."""

    prompt: str
    mode: str = "create"
    parent: Job | None = None
    model: str | None = None
    size: str | None = None
    seconds: int | str | None = None
    n: int = 1
    input_reference: Any = None
    fit: str = "none"
    edge_kind: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)


#: The fields a problem can be about, in the order `submit` reports them.
FIELDS = ("prompt", "model", "size", "seconds", "n", "input_reference", "parent", "budget")


class _Checks:
    """Collects problems by field instead of stopping at the first."""

    def __init__(self) -> None:
        self.found: dict[str, SoraNotebookError] = {}

    def add(self, name: str, exc: SoraNotebookError) -> None:
        self.found.setdefault(name, exc)

    @property
    def problems(self) -> dict[str, str]:
        return {name: str(self.found[name]) for name in FIELDS if name in self.found}

    @property
    def errors(self) -> tuple[SoraNotebookError, ...]:
        return tuple(self.found[name] for name in FIELDS if name in self.found)


class Planner:
    """Plans requests for one studio: its backend, the wallet's prices and budget, what
    the server can do, and its model catalogue once read (`models`)."""

    def __init__(self, backend: Backend, wallet: Wallet, capabilities: CapabilityBook) -> None:
        self.backend = backend
        self.wallet = wallet
        self.capabilities = capabilities
        self.models: list[ModelInfo] = []

    def plan(self, request: Request, purse: Purse | None = None) -> Plan:
        """Check, fit and price `request` against `purse` (default: the wallet's now)."""
        purse = self.wallet.purse() if purse is None else purse
        return _plan(self.backend, request, purse, self.capabilities.disabled(), self.models)


def make_plan(
    backend: Backend,
    request: Request,
    purse: Purse,
    *,
    refused: Mapping[str, str] | None = None,
    models: Sequence[ModelInfo] = (),
) -> Plan:
    """Check, fit and price `request` on `backend` without a studio; see `Plan`.
    `refused`: actions the server refused (action -> why); `models`: its catalogue."""
    book = CapabilityBook(backend)
    book.refusals.update(refused or {})
    return _plan(backend, request, purse, book.disabled(), models)


def _plan(
    backend: Backend,
    request: Request,
    purse: Purse,
    disabled: dict[str, str],
    models: Sequence[ModelInfo],
) -> Plan:
    checks = _Checks()
    reference: ReferenceFit | None = None
    subs: list[Submission] = []
    count = _count(request.n, checks)
    if request.mode not in MODES:
        checks.add("prompt", ValidationError(f"mode must be one of {', '.join(MODES)}."))
    elif request.mode == "create":
        one, reference = _create(backend, request, purse, checks)
        shape = None if one is None else (one.model, one.size, one.seconds)
        given = request.input_reference is not None
        found = server_problems(backend, request.model, shape, models, reference=given)
        for name, text in found.items():
            checks.add(name, ValidationError(text, param=name))
        subs = [] if one is None else [one] * count
    else:
        one = _derived(backend, request, purse, disabled, checks)
        subs = [] if one is None else [one] * count
    costs = [s.cost for s in subs]
    cost = None if not subs or None in costs else round(sum(c or 0.0 for c in costs), 4)
    if subs:
        _money(cost, purse, checks)
    return Plan(
        ok=not checks.found,
        problems=checks.problems,
        cost=cost,
        left=purse.left,
        reference=reference,
        disabled=disabled,
        submissions=tuple(subs) if not checks.found else (),
        errors=checks.errors,
    )


def _count(n: object, checks: _Checks) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_N:
        checks.add("n", ValidationError(f"n must be a whole number from 1 to {MAX_N}.", param="n"))
        return 1
    return n


def _money(cost: float | None, purse: Purse, checks: _Checks) -> None:
    problem = budget_problem(cost, purse)
    if problem is not None:
        checks.add("budget", problem)


def _params(request: Request, checks: _Checks) -> dict[str, Any]:
    reserved = _RESERVED & set(request.params)
    if reserved:
        checks.add(
            "prompt",
            ValidationError(f"pass {sorted(reserved)} as arguments, not as extra fields."),
        )
    return dict(request.params)


def _create(
    backend: Backend, request: Request, purse: Purse, checks: _Checks
) -> tuple[Submission | None, ReferenceFit | None]:
    _check_prompt(request.prompt, checks)
    model = request.model or None
    try:
        if backend.check_models or model:
            model, size, secs = validate_create("x", model, request.size, request.seconds)
        else:
            _, size, secs = validate_create("x", _OPEN_MODEL, request.size, request.seconds)
    except ValidationError as exc:
        checks.add(exc.param if exc.param in ("size", "seconds") else "model", exc)
        return None, None
    params: dict[str, Any] = {"prompt": request.prompt}
    for name, value in (("model", model), ("size", size), ("seconds", secs)):
        if value is not None:
            params[name] = value
    params.update(_params(request, checks))
    fit, content = None, None
    if request.input_reference is not None:
        target = size or (DEFAULT_SIZE if backend.check_models else None)
        try:
            fit, content, wire = fit_reference_for(request.input_reference, target, request.fit)
        except ValidationError as exc:
            checks.add("input_reference", exc)
        else:
            if wire is not None:
                params["input_reference"] = wire
    edge = _edge(request, "frame" if request.input_reference is not None else "reprompt", checks)
    cost = price(model, size, secs, purse.prices, table_default=backend.check_models)
    sub = Submission(
        endpoint="create",
        prompt=request.prompt,
        model=model,
        size=size,
        seconds=secs,
        params=params,
        cost=cost,
        reference=content,
        parent_key=request.parent.key if request.parent is not None else None,
        edge_kind=edge,
    )
    return sub, fit


def _check_prompt(prompt: object, checks: _Checks) -> None:
    try:
        validate_create(prompt, _OPEN_MODEL, None, None)  # type: ignore[arg-type]
    except ValidationError as exc:
        checks.add("prompt", exc)


def _edge(request: Request, default: str, checks: _Checks) -> str | None:
    if request.parent is None:
        if request.edge_kind is not None:
            checks.add("parent", ValidationError("edge_kind needs a parent job.", param="parent"))
        return None
    kind = request.edge_kind or default
    if kind not in EDGE_KINDS:
        checks.add(
            "parent",
            ValidationError(
                f"edge_kind must be one of {', '.join(EDGE_KINDS)}; got {kind!r}.",
                param="parent",
            ),
        )
    return kind


def _derived(
    backend: Backend,
    request: Request,
    purse: Purse,
    disabled: Mapping[str, str],
    checks: _Checks,
) -> Submission | None:
    endpoint = request.mode
    parent = request.parent
    _check_prompt(request.prompt, checks)
    if endpoint in disabled:
        checks.add("parent", ValidationError(disabled[endpoint], param=endpoint))
        return None
    if parent is None:
        checks.add("parent", ValidationError(f"{endpoint} needs a parent job.", param="parent"))
        return None
    if parent.video_id is None or parent.status != "completed":
        checks.add(
            "parent",
            ValidationError(
                f"Only a completed video can be used for {endpoint}; this one is {parent.status}.",
                param="parent",
            ),
        )
        return None
    here = safe_backend_url(backend.base_url)
    if parent.backend_url and parent.backend_url != here:
        checks.add(
            "parent",
            ValidationError(
                f"This video was made on {parent.backend_url}, and only that server knows its "
                f"id; open a studio on that backend to {endpoint} it (or generate anew here).",
                param="parent",
            ),
        )
        return None
    params: dict[str, Any] = {"prompt": request.prompt, "video": {"id": parent.video_id}}
    secs = parent.seconds
    if endpoint == "extend":
        if request.seconds is None:
            checks.add(
                "seconds",
                ValidationError("extend needs seconds (how much to add).", param="seconds"),
            )
            return None
        try:
            params["seconds"] = secs = normalize_seconds(request.seconds)
        except ValidationError as exc:
            checks.add("seconds", exc)
            return None
    cost = price(parent.model, parent.size, secs, purse.prices, table_default=backend.check_models)
    return Submission(
        endpoint=endpoint,
        prompt=request.prompt,
        model=parent.model,
        size=parent.size,
        seconds=None if endpoint == "extend" else parent.seconds,
        params=params,
        cost=cost,
        parent_key=parent.key,
        edge_kind=endpoint,
    )


def expand_grid(grid: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every combination of the grid's values (a scalar counts as one value)."""
    names = list(grid)
    values: list[Sequence[Any]] = []
    for name in names:
        value = grid[name]
        if isinstance(value, str | bytes) or not isinstance(value, Sequence | set | frozenset):
            value = [value]
        values.append(list(value))
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*values)]
