"""Requests between the view's ESM and Python over the widget channel (house rule 6).

The ESM sends `{"kind": "request", "id", "method", "args"}` (plus binary buffers) and gets
`{"kind": "reply", "id", "ok": true, "result"}` or `{"kind": "reply", "id", "ok": false,
"error", "problems"}`. A method `m` is answered by the handler registered for `m`, which
returns `(result, buffers)` or a coroutine of it; each part of the view registers its
handlers with the view's one `Router`. Requests may arrive on ipykernel 7's
subshell thread: they are handed to the studio's loop (`HomeLoop`) before anything runs.
"""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Callable, Coroutine
from typing import Any

from sora_notebook.errors import SoraNotebookError, ValidationError
from sora_notebook.widgets.home import HomeLoop

__all__ = ["Handler", "Problems", "Reply", "Router"]

log = logging.getLogger(__name__)
Reply = tuple[Any, list[bytes]]
_METHOD = re.compile(r"^[a-z][a-z_]{0,40}$")


class Problems(ValueError):
    """A refusal with a message per form field (shown next to each field)."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__(next(iter(self.problems.values()), "Nothing was sent."))


Handler = Callable[[dict[str, Any], list[bytes]], Any]
Send = Callable[[dict[str, Any], list[bytes]], None]


class Router:
    """One table of request handlers: each part of the view registers its own methods."""

    def __init__(
        self, home: HomeLoop, send: Send, run: Callable[[Coroutine[Any, Any, Any]], Any]
    ) -> None:
        self.home = home
        self._send = send
        self._run = run
        self._handlers: dict[str, Handler] = {}
        self.replies = 0

    def register(self, handlers: dict[str, Handler]) -> None:
        """Answer each `method` with `handler(args, buffers)`; a name taken twice is a bug."""
        for method, handler in handlers.items():
            if not _METHOD.match(method) or method in self._handlers:
                raise ValueError(f"request method {method!r} is malformed or taken twice")
            self._handlers[method] = handler

    @property
    def methods(self) -> frozenset[str]:
        return frozenset(self._handlers)

    def receive(self, _widget: object, content: Any, buffers: list[Any]) -> None:
        """The widget's `on_msg` callback: requests go to the studio's loop."""
        if isinstance(content, dict) and content.get("kind") == "request":
            self.home.call(self._dispatch, content, list(buffers or []))

    def _dispatch(self, content: dict[str, Any], buffers: list[Any]) -> None:
        request_id = content.get("id")
        method, args = content.get("method"), content.get("args")
        handler = self._handlers.get(method) if isinstance(method, str) else None
        try:
            if handler is None:
                raise LookupError(f"This view does not answer {str(method)[:60]!r}.")
            answer = handler(args if isinstance(args, dict) else {}, buffers)
        except Exception as exc:  # any failure becomes an error reply, never a hang
            self._reply_error(request_id, exc)
            return
        if inspect.isawaitable(answer):
            self.home.spawn(self._finish(request_id, answer), run=self._run)
        else:
            self._reply(request_id, answer)

    async def _finish(self, request_id: Any, answer: Any) -> None:
        try:
            result = await answer
        except Exception as exc:
            self._reply_error(request_id, exc)
        else:
            self._reply(request_id, result)

    def _reply(self, request_id: Any, answer: Reply) -> None:
        result, out = answer
        self.replies += 1
        self._send({"kind": "reply", "id": request_id, "ok": True, "result": result}, out)

    def _reply_error(self, request_id: Any, exc: BaseException) -> None:
        if not isinstance(exc, SoraNotebookError | LookupError | ValueError | TypeError):
            log.exception("the studio view's request failed")
        message = exc.message if isinstance(exc, ValidationError) else str(exc)
        problems = exc.problems if isinstance(exc, Problems) else {}
        self.replies += 1
        self._send(
            {
                "kind": "reply",
                "id": request_id,
                "ok": False,
                "error": message,
                "problems": problems,
            },
            [],
        )
