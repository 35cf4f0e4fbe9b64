"""When to poll next, and how fast the studio may send requests. Pure, clock-injected.

Sparse early, dense near the predicted completion: the next poll comes after half of
the predicted time left (within `min_interval`..`max_interval`), so a 60 s job is polled
at about 30, 45, 53, 57, 59 s. The prediction is the median of past durations of jobs of
the same backend/model/size/seconds, else extrapolated from the reported progress; with
neither, polls back off from `min_interval`. A server's `openai-poll-after-ms` is a
floor: the studio never polls earlier than the server asked.

One `RateLimiter` caps every request of a studio; when requests wait for it, status
refreshes go first, then media downloads, then creates, so a burst of submissions never
holds back the detection of finished jobs.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import statistics
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

__all__ = [
    "CREATE",
    "DOWNLOAD",
    "PRIORITY",
    "STATUS",
    "PollPolicy",
    "RateLimiter",
    "predict_duration",
]

MAX_HINT = 120.0


def predict_duration(durations: Sequence[float]) -> float | None:
    """The typical duration (median) of past jobs like this one; None with no history."""
    return float(statistics.median(durations)) if durations else None


@dataclass(frozen=True)
class PollPolicy:
    """Tunable polling schedule (seconds)."""

    min_interval: float = 1.0
    max_interval: float = 20.0
    first_delay: float = 1.0

    def next_delay(
        self,
        *,
        elapsed: float,
        predicted: float | None,
        progress: int = 0,
        polls: int = 0,
        hint: float | None = None,
    ) -> float:
        """Seconds until the next poll of a job `elapsed` seconds after its creation."""
        if predicted is None and 0 < progress < 100 and elapsed > 0:
            predicted = elapsed * 100.0 / progress
        if predicted is not None and predicted - elapsed > 0:
            delay = (predicted - elapsed) / 2.0
        elif predicted is not None:
            # overdue: tighten, then back off gently
            delay = self.min_interval * 1.5 ** max(0, polls - 1) if polls else self.min_interval
        else:
            delay = self.first_delay * 2.0**polls
        delay = max(self.min_interval, min(self.max_interval, delay))
        if hint is not None and hint > 0:
            delay = max(delay, min(hint, MAX_HINT))
        return delay


#: Request kinds, most urgent first: when several wait for the rate limit, a status
#: refresh goes before a media download, and both before a create (creates may queue).
STATUS, DOWNLOAD, CREATE = "status", "download", "create"
PRIORITY = {STATUS: 0, DOWNLOAD: 1, CREATE: 2}


class RateLimiter:
    """A token bucket: at most `rate` requests per second overall, bursts up to `burst`.

    Waiters are served most urgent kind first (`PRIORITY`), first come first served
    within a kind, so a burst of creates never delays a status refresh by more than one
    token's wait. `acquired` counts tokens given, `counts` per kind.
    """

    def __init__(
        self,
        rate: float,
        *,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = max(1.0, burst if burst is not None else rate)
        self._clock, self._sleep = clock, sleep
        self._tokens = self.burst
        self._stamp = clock()
        self._turn_taken = False  # someone is waiting for the next token
        self._queue: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self.acquired = 0
        self.counts: Counter[str] = Counter()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    async def acquire(self, kind: str = CREATE) -> None:
        """Wait for a token; the most urgent waiting kind is served first."""
        priority = PRIORITY[kind]
        if self._turn_taken:
            turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            heapq.heappush(self._queue, (priority, next(self._order), turn))
            try:
                await turn
            except asyncio.CancelledError:
                if turn.done() and not turn.cancelled():
                    self._pass_turn()  # it was this waiter's turn: hand it on
                else:
                    turn.cancel()  # skipped when its turn comes
                raise
        else:
            self._turn_taken = True
        try:
            self._refill()
            while self._tokens < 1.0:
                await self._sleep((1.0 - self._tokens) / self.rate)
                self._refill()
            self._tokens -= 1.0
            self.acquired += 1
            self.counts[kind] += 1
        finally:
            self._pass_turn()

    def _pass_turn(self) -> None:
        """Give the next token's wait to the most urgent live waiter."""
        while self._queue:
            _, _, turn = heapq.heappop(self._queue)
            if not turn.done():
                turn.set_result(None)
                return
        self._turn_taken = False
