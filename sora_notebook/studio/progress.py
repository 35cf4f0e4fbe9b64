"""How far along a job is, and how long it has left: `Studio.progress(job)`.

A job's duration is predicted from the library: the median of earlier completed jobs of
the same backend, model, size and seconds (`Library.durations`), else `DEFAULT_DURATION`
(documented: 20 s plus 5 s per second of video, so a 4 s clip is 40 s) until one is known.
Each server answer corrects it: the pace of its reported progress (between its last two
answers, else since it last said 0) predicts the rest, trusted in proportion to how far
along it says the job is; a job still running past the prediction is given a little more
time (a server reporting only 0 or 100 still moves, on the prediction alone).

`fraction` is elapsed / (elapsed + seconds left), so the browser's straight line
`Progress.at(t)` reaches 1 exactly when the job is predicted to end; it never reaches 1
before the server says completed (at most `CEILING`), and the studio never lets it go
backwards (`Tracking.last` keeps what was shown).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = ["CEILING", "DEFAULT_DURATION", "Progress", "default_duration", "estimate"]

#: Where an unfinished job's fraction stops: only the server's `completed` is 1.
CEILING = 0.99
#: Seconds a job is expected to take before any of its shape has completed.
DEFAULT_DURATION = 20.0
DEFAULT_PER_SECOND = 5.0
#: A job running past its prediction is given this share of its time overdue more...
OVERDUE_SHARE = 0.25
#: ... and never less than this many seconds.
MIN_LEFT = 1.0
Source = Literal["server", "predicted"]


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
    "server" when a server answer is the latest word, "predicted" when the studio's
    prediction moved it on since. Between messages a view draws `at(t)`.
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


def estimate(
    *,
    now: float,
    started: float,
    predicted: float,
    reports: Sequence[tuple[float, float]] = (),
    zero_at: float | None = None,
) -> tuple[float, float]:
    """(fraction, seconds left) of an unfinished job `now`.

    `started`: its creation; `predicted`: its expected duration; `reports`: the server's
    last (time, fraction) answers above 0, oldest first; `zero_at`: when the server last
    said 0 (still queued). The server's pace (between its last two answers, else since it
    last said 0) predicts the rest; it is trusted in proportion to how far it says it is.
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
    if left < MIN_LEFT:  # overdue: a little more, growing with the wait
        left = max(MIN_LEFT, OVERDUE_SHARE * max(0.0, elapsed - predicted))
    fraction = min(CEILING, max(reported, elapsed / (elapsed + left)))
    return fraction, left
