"""Requests between the view's ESM and Python over the widget channel (house rule 6).

The ESM sends `{"kind": "request", "id", "method", "args"}` (plus binary buffers) and gets
`{"kind": "reply", "id", "ok": true, "result"}` or `{"kind": "reply", "id", "ok": false,
"error", "problems"}`. A method `m` is answered by `request_m(args, buffers)`, which
returns `(result, buffers)` or a coroutine of it. Requests may arrive on ipykernel 7's
subshell thread: they are handed to the studio's loop (`HomeLoop`) before anything runs.
"""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Callable, Coroutine
from typing import Any

from sora_notebook import SoraNotebookError, ValidationError
from sora_notebook.widgets.home import HomeLoop

__all__ = ["Problems", "Reply", "RequestsMixin"]

log = logging.getLogger(__name__)
Reply = tuple[Any, list[bytes]]
_METHOD = re.compile(r"^[a-z][a-z_]{0,40}$")


class Problems(ValueError):
    """A refusal with a message per form field (shown next to each field)."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__(next(iter(self.problems.values()), "Nothing was sent."))


class RequestsMixin:
    """Mix into an `anywidget.AnyWidget`; call `_init_requests(home)` in `__init__`."""

    send: Callable[..., None]
    on_msg: Callable[..., None]
    home: HomeLoop
    replies = 0

    def _init_requests(self, home: HomeLoop) -> None:
        self.home = home
        self.on_msg(self._on_custom_msg)

    def _on_custom_msg(self, _widget: object, content: Any, buffers: list[Any]) -> None:
        if isinstance(content, dict) and content.get("kind") == "request":
            self.home.call(self._dispatch, content, list(buffers or []))

    def _dispatch(self, content: dict[str, Any], buffers: list[Any]) -> None:
        request_id = content.get("id")
        method, args = content.get("method"), content.get("args")
        handler = None
        if isinstance(method, str) and _METHOD.match(method):
            handler = getattr(self, f"request_{method}", None)
        try:
            if handler is None:
                raise LookupError(f"This view does not answer {str(method)[:60]!r}.")
            answer = handler(args if isinstance(args, dict) else {}, buffers)
        except Exception as exc:  # any failure becomes an error reply, never a hang
            self._reply_error(request_id, exc)
            return
        if inspect.isawaitable(answer):
            self.home.spawn(self._finish(request_id, answer), run=self._run_sync)
        else:
            self._reply(request_id, answer)

    def _run_sync(self, coro: Coroutine[Any, Any, Any]) -> Any:
        raise NotImplementedError

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
        self.send({"kind": "reply", "id": request_id, "ok": True, "result": result}, out)

    def _reply_error(self, request_id: Any, exc: BaseException) -> None:
        if not isinstance(exc, SoraNotebookError | LookupError | ValueError | TypeError):
            log.exception("the studio view's request failed")
        message = exc.message if isinstance(exc, ValidationError) else str(exc)
        problems = exc.problems if isinstance(exc, Problems) else {}
        self.replies += 1
        self.send(
            {"kind": "reply", "id": request_id, "ok": False, "error": message, "problems": problems}
        )
