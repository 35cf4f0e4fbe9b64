"""The capabilities of whatever backend a studio was given (a `Backend`, or any object with
the old `supports_*` switches), read in one place."""

from __future__ import annotations

import re
from typing import Any

from sora_notebook.client.dialects import ACTIONS, Capabilities
from sora_notebook.errors import APIError

__all__ = ["capabilities_of", "refuses_the_action"]

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
    if exc.status_code in (404, 405, 501):
        return True
    return exc.status_code in (400, 422, 500) and bool(_UNSUPPORTED.search(exc.message or ""))
