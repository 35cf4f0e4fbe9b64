"""The studio's judge: metrics (cached in the library), preferences, ranking.

`Studio` delegates to a `Judge`; the numbers come from `sora_notebook.judge` (media in,
numbers out) and are kept by `sora_notebook.library.judging`. Metrics are computed in a
worker thread, so the kernel's loop (and the view) stays responsive while a clip decodes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from sora_notebook.errors import SoraNotebookError, ValidationError
from sora_notebook.judge import VERSION, Metrics, Preference, Rank, Scorer, measure, rank
from sora_notebook.judge import difference as frame_difference
from sora_notebook.judge import next_pair as least_certain_pair
from sora_notebook.library import Job, Library
from sora_notebook.library.judging import JudgingRecords
from sora_notebook.studio.refs import JobRef, resolve

__all__ = ["Judge"]


class Judge:
    """Metrics, preferences and rankings of one library's jobs."""

    def __init__(
        self,
        library: Library,
        *,
        clock: Callable[[], float],
        on_change: Callable[[str, Job], None],
    ) -> None:
        self.library = library
        self._clock = clock
        self._on_change = on_change
        self._records: JudgingRecords = library.judging

    def _resolve(self, job: JobRef) -> Job:
        return resolve(self.library, job)

    # --- metrics -------------------------------------------------------------------------

    def _video(self, job: Job) -> Path:
        path = self.library.media_path(job)
        if path is None:
            raise SoraNotebookError(
                f"Job {job.key} has no saved video to measure yet (status {job.status}); "
                "wait for it to complete and download."
            )
        return path

    def _parent_video(self, job: Job) -> tuple[Path | None, str]:
        parent = self.library.find_key(job.parent_key) if job.parent_key else None
        path = self.library.media_path(parent) if parent is not None else None
        return path, (parent.sha256 or "") if parent is not None and path else ""

    def _source(self, job: Job, path: Path, parent_sha: str) -> str:
        """What the cached numbers were computed from: metrics version and media."""
        stat = path.stat()
        media = job.sha256 or f"{stat.st_size}:{stat.st_mtime_ns}"
        return f"v{VERSION}:{media}:{parent_sha}"

    def cached_metrics(self, job: JobRef) -> Metrics | None:
        """The metrics kept in the library for `job` (None when never computed, or when
        its media or the metrics' definitions changed since)."""
        record = self._resolve(job)
        path = self.library.media_path(record)
        cached = self._records.load_metrics(record.key)
        if path is None or cached is None:
            return None
        source, body = cached
        if source != self._source(record, path, self._parent_video(record)[1]):
            return None
        return Metrics.from_dict(body)

    async def metrics(self, job: JobRef, scorers: Iterable[Scorer] = ()) -> Metrics:
        """Named numbers about `job`'s saved video (see `sora_notebook.judge.METRICS` for
        units), with per-frame `curves`; `similarity_to_parent` when its parent's video is
        saved. Computed once and kept in the library; `scorers` (callables taking a
        `sora_notebook.judge.Clip`) run each call and their numbers are kept beside."""
        record = self._resolve(job)
        path = self._video(record)
        parent_path, parent_sha = self._parent_video(record)
        chosen = list(scorers)
        result = self.cached_metrics(record)
        if result is None:
            result = await asyncio.to_thread(measure, path, parent=parent_path, scorers=chosen)
        elif chosen:
            scored = await asyncio.to_thread(_scores, path, chosen)
            result = result.merged(scored)
        self._records.save_metrics(
            record.key, self._source(record, path, parent_sha), result.to_dict(), self._clock()
        )
        return result

    async def difference(self, a: JobRef, b: JobRef) -> list[float]:
        """A per-frame strip of how two variants differ: 1 - SSIM of aligned frames, 0-1."""
        first, second = self._video(self._resolve(a)), self._video(self._resolve(b))
        return await asyncio.to_thread(frame_difference, first, second)

    # --- preferences and ranking ---------------------------------------------------------

    def prefer(self, winner: JobRef, loser: JobRef, *, tie: bool = False) -> None:
        """Keep one judgement in the library: `winner` over `loser` (or a tie)."""
        won, lost = self._resolve(winner), self._resolve(loser)
        if won.key == lost.key:
            raise ValidationError("Compare two different jobs.", param="loser")
        self._records.add_preference(won.key, lost.key, tie, self._clock())
        self._on_change("updated", won)
        self._on_change("updated", lost)

    def preferences(self, jobs: Sequence[JobRef] | None = None) -> list[Preference[str]]:
        """Every stored judgement (among `jobs` when given), oldest first, by job key."""
        keys = None if jobs is None else [_key(self, j) for j in jobs]
        return [Preference(w, lo, t) for w, lo, t in self._records.preferences(keys)]

    def _judged(self, jobs: Sequence[JobRef] | None, default: Callable[[], list[Job]]) -> list[Job]:
        return default() if jobs is None else [self._resolve(j) for j in jobs]

    def _compared(self) -> list[Job]:
        named = {k for p in self._records.preferences() for k in (p[0], p[1])}
        return [j for j in self.library.jobs() if j.key in named]

    def _playable(self) -> list[Job]:
        return [j for j in self.library.jobs(status="completed") if self.library.media_path(j)]

    def ranking(self, jobs: Sequence[JobRef] | None = None) -> list[Rank[Job]]:
        """`jobs` (default: every job someone compared) best first, by a Bradley-Terry
        score from the stored preferences among them, with its uncertainty `sigma`."""
        chosen = self._judged(jobs, self._compared)
        by_key = {j.key: j for j in chosen}
        ranks = rank(list(by_key), self.preferences(list(by_key.values())))
        return [Rank(by_key[r.job], r.score, r.sigma, r.wins, r.losses, r.ties) for r in ranks]

    def ranking_among(self, jobs: Sequence[Job]) -> list[Rank[Job]] | None:
        """The ranking of those of `jobs` anyone compared (None when none was)."""
        prefs = self.preferences(list(jobs))
        named = {k for p in prefs for k in (p.winner, p.loser)}
        compared = [j for j in jobs if j.key in named]
        return self.ranking(compared) if compared else None

    def next_pair(self, jobs: Sequence[JobRef] | None = None) -> tuple[Job, Job] | None:
        """The two of `jobs` (default: every completed job with its video saved) whose
        order the ranking is least sure of, made from one prompt by two models (or two
        backends) while there are such pairs; None with fewer than two."""
        chosen = self._judged(jobs, self._playable)
        by_key = {j.key: j for j in chosen}
        prefs = self.preferences(list(by_key.values()))

        def across_models(a: str, b: str) -> bool:
            one, other = by_key[a], by_key[b]
            return one.prompt == other.prompt and _maker(one) != _maker(other)

        pair = least_certain_pair(rank(list(by_key), prefs), prefs, across_models)
        return None if pair is None else (by_key[pair[0]], by_key[pair[1]])


def _maker(job: Job) -> tuple[str, str, str | None]:
    """Who made a video: the backend (kind and address) and the model."""
    return job.backend, job.backend_url, job.model


def _key(judge: Judge, job: JobRef) -> str:
    """A job's key without a library read when given the record itself."""
    return job.key if isinstance(job, Job) else judge._resolve(job).key


def _scores(path: Path, scorers: list[Scorer]) -> Metrics:
    """Only the scorers' numbers for the clip at `path` (the built-in ones are cached)."""
    from sora_notebook.judge import load_clip
    from sora_notebook.judge.metrics import run_scorers

    return Metrics(run_scorers(load_clip(path), scorers))
