"""How far along a job is, and how long it has left: `Studio.progress(job)`.

A job's duration is predicted from the library: the median of earlier completed jobs of
the same backend, model, size and seconds (`Library.durations`), else `DEFAULT_DURATION`
(documented: 20 s plus 5 s per second of video, so a 4 s clip is 40 s) until one is known.
Each server answer corrects it: the pace of its reported progress (between its last two
answers, else since it last said 0) predicts the rest, trusted in proportion to how far
along it says the job is (a server reporting only 0 or 100 still moves, on the
prediction alone). A job past its estimate is `overdue`: its estimate moves out in
proportion to the time it has taken, and a view says it is taking longer rather than
showing a number of seconds.

`fraction` is elapsed / (elapsed + seconds left), so the browser's straight line
`Progress.at(t)` reaches 1 exactly when the job is predicted to end; it never reaches 1
before the server says completed (at most `CEILING`), never goes backwards between
calls, and never jumps more than `MAX_STEP` in one: a corrected estimate is eased in by
keeping the time left and starting the line from what was shown (`ProgressBook` keeps
what each job last showed). `tests/vectors/progress.json` holds this file and the
page's copy (`widgets/static/progress.js`) to the same numbers and words.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from sora_notebook.library import DELETED_REMOTE, Job
from sora_notebook.protocol import COMPLETED, Video

__all__ = [
    "CEILING",
    "DEFAULT_DURATION",
    "Estimate",
    "Progress",
    "ProgressBook",
    "default_duration",
    "estimate",
]

#: Where an unfinished job's fraction stops: only the server's `completed` is 1.
CEILING = 0.99
#: Seconds a job is expected to take before any of its shape has completed.
DEFAULT_DURATION = 20.0
DEFAULT_PER_SECOND = 5.0
#: A job with less than this many seconds to go by its estimate is overdue...
DUE = 1.0
#: ... and is given this share of the time it has taken so far more...
OVERDUE_SHARE = 0.5
#: ... and never less than this many seconds.
MIN_LEFT = 5.0
#: The most a job's fraction moves in one reading beyond its own line (5 points).
MAX_STEP = 0.05
#: What the time left rests on: "server" (the server said half done or more, so its pace
#: weighs most), "history" (earlier jobs of this shape), "pace" (no earlier job: the
#: documented pace, a rough guess), "overdue" (past the estimate, which moves out).
Source = Literal["server", "history", "pace", "overdue"]


def default_duration(seconds: str | None) -> float:
    """The documented guess before any job of this shape completed: 20 s + 5 s per
    second of video (4 s clip: 40 s). Each completed job replaces it with history."""
    try:
        secs = float(seconds) if seconds is not None else 4.0
    except ValueError:
        secs = 4.0
    return DEFAULT_DURATION + DEFAULT_PER_SECOND * secs


@dataclass(frozen=True)
class Progress:
    """A job's progress at `as_of` (Unix seconds).

    `fraction` 0-1 (1 only once completed); `seconds_left` None when unknown; `source`
    what the time left rests on (see `Source`). Between messages a view draws `at(t)`.
    """

    fraction: float
    seconds_left: float | None
    source: Source
    as_of: float

    def at(self, t: float) -> float:
        """`min(0.99, fraction + (t - as_of) * (1 - fraction) / seconds_left)`, never
        below `fraction` (the same formula the browser animates with)."""
        if self.fraction >= 1.0 or not self.seconds_left:
            return self.fraction
        moved = self.fraction + (t - self.as_of) * (1.0 - self.fraction) / self.seconds_left
        return max(self.fraction, min(CEILING, moved))

    def to_dict(self) -> dict[str, object]:
        return {
            "fraction": self.fraction,
            "seconds_left": self.seconds_left,
            "source": self.source,
            "as_of": self.as_of,
        }


class Estimate(NamedTuple):
    """What `estimate` gives: the fraction, the seconds left and whether it is overdue."""

    fraction: float
    left: float
    overdue: bool


def estimate(
    *,
    now: float,
    started: float,
    predicted: float,
    reports: Sequence[tuple[float, float]] = (),
    zero_at: float | None = None,
    overdue: bool = False,
) -> Estimate:
    """(fraction, seconds left, overdue) of an unfinished job `now`.

    `started`: its creation; `predicted`: its expected duration; `reports`: the server's
    last (time, fraction) answers above 0, oldest first; `zero_at`: when the server last
    said 0 (still queued). The server's pace (between its last two answers, else since it
    last said 0) predicts the rest; it is trusted in proportion to how far it says it is.
    Overdue (under `DUE` to go, the server says 100 but not completed, or `overdue`
    already): the job is given `OVERDUE_SHARE` of its elapsed time more, at least
    `MIN_LEFT`, or what the server's pace says if that is more.
    """
    elapsed = max(0.0, now - started)
    left = predicted - elapsed
    reported = 0.0
    if reports:
        seen, reported = reports[-1]
        if len(reports) > 1 and reported > reports[-2][1]:
            rate = (reported - reports[-2][1]) / max(seen - reports[-2][0], 1e-3)
        else:
            since = started if zero_at is None else max(started, min(zero_at, seen))
            rate = reported / max(seen - since, 1e-3)
        by_server = (1.0 - reported) / rate - (now - seen)
        left = (1.0 - reported) * left + reported * by_server
    overdue = overdue or left < DUE or reported >= 1.0
    if overdue:  # the estimate moves out, in proportion to the wait
        left = max(left, MIN_LEFT, OVERDUE_SHARE * elapsed)
    fraction = min(CEILING, max(reported, elapsed / (elapsed + left)))
    return Estimate(fraction, left, overdue)


@dataclass
class _Heard:
    """What the server said about one job's progress, and what was last shown."""

    seen_at: float | None = None  # when the server last answered about it
    reports: list[tuple[float, float]] = field(default_factory=list)  # (time, 0-1) > 0
    zero_at: float | None = None  # when the server last said 0 (queued)
    shown: Progress | None = None  # the progress last reported (it never goes back)
    overdue: bool = False  # once past its estimate, it says so until it ends


