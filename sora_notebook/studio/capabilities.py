"""What the server can do, decided in one place: `CapabilityBook`.

The answer is the backend's capabilities (its dialect's, with what the backend declares
on top: `Backend.capabilities`), less the actions the server refused this session (a
model behind a gateway that cannot remix says so at the first remix). The planner, the
runner, the facade and the view all read it here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sora_notebook.client import Backend
from sora_notebook.client.dialects import ACTIONS, Capabilities, ModelInfo, catalogue_problems
from sora_notebook.errors import APIError

__all__ = ["CapabilityBook", "refuses_the_action", "server_problems"]

_UNSUPPORTED = re.compile(r"not (be )?(supported|implemented|available)|unsupported", re.I)
#: Actions a refusal of which is answered by a new video with a changed prompt.
_DERIVED = ("remix", "edit", "extend")


class CapabilityBook:
    """The backend's capabilities and the refusals learned this session."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.refusals: dict[str, str] = {}

    @property
    def current(self) -> Capabilities:
        """What the backend offers (`reason(action)` says why not), less what the server
        refused this session."""
        caps = self.backend.capabilities
        if self.refusals:
            refused: dict[str, Any] = dict.fromkeys(self.refusals, False)
            caps = replace(caps, reasons={**caps.reasons, **self.refusals}, **refused)
        return caps

    def reason(self, action: str) -> str | None:
        """Why the server cannot do `action` (None: it can)."""
        return self.current.reason(action)

    def disabled(self) -> dict[str, str]:
        """Action -> why this server cannot do it, with what to do instead."""
        caps = self.current
        out = {action: why for action in ACTIONS if (why := caps.reason(action)) is not None}
        for action in _DERIVED:
            if action in out:
                out[action] += " Generate a new video with a changed prompt instead."
        return out

    def learn(self, action: str, exc: APIError) -> bool:
        """Note a server's refusal of `action` itself (True), not of one request."""
        if not refuses_the_action(exc):
            return False
        self.refusals[action] = f"The server refused {action}: {exc.message[:200]}"
        return True


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
    backend: Backend,
    model: str | None,
    shape: tuple[str | None, str | None, str | None] | None,
    models: Sequence[ModelInfo],
    *,
    reference: bool = False,
) -> dict[str, str]:
    """Field -> what to do, from the server's dialect and catalogue: a model where it
    routes by model, and the sizes, seconds and first frame its catalogue allows that
    model (`shape`: the request's model, size and seconds, once they are well formed;
    `reference`: the request gives a first frame)."""
    out: dict[str, str] = {}
    if backend.dialect.requires_model and not model:
        names = ", ".join(m.id for m in models[:5])
        hint = f" (e.g. {names})" if names else " (`await studio.models()` lists them)"
        out["model"] = f"{backend.label} needs a model name: it routes by model{hint}."
    if shape is not None:
        out.update(catalogue_problems(list(models), *shape, reference=reference))
    return out
