"""What a request costs, what was billed, and what the budget leaves: one home for money.

Prices, in the order they win: the cost the server reported for a job (`reported_cost`,
the one hook dialects fill), a price per model the person set on the studio
(`Studio(prices={"my-model": 0.05})`, dollars per second of video), one set on the
backend (`Backend.prices`), then OpenAI's published table (for servers that run OpenAI's
models). Anything else is unknown, never zero.

Billing: a completed job is billed its price; a failed, refused or lost one $0, unless
its server bills failures (`BILLS_FAILURES`: none known). Sources: OpenAI's Video API
relays say failed tasks are not billed (APIYI: "failed tasks are not charged",
docs.apiyi.com/ko/api-capabilities/sora-2/overview; APIMart: "a task marked failed is
refunded", github.com/apimartcz9/sora-2-prompt-gallery/wiki); self-hosted servers
(vLLM-Omni, SGLang) bill nothing themselves.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from sora_notebook.protocol import DEFAULT_SECONDS, MODELS, Video, estimate_cost

__all__ = [
    "BILLS_FAILURES",
    "PRICED_BACKENDS",
    "Spend",
    "bill",
    "price",
    "reported_cost",
]

#: Backends whose default model is OpenAI's, so the price table applies without a model.
PRICED_BACKENDS = frozenset({"openai", "azure", "emulator"})
#: Backends (dialects) whose server bills a failed job. None is known to.
BILLS_FAILURES: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Spend:
    """Billed dollars: all time in this library, today (local calendar day), and this
    studio's session. `unknown`: completed jobs whose price is unknown (not counted)."""

    total: float
    today: float
    session: float
    unknown: int = 0


def price(
    backend: str,
    model: str | None,
    size: str | None,
    seconds: int | str | None,
    prices: Mapping[str, float] | None = None,
) -> float | None:
    """Dollars for one video; None where the price is unknown.

    `prices` maps a model to dollars per second of video (the person's own prices win
    over the published table)."""
    secs = _seconds(seconds)
    if prices and secs is not None:
        rate = prices.get(model or "") if model else prices.get("")
        if rate is not None:
            return round(float(rate) * secs, 4)
    if model is None and backend not in PRICED_BACKENDS:
        return None
    if model is not None and model not in MODELS:
        return None
    return estimate_cost(model, size, seconds)


def _seconds(seconds: int | str | None) -> int | None:
    text = str(DEFAULT_SECONDS if seconds is None else seconds).strip()
    return int(text) if text.isdigit() else None


def reported_cost(video: Video) -> float | None:
    """The dollars the server says it charged for this job, when its answer says so.

    The one hook for server-reported costs: each dialect puts what its server says
    (OpenRouter `usage.cost`, Together `outputs.cost`, LiteLLM's `x-litellm-response-cost`
    header) in `Video.server_cost`; else a finite top-level `cost` number.
    """
    value = video.server_cost
    if value is None:
        value = video.raw.get("cost") if isinstance(video.raw, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and value >= 0 else None


def bill(status: str, quote: float | None, server: float | None, backend: str) -> float | None:
    """What a job that ended with `status` was billed: None while unknown."""
    if status == "completed":
        return server if server is not None else quote
    if status == "failed" and backend in BILLS_FAILURES:
        return server if server is not None else quote
    return 0.0
