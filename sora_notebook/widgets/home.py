"""Run the panel's work on the studio's own event loop, whichever thread a click arrives on.

ipykernel 7 can handle widget messages (button clicks, trait changes) in a subshell
thread with an event loop of its own. The studio's tracker, timers and tasks live on the
kernel's main loop, so anything that touches the studio or schedules a timer is handed
to that loop (`call_soon_threadsafe`) instead of running on the subshell's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sora_notebook.widgets.port import StudioPort

__all__ = ["HomeLoop"]


def _running() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class HomeLoop:
    """The loop the studio runs on: its tracker's loop, else the loop the panel was made on."""

    def __init__(self, studio: StudioPort) -> None:
        self._studio = studio
        self._fallback = _running()
        self.tasks: set[asyncio.Task[Any]] = set()

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        loop = self._studio.home_loop() or self._fallback
        return loop if loop is not None and not loop.is_closed() else None

    def call(self, fn: Callable[..., Any], *args: Any) -> None:
        """`fn(*args)` now when on the home loop, else soon on it."""
        loop = self.loop
        if loop is None or _running() is loop or not loop.is_running():
            fn(*args)
        else:
            loop.call_soon_threadsafe(fn, *args)

    def spawn(self, coro: Coroutine[Any, Any, Any], run: Callable[[Any], Any]) -> None:
        """Run `coro` as a task on the home loop; `run(coro)` when there is no loop."""
        loop = self.loop
        if loop is None or not loop.is_running():
            here = _running()
            if here is None:
                run(coro)
                return
            loop = here
        if _running() is loop:
            self._start(coro, loop)
        else:
            loop.call_soon_threadsafe(self._start, coro, loop)

    def _start(self, coro: Coroutine[Any, Any, Any], loop: asyncio.AbstractEventLoop) -> None:
        task = loop.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def later(self, delay: float, fn: Callable[[], Any]) -> asyncio.TimerHandle | None:
        """A timer on the home loop (only from the home loop); None without a loop."""
        loop = self.loop
        if loop is None or loop.is_closed():
            return None
        return loop.call_later(delay, fn)
