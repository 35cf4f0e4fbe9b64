"""See what other processes write to a shared library (the library is the truth).

A team's library (PostgreSQL) says when another connection commits (LISTEN/NOTIFY,
`Library.on_change`): the watch wakes at once, and looks by itself only every `safety`
seconds, in case a notification was lost. A folder library (SQLite) says nothing, so its
`PRAGMA data_version`, which moves only when another connection commits, is checked
every `interval` seconds (one tiny query). When the version moves, the jobs whose
`updated_at` changed are announced (`added` / `updated` / `removed`), which wakes
`Studio.wait`, refreshes the view and lets the tracker re-plan them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Callable

from sora_notebook.library import DELETED_REMOTE, Job, Library
from sora_notebook.library.store import StoreUnavailable

__all__ = ["LibraryWatch"]

log = logging.getLogger(__name__)

#: Seconds between looks where the library notifies (a lost notification's bound).
SAFETY_NET = 5.0
#: The least seconds between two looks: a burst of notifications (ten people's
#: progress) is looked at once per gap, not once per commit.
GAP = 0.05


class LibraryWatch:
    """A small task announcing the changes other processes make to one library."""

    def __init__(
        self,
        library: Library,
        on_change: Callable[[str, Job], object],
        *,
        interval: float = 0.5,
        safety: float | None = None,
        listen: bool = True,
    ) -> None:
        self.library = library
        self.on_change = on_change
        self.interval = interval
        self.safety = SAFETY_NET if safety is None else safety
        self.listen = listen
        self.task: asyncio.Task[None] | None = None
        #: Changes announced; times a notification woke the watch.
        self.seen = self.woken = 0

    def start(self) -> None:
        if self.task is not None and not self.task.done():
            return
        self.task = asyncio.get_running_loop().create_task(self._run(), name="sora-notebook-watch")

    async def stop(self) -> None:
        task, self.task = self.task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait({task}, timeout=5.0)

    async def _run(self) -> None:
        wake = asyncio.Event()
        loop = asyncio.get_running_loop()

        def notified() -> None:  # on the library's listening thread
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(wake.set)

        stop = self.library.on_change(notified) if self.listen else None
        pace = self.interval if stop is None else self.safety
        try:
            version = self.library.data_version()
            stamps = self.library.stamps()
            looked = loop.time()
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), pace)
                    self.woken += 1
                    await asyncio.sleep(max(0.0, looked + GAP - loop.time()))
                wake.clear()
                looked = loop.time()
                try:
                    now = self.library.data_version()
                    if now == version:
                        continue
                    version = now
                    stamps = self.announce(stamps, self.library.stamps())
                except (sqlite3.Error, StoreUnavailable) as exc:  # busy or gone: look again
                    log.debug("library watch: %s", exc)
        finally:
            if stop is not None:
                stop()

    def announce(self, before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        """Announce what differs between two sets of stamps; returns `after`."""
        for key, stamp in after.items():
            if before.get(key) == stamp:
                continue
            job = self.library.find_key(key)
            if job is not None:
                self.seen += 1
                self.on_change("added" if key not in before else "updated", job)
        for key in before.keys() - after.keys():
            self.seen += 1
            self.on_change("removed", _gone(key))
        return after


def _gone(key: str) -> Job:
    """A stand-in record for a job another process removed (only its key is known)."""
    return Job(
        key=key,
        video_id=None,
        backend="",
        status=DELETED_REMOTE,
        progress=0,
        prompt="",
        model=None,
        size=None,
        seconds=None,
    )
