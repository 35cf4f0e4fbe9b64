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
from typing import Any, TypeVar

__all__ = ["close_thread_loop", "run_sync"]

T = TypeVar("T")
_local = threading.local()


def _thread_loop() -> asyncio.AbstractEventLoop:
    loop: asyncio.AbstractEventLoop | None = getattr(_local, "loop", None)
    if loop is None or loop.is_closed():
        loop = asyncio.new_event_loop()
        _local.loop = loop
    return loop


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
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
    """Cancel what is left on this thread's loop (made by `run_sync`) and close it."""
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
