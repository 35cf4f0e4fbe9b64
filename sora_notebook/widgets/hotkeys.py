"""`Hotkeys`: Ctrl/Cmd+Enter submits and Escape leaves remix mode, anywhere in the panel.

An invisible view that listens for key presses on its enclosing `.sn-panel` and sends a
`submit` or `cancel` request; Python answers with ok or the reason it did nothing. It
also carries the panel's stylesheet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anywidget

from sora_notebook.widgets.assets import STATIC, esm
from sora_notebook.widgets.rpc import Reply, RequestsMixin

__all__ = ["Hotkeys"]

Action = Callable[[], str | None]


class Hotkeys(RequestsMixin, anywidget.AnyWidget):
    """Keyboard shortcuts for the panel; each action returns an error text or None."""

    _esm = esm("hotkeys.js")
    _css = STATIC / "panel.css"

    def __init__(self, *, submit: Action, cancel: Action, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._init_requests()
        self._actions = {"submit": submit, "cancel": cancel}

    def _run(self, name: str) -> Reply:
        problem = self._actions[name]()
        if problem:
            raise ValueError(problem)
        return {"done": name}, []

    def request_submit(self, _args: dict[str, Any], _buffers: list[Any]) -> Reply:
        return self._run("submit")

    def request_cancel(self, _args: dict[str, Any], _buffers: list[Any]) -> Reply:
        return self._run("cancel")
