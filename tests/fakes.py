"""Fake time for every test folder: the one clock and sleep the code under test is given.

`FakeTime` moves only when the code under test sleeps (or the test calls `advance`);
each sleep also yields `real` seconds of real time, so threads the test relies on (the
emulator's renders, a server on a socket) get to run. `ManualTime` moves only when the
test says so; sleepers wake when their time comes.
"""

from __future__ import annotations

import asyncio

T0 = 1_900_000_000.0


class FakeTime:
    """A Unix clock that moves when the code under test sleeps."""

    def __init__(self, start: float = T0, *, real: float = 0.0) -> None:
        self.now = start
        self.real = real
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    __call__ = clock  # usable directly where a `clock()` callable is wanted

    def advance(self, seconds: float) -> None:
        self.now += seconds

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)
        await asyncio.sleep(self.real)


class ManualTime:
    """A clock only the test moves; `sleep` waits until the test has moved it far enough."""

    def __init__(self, start: float = T0) -> None:
        self.now = start
        self._moved = asyncio.Event()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        until = self.now + seconds
        while self.now < until:
            await self._moved.wait()

    async def advance(self, seconds: float = 0.0) -> None:
        """Move the clock, then let every task run until it waits again."""
        self.now += seconds
        moved, self._moved = self._moved, asyncio.Event()
        moved.set()  # wakes every sleeper; those not due wait on the new event
        for _ in range(50):
            await asyncio.sleep(0)
