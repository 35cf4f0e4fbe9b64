"""See what other processes write to a shared library (the library is the truth).

`PRAGMA data_version` moves only when another connection commits, so checking it every
`interval` seconds costs one tiny query. When it moves, the jobs whose `updated_at`
changed are announced (`added` / `updated` / `removed`), which wakes `Studio.wait`,
refreshes the view and lets the tracker re-plan them.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable

from sora_notebook.library import DELETED_REMOTE, Job, Library
from sora_notebook.library.store import StoreUnavailable

__all__ = ["LibraryWatch"]

log = logging.getLogger(__name__)


class LibraryWatch:
    """A small task announcing the changes other processes make to one library."""

    def __init__(
        self,
        library: Library,
        on_change: Callable[[str, Job], object],
        *,
        interval: float = 0.5,
    ) -> None:
        self.library = library
        self.on_change = on_change
        self.interval = interval
        self.task: asyncio.Task[None] | None = None
        self.seen = 0

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
        version = self.library.data_version()
        stamps = self.library.stamps()
        while True:
            await asyncio.sleep(self.interval)
            try:
                now = self.library.data_version()
                if now == version:
                    continue
                version = now
                stamps = self.announce(stamps, self.library.stamps())
            except (sqlite3.Error, StoreUnavailable) as exc:  # busy or gone: look again
                log.debug("library watch: %s", exc)

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
