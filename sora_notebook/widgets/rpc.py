"""Requests between a view's ESM and Python over the widget channel (house rule 6).

The ESM sends `{"kind": "request", "id", "method", "args"}` (plus binary buffers) and gets
`{"kind": "reply", "id", "ok": true, "result"}` or `{"kind": "reply", "id", "ok": false,
"error"}`. Python pushes `{"kind": "command", "id", "name", "args"}` for one-off actions
(play, download). A widget answers a method `m` with its `request_m(args, buffers)`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

__all__ = ["Reply", "RequestsMixin"]

Reply = tuple[Any, list[bytes]]
_METHOD = re.compile(r"^[a-z][a-z_]{0,40}$")
_ids = itertools.count(1)


class RequestsMixin:
    """Mix into an `anywidget.AnyWidget` and call `_init_requests()` in `__init__`."""

    send: Callable[..., None]
    on_msg: Callable[..., None]

    def _init_requests(self) -> None:
        self.on_msg(self._on_custom_msg)

    def _on_custom_msg(self, _widget: object, content: Any, buffers: list[Any]) -> None:
        if not isinstance(content, dict) or content.get("kind") != "request":
            return
        request_id = content.get("id")
        method = content.get("method")
        args = content.get("args")
        handler = None
        if isinstance(method, str) and _METHOD.match(method):
            handler = getattr(self, f"request_{method}", None)
        try:
            if handler is None:
                raise LookupError(f"This view does not answer {str(method)[:60]!r}.")
            result, out = handler(args if isinstance(args, dict) else {}, list(buffers or []))
        except Exception as exc:  # any failure becomes an error reply, never a hang
            self.send({"kind": "reply", "id": request_id, "ok": False, "error": str(exc)})
            return
        self.send({"kind": "reply", "id": request_id, "ok": True, "result": result}, out)

    def command(self, name: str, **args: Any) -> int:
        """Push a one-off action to every rendered view; returns the message id."""
        command_id = next(_ids)
        self.send({"kind": "command", "id": command_id, "name": name, "args": args})
        return command_id
