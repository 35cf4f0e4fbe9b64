"""The capabilities of whatever backend a studio was given (a `Backend`, or any object with
the old `supports_*` switches), read in one place."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sora_notebook.client.dialects import ACTIONS, Capabilities, ModelInfo, catalogue_problems
from sora_notebook.errors import APIError

__all__ = ["capabilities_of", "refuses_the_action", "server_problems"]

_UNSUPPORTED = re.compile(r"not (be )?(supported|implemented|available)|unsupported", re.I)


def capabilities_of(backend: Any) -> Capabilities:
    """`backend.capabilities` when it has them, else built from its `supports_*` switches."""
    caps = getattr(backend, "capabilities", None)
    if isinstance(caps, Capabilities):
        return caps
    base = Capabilities()
    switched = {
        a: bool(getattr(backend, f"supports_{a}"))
        for a in ACTIONS
        if hasattr(backend, f"supports_{a}")
        and bool(getattr(backend, f"supports_{a}")) != getattr(base, a)
    }
    return base.with_(**switched) if switched else base


def refuses_the_action(exc: APIError) -> bool:
    """True when a server's answer refuses an action itself (no such route, or "not
    supported"), not this one request."""
    message = (exc.message or "").strip()
    if exc.status_code == 501:
        return True
    if exc.status_code in (404, 405):  # no such route, not "no such video"
        return message.lower().rstrip(".") in {"not found", "method not allowed"}
    return exc.status_code in (400, 422, 500) and bool(_UNSUPPORTED.search(message))


def server_problems(
    backend: Any, model: str | None, sub: Any, models: Sequence[ModelInfo]
) -> dict[str, str]:
    """Field -> what to do, from the server's dialect and catalogue: a model where it
    routes by model, and the sizes and seconds its catalogue lists for that model."""
    out: dict[str, str] = {}
    dialect = getattr(backend, "dialect", None)
    if dialect is not None and dialect.requires_model and not model:
        names = ", ".join(m.id for m in models[:5])
        hint = f" (e.g. {names})" if names else " (`await studio.models()` lists them)"
        out["model"] = f"{backend.label} needs a model name: it routes by model{hint}."
    if sub is not None:
        out.update(catalogue_problems(list(models), sub.model, sub.size, sub.seconds))
    return out
