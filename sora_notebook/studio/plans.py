"""Turn a person's request into a checked submission with its cost, before anything is sent.

Validation happens here (nothing is recorded or billed for a bad request), the
reference image is loaded and checked against the size, and the cost is estimated from
the published price table. A remix or edit costs what its parent cost; an extension
costs the seconds it adds.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sora_notebook.client.references import load_reference
from sora_notebook.errors import BudgetExceeded, ValidationError
from sora_notebook.library import EDGE_KINDS, Job
from sora_notebook.protocol import (
    DEFAULT_SIZE,
    MODELS,
    estimate_cost,
    normalize_seconds,
    validate_create,
)

__all__ = [
    "PRICED_BACKENDS",
    "Quote",
    "Submission",
    "check_budget",
    "derived",
    "expand_grid",
    "new_video",
    "price",
]

_OPEN_MODEL = "\0open"  # a model no table knows: check the form of size/seconds only
#: Backends whose default model is OpenAI's, so the price table applies without a model.
PRICED_BACKENDS = frozenset({"openai", "azure", "emulator"})


@dataclass(frozen=True)
class Submission:
    """What will be recorded and sent."""

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


def price(backend_name: str, model: str | None, size: str | None, seconds: Any) -> float | None:
    """Estimated USD for one video; None where the price is unknown."""
    if model is None and backend_name not in PRICED_BACKENDS:
        return None
    if model is not None and model not in MODELS:
        return None
    return estimate_cost(model, size, seconds)


def check_budget(cost: float | None, spent: float, budget: float | None) -> None:
    """Raise `BudgetExceeded` when `cost` would take `spent` past `budget`."""
    if budget is None or cost is None:
        return
    if spent + cost > budget + 1e-9:
        raise BudgetExceeded(cost, spent, budget)


def _edge(parent: Job | None, edge_kind: str | None, default: str) -> str | None:
    if parent is None:
        if edge_kind is not None:
            raise ValidationError("edge_kind needs a parent job.", param="edge_kind")
        return None
    kind = edge_kind or default
    if kind not in EDGE_KINDS:
        raise ValidationError(
            f"edge_kind must be one of {', '.join(EDGE_KINDS)}; got {kind!r}.", param="edge_kind"
        )
    return kind


def new_video(
    backend: Any,
    prompt: str,
    *,
    model: str | None = None,
    size: str | None = None,
    seconds: int | str | None = None,
    input_reference: Any = None,
    parent: Job | None = None,
    edge_kind: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Submission:
    """A create request, checked as the client will check it."""
    if getattr(backend, "check_models", True) or model:
        model, size, secs = validate_create(prompt, model, size, seconds)
    else:
        _, size, secs = validate_create(prompt, _OPEN_MODEL, size, seconds)
    params: dict[str, Any] = {"prompt": prompt}
    for name, value in (("model", model), ("size", size), ("seconds", secs)):
        if value is not None:
            params[name] = value
    reserved = {"prompt", "model", "size", "seconds", "input_reference", "video"} & set(extra or {})
    if reserved:
        raise ValidationError(f"pass {sorted(reserved)} as arguments, not as extra fields.")
    params.update(extra or {})
    reference: bytes | None = None
    if input_reference is not None:
        if isinstance(input_reference, str) and input_reference.startswith(
            ("http://", "https://", "data:")
        ):
            input_reference = {"image_url": input_reference}
        if isinstance(input_reference, Mapping):
            if not {"image_url", "file_id"} & set(input_reference):
                raise ValidationError(
                    "input_reference as a dict needs 'image_url' or 'file_id'.",
                    param="input_reference",
                )
            params["input_reference"] = dict(input_reference)
        else:
            expected = size or (DEFAULT_SIZE if getattr(backend, "check_models", True) else None)
            reference = load_reference(input_reference, expected).content
    kind = _edge(parent, edge_kind, "frame" if input_reference is not None else "reprompt")
    return Submission(
        endpoint="create",
        prompt=prompt,
        model=model,
        size=size,
        seconds=secs,
        params=params,
        cost=price(getattr(backend, "name", ""), model, size, secs),
        reference=reference,
        parent_key=parent.key if parent else None,
        edge_kind=kind,
    )


def derived(
    backend: Any, endpoint: str, parent: Job, prompt: str, seconds: int | str | None = None
) -> Submission:
    """A remix, edit or extension of a finished job."""
    if not getattr(backend, f"supports_{endpoint}", True):
        raise ValidationError(
            f"The {getattr(backend, 'label', 'current')} backend cannot {endpoint} videos. "
            "Submit a new video with a changed prompt instead.",
            param=endpoint,
        )
    if parent.video_id is None or parent.status != "completed":
        raise ValidationError(
            f"Only a completed video can be used for {endpoint}; this one is {parent.status}.",
        )
    validate_create(prompt, _OPEN_MODEL, None, None)
    params: dict[str, Any] = {"prompt": prompt, "video": {"id": parent.video_id}}
    secs = parent.seconds
    if endpoint == "extend":
        if seconds is None:
            raise ValidationError("extend needs seconds (how much to add).", param="seconds")
        params["seconds"] = secs = normalize_seconds(seconds)
    cost = price(getattr(backend, "name", ""), parent.model, parent.size, secs)
    return Submission(
        endpoint=endpoint,
        prompt=prompt,
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
