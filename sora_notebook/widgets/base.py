"""`ViewBase`: the studio view's traits and the helpers its parts share; `Part`: one part.

The view is one widget whose requests are answered by its parts (the form, the cards,
compare and the duel), each an object that registers its handlers with the view's router
and works on the view's state. `StudioView` (view.py) holds them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anywidget
import traitlets as t

from sora_notebook.errors import SoraNotebookError
from sora_notebook.library import Job
from sora_notebook.widgets.home import HomeLoop
from sora_notebook.widgets.player import MediaServer
from sora_notebook.widgets.rpc import Handler, Router

if TYPE_CHECKING:
    from sora_notebook.widgets.port import StudioPort
    from sora_notebook.widgets.view import StudioView

__all__ = ["Part", "ViewBase"]


class ViewBase(anywidget.AnyWidget):
    """Traits (what the page draws) and shared helpers; no behaviour of its own."""

    backend = t.Dict().tag(sync=True)
    options = t.Dict().tag(sync=True)
    jobs = t.List(t.Dict()).tag(sync=True)
    tree = t.Dict().tag(sync=True)
    money = t.Dict().tag(sync=True)
    people = t.List(t.Dict()).tag(sync=True)  # who made the jobs: the person filter
    form = t.Dict().tag(sync=True)
    plan = t.Dict().tag(sync=True)
    status = t.Dict({"text": "", "kind": "", "seq": 0}).tag(sync=True)
    prefs = t.Dict({"show_rejected": False}).tag(sync=True)
    playing = t.Unicode("").tag(sync=True)
    selected = t.List(t.Unicode()).tag(sync=True)
    compare = t.Dict().tag(sync=True)
    duel = t.Dict().tag(sync=True)
    board = t.Dict().tag(sync=True)  # the open storyboard (widgets/board.py)
    clock = t.Float(0.0).tag(sync=True)  # the kernel's time at the last flush

    studio: StudioPort
    media: MediaServer
    home: HomeLoop
    router: Router

    def _init_requests(self, home: HomeLoop) -> None:
        """One router answers the page's requests; each part registers its handlers."""
        self.home = home
        self.router = Router(home, send=lambda c, b: self.send(c, b), run=self._run_sync)
        self.on_msg(self.router.receive)

    def set_state(self, sync_data: dict[str, Any]) -> None:
        """The page only draws state and sends requests; it never writes a trait. State
        written from a page (a forged front end or saved state) is refused, said in the
        status line, and Python's state is sent back in its place."""
        state = self.get_state()
        names = sorted(
            k
            for k in sync_data
            if isinstance(k, str) and k in self.keys and sync_data[k] != state.get(k)
        )
        if not names:  # an echo of the kernel's own state (some front ends send one)
            return
        shown = ", ".join(names[:4]) + (" ..." if len(names) > 4 else "")
        self.send_state(names)
        self.say(
            f"Ignored {shown} written by the page: this view's state comes from the kernel "
            "only (re-run the cell if the page looks wrong).",
            "error",
        )

    def _should_send_property(self, key: str, value: Any) -> bool:
        """Jobs reach the page as patches (`JobPatches`), never as the whole list again."""
        if key == "jobs" and getattr(self, "patches", None) is not None and self.patches.quiet:
            return False
        return bool(super()._should_send_property(key, value))

    def handle(self, handlers: dict[str, Handler]) -> None:
        """Register a part's request handlers with the view's router."""
        self.router.register(handlers)

    def _find(self, key: str) -> Job | None:
        try:
            return self.studio.get(key)
        except SoraNotebookError:
            return None

    def _path_of(self, job: Job, variant: str) -> Path | None:
        return self.studio.media_path(job, variant)

    def say(self, text: str, kind: str = "info") -> None:
        """The status line under the form (cleared by the next action or mode)."""
        seq = self.status.get("seq", 0)
        self.status = {"text": text, "kind": kind, "seq": (seq if isinstance(seq, int) else 0) + 1}

    def _run_sync(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return self.studio.run(coro)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Run `coro` as a task on the studio's loop."""
        self.home.spawn(coro, run=self._run_sync)

    async def drain(self) -> None:
        """Wait for the view's own tasks (submissions, deletions, metrics) to finish."""
        while self.home.tasks:
            await asyncio.gather(*list(self.home.tasks), return_exceptions=True)


class Part:
    """One part of the view: answers some of the page's requests (`handlers`) and works
    on the view's state; asks the view (or, through it, another part) for the rest."""

    def __init__(self, view: StudioView) -> None:
        self.view = view
        view.handle(self.handlers())

    @property
    def studio(self) -> StudioPort:
        return self.view.studio

    def handlers(self) -> dict[str, Handler]:
        """Request name -> handler, registered with the view's router."""
        raise NotImplementedError
