"""How fast a studio may send requests: one token bucket with priorities by kind.

One `RateLimiter` caps every request of a studio. Status refreshes have a token of
its bucket to themselves and go first when they must wait; media downloads and creates
take turns. So a burst of submissions never holds back the detection of finished jobs
or the saving of their media.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections import Counter
from collections.abc import Awaitable, Callable

__all__ = ["CREATE", "DOWNLOAD", "KINDS", "STATUS", "RateLimiter"]


#: Request kinds. When several wait for the rate limit, status refreshes go first;
#: downloads and creates take turns (so neither a burst of creates nor a backlog of
#: downloads holds the other back for long).
STATUS, DOWNLOAD, CREATE = "status", "download", "create"
KINDS = (STATUS, DOWNLOAD, CREATE)
#: Tokens of the bucket that only status refreshes may take.
STATUS_RESERVE = 1.0
EPSILON = 1e-6  # of a token


class RateLimiter:
    """A token bucket: at most `rate` requests per second overall, bursts up to `burst`.

    Status refreshes have one token of the bucket to themselves (when `burst` >= 2:
    downloads and creates leave it), so one is seldom kept waiting at all; waiting ones
    go first. Downloads and creates take turns; each kind is first come, first served.
    `acquired` counts tokens given, `counts` per kind.
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
        self._reserve = min(STATUS_RESERVE, self.burst - 1.0)
        self._turn_taken = False  # someone is waiting for the next token
        self._queue: list[tuple[int, int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._turns: Counter[str] = Counter()  # the last turn handed out, per kind
        self._turn = 0  # the turn being served
        self.acquired = 0
        self.counts: Counter[str] = Counter()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    async def acquire(self, kind: str = CREATE) -> None:
        """Wait for a token: status refreshes first, then downloads and creates in turn."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        if kind == STATUS:
            self._refill()
            if self._tokens >= 1.0 - EPSILON:  # its reserved token, or any other
                self._take(kind)
                return
        if self._turn_taken:
            turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            heapq.heappush(self._queue, (*self._place(kind), next(self._order), turn))
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
        need = 1.0 if kind == STATUS else 1.0 + self._reserve
        try:
            self._refill()
            while self._tokens < need - EPSILON:  # a clock's rounding must not spin
                await self._sleep((need - self._tokens) / self.rate)
                self._refill()
            self._take(kind)
        finally:
            self._pass_turn()

    def _take(self, kind: str) -> None:
        self._tokens -= 1.0
        self.acquired += 1
        self.counts[kind] += 1

    def _place(self, kind: str) -> tuple[int, int]:
        """Where a new waiter queues: (0, 0) for a status refresh, else (1, its kind's
        next turn), each kind's turns counted on from the one being served."""
        if kind == STATUS:
            return (0, 0)
        self._turns[kind] = max(self._turns[kind], self._turn) + 1
        return (1, self._turns[kind])

    def _pass_turn(self) -> None:
        """Give the next token's wait to the first live waiter in line."""
        while self._queue:
            level, turn_no, _, turn = heapq.heappop(self._queue)
            if not turn.done():
                if level:
                    self._turn = turn_no
                turn.set_result(None)
                return
        self._turn_taken = False
