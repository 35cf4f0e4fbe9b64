"""How far along a job is, and how long it has left: `Studio.progress(job)`.

A job's duration is predicted from the library: the median of earlier completed jobs of
the same backend, model, size and seconds (`Library.durations`), else `DEFAULT_DURATION`
(documented: 20 s plus 5 s per second of video, so a 4 s clip is 40 s) until one is known.
Each server answer corrects it: a progress `p` reported `e` seconds after creation
implies a total of `e / p`, trusted in proportion to `p`; a job still running past the
prediction is given a little more time (a server reporting only 0 or 100 still moves).

`fraction` is elapsed / (elapsed + seconds left), so the browser's straight line
`Progress.at(t)` reaches 1 exactly when the job is predicted to end; it never reaches 1
before the server says completed (at most `CEILING`), and the studio never lets it go
backwards (`Tracking.last` keeps what was shown).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["CEILING", "DEFAULT_DURATION", "Progress", "default_duration", "estimate"]

#: Where an unfinished job's fraction stops: only the server's `completed` is 1.
CEILING = 0.99
#: Seconds a job is expected to take before any of its shape has completed.
DEFAULT_DURATION = 20.0
DEFAULT_PER_SECOND = 5.0
#: A job running past its prediction is given this share of its elapsed time more.
OVERDUE_SHARE = 0.25
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
    reported: float,
    reported_at: float | None,
) -> tuple[float, float]:
    """(fraction, seconds left) of a running job `now`.

    `started`: creation time; `predicted`: its expected total duration; `reported`: the
    server's last fraction (0-1), seen at `reported_at` (None: no answer yet).
    """
    elapsed = max(0.0, now - started)
    total = max(predicted, 1e-3)
    if reported_at is not None and 0.0 < reported < 1.0:
        seen = max(1e-3, reported_at - started)
        total = (1.0 - reported) * total + reported * (seen / reported)
    if elapsed >= total:  # overdue: a little more, growing with the wait
        total = elapsed * (1.0 + OVERDUE_SHARE)
    left = total - elapsed
    fraction = min(CEILING, max(reported, elapsed / total))
    return fraction, left
