"""The polling schedule and the request-rate cap (with its priorities), on fake clocks."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from sora_notebook.studio.polling import PollPolicy, predict_duration
from sora_notebook.studio.ratelimit import CREATE, DOWNLOAD, STATUS, RateLimiter

from .conftest import FakeTime


def schedule(policy: PollPolicy, predicted: float | None, until: float) -> list[float]:
    """Poll times of a job that completes at `until`."""
    t, polls, times = 0.0, 0, []
    while t < until:
        t += policy.next_delay(elapsed=t, predicted=predicted, polls=polls)
        polls += 1
        times.append(t)
    return times


def test_sparse_early_dense_near_predicted_end():
    times = schedule(PollPolicy(min_interval=1, max_interval=20), predicted=60, until=60)
    gaps = [b - a for a, b in zip([0.0, *times], times, strict=False)]
    assert gaps[0] == 20  # capped at max_interval
    assert gaps[-1] <= 2  # near the end polls are dense
    assert gaps == sorted(gaps, reverse=True)  # never sparser as the end nears
    assert len(times) <= 10


def test_overdue_job_is_polled_often_then_backs_off():
    policy = PollPolicy(min_interval=1, max_interval=20)
    first = policy.next_delay(elapsed=61, predicted=60, polls=9)
    later = policy.next_delay(elapsed=90, predicted=60, polls=10)
    assert first == 1 and 1 < later <= 20
    # the back-off follows the time overdue, not how often the job was looked at
    assert policy.next_delay(elapsed=61, predicted=60, polls=30) == 1


def test_no_prediction_backs_off_from_first_delay():
    policy = PollPolicy(min_interval=1, max_interval=20, first_delay=1)
    delays = [policy.next_delay(elapsed=0, predicted=None, polls=n) for n in range(7)]
    assert delays == [1, 2, 4, 8, 16, 20, 20]


def test_progress_extrapolates_when_nothing_was_learned():
    policy = PollPolicy(min_interval=1, max_interval=100)
    # 25% after 10 s: about 30 s left, so wait about 15 s
    assert policy.next_delay(elapsed=10, predicted=None, progress=25) == pytest.approx(15)


def test_server_hint_is_a_floor():
    policy = PollPolicy(min_interval=1, max_interval=20)
    assert policy.next_delay(elapsed=59, predicted=60, hint=7.5) == 7.5
    assert policy.next_delay(elapsed=0, predicted=60, hint=0.5) == 20
    assert policy.next_delay(elapsed=0, predicted=60, hint=10_000) == 120


def test_predict_duration_is_the_median():
    assert predict_duration([]) is None
    assert predict_duration([10, 50, 30]) == 30


async def test_rate_limiter_caps_requests_per_second():
    time = FakeTime(real=0)
    limiter = RateLimiter(2.0, burst=1, clock=time.clock, sleep=time.sleep)
    stamps = []
    for _ in range(9):
        await limiter.acquire()
        stamps.append(time.now)
    assert stamps[-1] - stamps[0] >= 8 / 2.0 - 1e-9
    assert all(b - a >= 0.5 - 1e-9 for a, b in itertools.pairwise(stamps))
    assert limiter.acquired == 9


async def test_rate_limiter_allows_a_burst_then_waits():
    time = FakeTime(real=0)
    limiter = RateLimiter(5.0, burst=5, clock=time.clock, sleep=time.sleep)
    for _ in range(4):
        await limiter.acquire(CREATE)
    await limiter.acquire(STATUS)  # the last token of the burst is kept for status refreshes
    assert time.sleeps == []
    await limiter.acquire(STATUS)
    assert time.sleeps and time.now > 1_900_000_000.0


async def test_a_status_refresh_finds_its_reserved_token_after_a_burst_of_creates():
    time = FakeTime(real=0)
    limiter = RateLimiter(5.0, burst=5, clock=time.clock, sleep=time.sleep)
    creates = [asyncio.create_task(limiter.acquire(CREATE)) for _ in range(20)]
    while limiter.counts[CREATE] < 10:
        await asyncio.sleep(0)
    start = time.now
    await limiter.acquire(STATUS)
    assert time.now == start  # not a moment's wait, though 10 creates still wait
    await asyncio.gather(*creates)


def test_rate_limiter_refuses_zero_rate():
    with pytest.raises(ValueError):
        RateLimiter(0)


async def test_a_status_refresh_goes_before_queued_creates():
    time = FakeTime(real=0)
    limiter = RateLimiter(5.0, burst=1, clock=time.clock, sleep=time.sleep)
    order: list[str] = []

    async def take(kind: str, tag: str) -> None:
        await limiter.acquire(kind)
        order.append(tag)

    creates = [asyncio.create_task(take(CREATE, f"create {i}")) for i in range(20)]
    while len(order) < 3:  # the creates are queued and being served
        await asyncio.sleep(0)
    served = len(order)
    late = [
        asyncio.create_task(take(DOWNLOAD, "download")),
        asyncio.create_task(take(STATUS, "status")),
    ]
    await asyncio.gather(*creates, *late)
    # at most the create already waiting for the next token goes first
    assert order.index("status") <= served + 1
    # the download's turn comes after the create holding the turn and one sharing its turn
    assert order.index("download") <= served + 3
    assert order[-1] == "create 19"
    assert limiter.counts == {CREATE: 20, DOWNLOAD: 1, STATUS: 1}


async def test_downloads_and_creates_take_turns():
    time = FakeTime(real=0)
    limiter = RateLimiter(5.0, burst=1, clock=time.clock, sleep=time.sleep)
    order: list[str] = []

    async def take(kind: str) -> None:
        await limiter.acquire(kind)
        order.append(kind)

    await limiter.acquire(STATUS)  # the bucket is empty: everything below waits
    creates = [asyncio.create_task(take(CREATE)) for _ in range(10)]
    await asyncio.sleep(0)
    downloads = [asyncio.create_task(take(DOWNLOAD)) for _ in range(5)]
    await asyncio.gather(*creates, *downloads)
    # the downloads' turns start from the create being served, then one each
    first = order.index(DOWNLOAD)
    assert first <= 3
    assert order[first - 1 : first + 9] == [CREATE, DOWNLOAD] * 5
    assert order.count(CREATE) == 10


async def test_priorities_keep_the_overall_cap():
    time = FakeTime(real=0)
    rate, burst = 4.0, 2
    limiter = RateLimiter(rate, burst=burst, clock=time.clock, sleep=time.sleep)
    stamps: list[float] = []

    async def take(kind: str) -> None:
        await limiter.acquire(kind)
        stamps.append(time.now)

    kinds = [(CREATE, DOWNLOAD, STATUS)[i % 3] for i in range(30)]
    await asyncio.gather(*(take(kind) for kind in kinds))
    assert limiter.acquired == 30
    # any k tokens given in a span of t seconds: k <= burst + rate * t
    for i, j in itertools.combinations(range(len(stamps)), 2):
        assert j - i + 1 <= burst + rate * (stamps[j] - stamps[i]) + 1e-9
    assert stamps[-1] - stamps[0] >= (30 - burst) / rate - 1e-9


async def test_a_cancelled_waiter_does_not_block_the_others():
    time = FakeTime(real=0)
    limiter = RateLimiter(1.0, burst=1, clock=time.clock, sleep=time.sleep)
    await limiter.acquire(CREATE)  # the bucket is empty now
    holder = asyncio.create_task(limiter.acquire(CREATE))  # waits for the next token
    waiter = asyncio.create_task(limiter.acquire(DOWNLOAD))
    await asyncio.sleep(0)
    waiter.cancel()
    later = asyncio.create_task(limiter.acquire(CREATE))
    await asyncio.gather(holder, later)
    assert waiter.cancelled()
    assert limiter.counts == {CREATE: 3}


def test_the_first_check_comes_early_whatever_the_prediction():
    policy = PollPolicy(min_interval=1, max_interval=20, first_check=2)
    # a 60 s job: half the time left would be 20 s, but its status is checked at 2 s
    assert policy.next_delay(elapsed=0, predicted=60, checked=False) == 2
    assert policy.next_delay(elapsed=5, predicted=60, checked=False, since_submit=0.5) == 1.5
    assert policy.next_delay(elapsed=0, predicted=60, checked=True) == 20


def test_a_tiny_first_progress_predicts_nothing():
    policy = PollPolicy(min_interval=1, max_interval=20, first_delay=1)
    # 1% after 1 s would extrapolate to 100 s: back off from first_delay instead
    assert policy.next_delay(elapsed=1, predicted=None, progress=1, polls=1) == 2
