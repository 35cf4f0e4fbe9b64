"""When to poll next. Pure, clock-injected.

Sparse early, dense near the predicted completion: the next poll comes after half of
the predicted time left (within `min_interval`..`max_interval`), so a 60 s job is polled
at about 30, 45, 53, 57, 59 s (then, if overdue, every quarter of the time overdue,
at least `min_interval`). The prediction is the median of past durations of jobs of
the same backend/model/size/seconds, else extrapolated from the reported progress; with
neither, polls back off from `min_interval`. A server's `openai-poll-after-ms` is a
floor: the studio never polls earlier than the server asked. One exception to "sparse
early": the first status check of a job comes `first_check` seconds after its creation
at the latest, so a job the server fails at once (moderation, a server-side validation)
is known within seconds, not at half its predicted time.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["PollPolicy", "predict_duration"]

MAX_HINT = 120.0
#: Progress (percent) below which it says too little to extrapolate a duration from (a
#: first look at 1-2% after a second or two would predict minutes).
MIN_EXTRAPOLATE = 10
#: An overdue job is polled again after its time overdue divided by this.
OVERDUE_BACKOFF = 4.0


def predict_duration(durations: Sequence[float]) -> float | None:
    """The typical duration (median) of past jobs like this one; None with no history."""
    return float(statistics.median(durations)) if durations else None


@dataclass(frozen=True)
class PollPolicy:
    """Tunable polling schedule (seconds)."""

    min_interval: float = 1.0
    max_interval: float = 20.0
    first_delay: float = 1.0
    first_check: float = 2.0

    def next_delay(
        self,
        *,
        elapsed: float,
        predicted: float | None,
        progress: int = 0,
        polls: int = 0,
        hint: float | None = None,
        checked: bool = True,
        since_submit: float | None = None,
    ) -> float:
        """Seconds until the next poll of a job `elapsed` seconds after its creation
        (`checked`: its status was polled since the create answered; `since_submit`:
        seconds since it was sent, by the local clock, which servers' whole-second
        `created_at` cannot match)."""
        if predicted is None and MIN_EXTRAPOLATE <= progress < 100 and elapsed > 0:
            predicted = elapsed * 100.0 / progress
        if predicted is not None and predicted - elapsed > 0:
            delay = (predicted - elapsed) / 2.0
        elif predicted is not None:
            # overdue: often at first, then back off gently with the time overdue (not
            # the number of polls, which refreshes of many jobs at once make grow fast)
            delay = (elapsed - predicted) / OVERDUE_BACKOFF
        else:
            delay = self.first_delay * 2.0**polls
        delay = max(self.min_interval, min(self.max_interval, delay))
        if not checked:
            age = elapsed if since_submit is None else since_submit
            delay = min(delay, max(0.0, self.first_check - age))
        if hint is not None and hint > 0:
            delay = max(delay, min(hint, MAX_HINT))
        return delay
