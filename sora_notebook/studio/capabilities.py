"""The capabilities of whatever backend a studio was given (a `Backend`, or any object with
the old `supports_*` switches), read in one place."""

from __future__ import annotations

from typing import Any

from sora_notebook.client.dialects import ACTIONS, Capabilities

__all__ = ["capabilities_of"]


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
