"""Adopt the jobs a server lists into the library, bounded and with a report."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from sora_notebook.errors import ValidationError
from sora_notebook.library import Job, Library
from sora_notebook.protocol import Video, id_path_segment

__all__ = ["IMPORT_BATCH", "ImportReport", "import_listed"]

#: `import_remote` yields to the event loop after this many rows.
IMPORT_BATCH = 25


@dataclass(frozen=True)
class ImportReport:
    """What `studio.import_remote()` did.

    `imported`: new jobs recorded; `skipped`: `(id, reason)` for listed ids the client
    cannot use (they are not recorded); `truncated`: the list walk stopped at a limit
    before the server's end (`note` says what was read and how to raise it).
    """

    imported: int
    skipped: list[tuple[str, str]] = field(default_factory=list)
    truncated: bool = False
    note: str = ""

    def __str__(self) -> str:
        parts = [f"Imported {self.imported} job{'s' * (self.imported != 1)}"]
        if self.skipped:
            parts.append(f"skipped {len(self.skipped)} id(s) the client cannot use")
        text = "; ".join(parts) + "."
        return f"{text} {self.note}" if self.truncated else text


def unusable(video_id: str) -> str | None:
    """Why the client would refuse this id, or None when it can use it."""
    try:
        id_path_segment(video_id)
    except ValidationError as exc:
        return exc.message
    return None


async def import_listed(
    videos: list[Video],
    library: Library,
    *,
    backend: str,
    backend_url: str,
    on_added: Callable[[Job], object],
) -> tuple[int, list[tuple[str, str]]]:
    """Record the listed videos the library lacks (oldest first, so parents come before
    their remixes); returns (how many were added, skipped ids with reasons)."""
    added = 0
    skipped: list[tuple[str, str]] = []
    for i, video in enumerate(videos):
        if i and i % IMPORT_BATCH == 0:
            await asyncio.sleep(0)  # let the kernel breathe between batches of rows
        reason = unusable(video.id)
        if reason is not None:
            skipped.append((video.id, reason))
            continue
        parent = None
        if video.remixed_from_video_id:
            parent = library.find(video.remixed_from_video_id, backend_url=backend_url)
        job, new = library.import_video(
            video,
            backend=backend,
            backend_url=backend_url,
            parent_key=parent.key if parent else None,
            edge_kind="remix" if parent else None,
        )
        if new:
            added += 1
            on_added(job)
    return added, skipped
