"""Run a coroutine to completion from code that does not `await`.

Inside a running loop (a Jupyter kernel's), the loop is made re-entrant with
nest-asyncio2, so the call blocks the cell while the loop keeps serving the studio's
tracker and widgets. With no running loop (a plain script), one persistent loop per
thread is used, so tasks the studio started (its tracker) survive between calls.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

__all__ = ["Blocking", "close_thread_loop", "run"]

if TYPE_CHECKING:
    from sora_notebook.library import Job
    from sora_notebook.studio.events import EventHub

T = TypeVar("T")
_local = threading.local()


def _thread_loop() -> asyncio.AbstractEventLoop:
    loop: asyncio.AbstractEventLoop | None = getattr(_local, "loop", None)
    if loop is None or loop.is_closed():
        loop = asyncio.new_event_loop()
        _local.loop = loop
    return loop


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` to completion and return its result, with or without a running loop."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if loop is None:
        return _thread_loop().run_until_complete(coro)
    import nest_asyncio2

    nest_asyncio2.apply(loop)
    return loop.run_until_complete(coro)


def close_thread_loop() -> None:
    """Cancel what is left on this thread's loop (made by `run`) and close it."""
    loop: asyncio.AbstractEventLoop | None = getattr(_local, "loop", None)
    if loop is None or loop.is_closed():
        return
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()
    _local.loop = None


class Blocking:
    """`Studio` methods for code that does not await (they work inside Jupyter too)."""

    _events: EventHub

    if TYPE_CHECKING:  # from `Studio`

        async def generate(self, prompt: str, **kw: Any) -> Job: ...
        async def submit(self, prompt: str, **kw: Any) -> Job: ...
        async def remix(self, job: Job | str, prompt: str) -> Job: ...
        async def wait(self, job: Job | str, *, timeout: float | None = None) -> Job: ...

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run one of the studio's coroutines from code that does not await."""
        try:
            return run(coro)
        finally:
            self._events.flush()

    def generate_sync(self, prompt: str, **kw: Any) -> Job:
        """`generate` for code that does not await (works inside Jupyter too)."""
        return self.run(self.generate(prompt, **kw))

    def submit_sync(self, prompt: str, **kw: Any) -> Job:
        return self.run(self.submit(prompt, **kw))

    def remix_sync(self, job: Job | str, prompt: str) -> Job:
        return self.run(self.remix(job, prompt))

    def wait_sync(self, job: Job | str, *, timeout: float | None = None) -> Job:
        return self.run(self.wait(job, timeout=timeout))
