"""Reading a studio: records, lineage, media paths, notes, export, progress, the panel."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sora_notebook import export as export_formats
from sora_notebook.errors import ValidationError
from sora_notebook.library import DELETED_REMOTE, Job, Library
from sora_notebook.library.lineage import Tree, build_tree, lineage_of
from sora_notebook.protocol import COMPLETED
from sora_notebook.studio.progress import CEILING, Progress, Source, default_duration, estimate
from sora_notebook.studio.runner import Runner

if TYPE_CHECKING:
    from sora_notebook.judge import Preference, Rank

__all__ = ["Reading"]

JobRef = Job | str


class Reading:
    """Read-side methods of `Studio`."""

    library: Library
    runner: Runner
    _clock: Callable[[], float]
    _on_change: Callable[[str, Job], None]

    if TYPE_CHECKING:  # from `Judging`

        def preferences(self, jobs: Sequence[JobRef] | None = None) -> list[Preference[str]]: ...

        def ranking(self, jobs: Sequence[JobRef] | None = None) -> list[Rank[Job]]: ...

    def _resolve(self, job: JobRef) -> Job:
        if isinstance(job, Job):
            return self.library.get(job.key)
        found = self.library.find_key(job) or self.library.find(job)
        if found is None:
            raise ValidationError(f"No job {job!r} in this studio's library.")
        return found

    def get(self, key: str) -> Job:
        """A job by local key (or server id)."""
        return self._resolve(key)

    def jobs(self, **filters: Any) -> list[Job]:
        """Records, oldest first; filters as `Library.jobs` (status, model, tag, search...)."""
        return self.library.jobs(**filters)

    def history(self, *, as_frame: bool | None = None, **filters: Any) -> Any:
        """Records as a pandas DataFrame when pandas is installed, else a list of Job."""
        jobs = self.jobs(**filters)
        if as_frame is False:
            return jobs
        try:
            import pandas as pd
        except ImportError:
            if as_frame:
                raise
            return jobs
        frame = pd.DataFrame([j.to_dict() for j in jobs])
        return frame.set_index("key") if not frame.empty else frame

    def lineage(self, job: JobRef) -> list[Job]:
        """The chain from the first ancestor down to this job."""
        record = self._resolve(job)
        return lineage_of(record, {j.key: j for j in self.library.jobs()})

    def tree(self, root: JobRef | None = None) -> Tree:
        """Every job as a tree of edges, or the subtree under `root`."""
        key = None if root is None else self._resolve(root).key
        return build_tree(self.library.jobs(), root=key)

    def media_path(self, job: JobRef, variant: str = "video") -> Path | None:
        """The local file of a variant (plays even after the server's copy expired)."""
        return self.library.media_path(self._resolve(job), variant)

    def annotate(
        self,
        job: JobRef,
        *,
        rating: int | None = ...,  # type: ignore[assignment]
        notes: str | None = None,
        tags: list[str] | None = None,
    ) -> Job:
        """Set a job's rating (0-5), notes and tags."""
        updated = self.library.annotate(
            self._resolve(job).key, rating=rating, notes=notes, tags=tags
        )
        self._on_change("updated", updated)
        return updated

    def export(
        self, path: str | os.PathLike[str], *, root: JobRef | None = None, embed: bool = True
    ) -> Path:
        """Write the tree (under `root`) in the format `path`'s suffix names: `*.html` a
        static gallery, otherwise a zip of the records, lineage and media (restore it with
        `sora_notebook.export.import_archive`). Formats live in `sora_notebook.export`.
        A gallery carries ratings, cached metrics and the ranking of the tree's variants."""
        tree = self.tree(root)
        prefs = self.preferences(list(tree.nodes.values()))
        compared = [
            j for k, j in tree.nodes.items() if any(k in (p.winner, p.loser) for p in prefs)
        ]
        ranking = self.ranking(compared) if compared else None
        return export_formats.export(self.library, tree, path, embed=embed, ranking=ranking)

    def progress(self, job: JobRef) -> Progress:
        """How far along a job is now, and its time left (see `studio.progress`).

        `fraction` is 1 only once completed, never goes backwards between calls, and is
        corrected by every server answer; `Progress.at(t)` moves it on between answers.
        """
        record = self._resolve(job)
        now = self._clock()
        if record.status == COMPLETED:
            return Progress(1.0, 0.0, "server", record.completed_at or now)
        if record.is_final or record.status == DELETED_REMOTE:
            reported = min(CEILING, record.progress / 100)
            return Progress(reported, None, "server", record.completed_at or now)
        state = self.runner.state(record.key)
        seen_at, reported = state.seen_at, record.progress / 100
        reports = state.reports
        if seen_at is None and record.video_id is not None:
            seen_at = record.updated_at  # answered before this process started
            reports = [(seen_at, reported)] if 0 < reported < 1 else []
        fraction, left = estimate(
            now=now,
            started=record.created_at or record.submitted_at,
            predicted=self.runner.predicted(record) or default_duration(record.seconds),
            reports=reports,
            zero_at=state.zero_at,
        )
        told = seen_at is not None and fraction <= reported + 1e-9
        source: Source = "server" if told else "predicted"
        if state.shown is not None:
            fraction = max(fraction, state.shown.at(now))
        state.shown = Progress(fraction, left, source, now)
        return state.shown

    # --- notebook ----------------------------------------------------------------------

    def panel(self) -> Any:
        """The widget panel for this studio (imports the widgets on first use)."""
        from sora_notebook.widgets import StudioPanel

        return StudioPanel(self)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        try:
            panel = self.panel()
        except ImportError:
            display(repr(self))
            return
        display(panel)