class ProgressBook:
    """The one owner of progress: what servers said (`heard`, from the runner) and what
    each job last showed (`of`, for readers), so a fraction never goes backwards."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._jobs: dict[str, _Heard] = {}

    def heard(self, key: str, at: float, video: Video) -> None:
        """Note what the server said about the job's progress at `at`."""
        book = self._jobs.setdefault(key, _Heard())
        book.seen_at = at
        if video.is_terminal:
            return
        fraction = max(0, min(100, video.progress)) / 100
        if fraction <= 0:
            book.zero_at = at
        elif not book.reports or fraction != book.reports[-1][1]:
            book.reports = [*book.reports[-1:], (at, fraction)]

    def forget(self, key: str) -> None:
        self._jobs.pop(key, None)

    def of(self, record: Job, predicted: float | None) -> Progress:
        """How far along `record` is now (`predicted`: its expected duration, if known)."""
        now = self.clock()
        if record.status == COMPLETED:
            return Progress(1.0, 0.0, "server", record.completed_at or now)
        if record.is_final or record.status == DELETED_REMOTE:
            reported = min(CEILING, record.progress / 100)
            return Progress(reported, None, "server", record.completed_at or now)
        book = self._jobs.setdefault(record.key, _Heard())
        seen_at, reported = book.seen_at, record.progress / 100
        reports = book.reports
        if seen_at is None and record.video_id is not None:
            seen_at = record.updated_at  # answered before this process started
            reports = [(seen_at, reported)] if 0 < reported < 1 else []
        fraction, left, overdue = estimate(
            now=now,
            started=record.created_at or record.submitted_at,
            predicted=predicted or default_duration(record.seconds),
            reports=reports,
            zero_at=book.zero_at,
            overdue=book.overdue,
        )
        book.overdue = overdue
        said = reports[-1][1] if reports else 0.0  # the server's word weighs as much
        source: Source = "overdue" if overdue else "server" if said >= 0.5 else "history"
        if source == "history" and not predicted:
            source = "pace"
        if book.shown is not None:  # never back, and a correction eased in
            was = book.shown.at(now)
            fraction = max(was, min(fraction, was + MAX_STEP))
        book.shown = Progress(fraction, left, source, now)
        return book.shown
