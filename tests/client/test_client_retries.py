"""The retry matrix: which failures are retried, how often, and how long the client waits."""

from __future__ import annotations

import email.utils

import httpx
import pytest
from client_fakes import T0, FakeTime, make_client, video_json

from sora_notebook.client._http.retry import backoff, is_ambiguous, retry_delay, should_retry_status
from sora_notebook.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    UnprocessableEntityError,
)

RETRYABLE = [(408, APIError), (409, ConflictError), (429, RateLimitError)] + [
    (code, ServerError) for code in (500, 502, 503, 504)
]
NOT_RETRYABLE = [
    (400, BadRequestError),
    (401, AuthenticationError),
    (403, PermissionDeniedError),
    (404, NotFoundError),
    (422, UnprocessableEntityError),
]
TRANSPORT = [
    (httpx.ConnectError, APIConnectionError),
    (httpx.ReadError, APIConnectionError),
    (httpx.WriteError, APIConnectionError),
    (httpx.RemoteProtocolError, APIConnectionError),
    (httpx.ConnectTimeout, APITimeoutError),
    (httpx.ReadTimeout, APITimeoutError),
    (httpx.PoolTimeout, APITimeoutError),
]


def scripted(*steps):
    """A handler answering `steps` in order, then the completed job; records requests."""
    queue = list(steps)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        step = queue.pop(0) if queue else httpx.Response(200, json=video_json())
        if isinstance(step, Exception):
            raise step
        if isinstance(step, int):
            return httpx.Response(step, json={"error": {"message": f"status {step}"}})
        return step

    return handler, seen


@pytest.mark.parametrize(("status", "error"), RETRYABLE)
@pytest.mark.parametrize("failures", [1, 2])
async def test_retryable_status_succeeds_after_k_plus_one_attempts(status, error, failures):
    handler, seen = scripted(*[status] * failures)
    client, transport, _ = make_client(handler)
    video = await client.retrieve("video_1")
    assert video.status == "completed"
    assert len(seen) == failures + 1
    assert transport.open == 0


@pytest.mark.parametrize(("status", "error"), RETRYABLE)
async def test_retryable_status_gives_up_after_max_retries(status, error):
    handler, seen = scripted(*[status] * 3)
    client, transport, _ = make_client(handler)
    with pytest.raises(error) as info:
        await client.retrieve("video_1")
    assert info.value.status_code == status
    assert len(seen) == 3
    assert transport.open == 0


@pytest.mark.parametrize(("exc", "error"), TRANSPORT)
@pytest.mark.parametrize("failures", [1, 2])
async def test_transport_errors_are_retried(exc, error, failures):
    handler, seen = scripted(*[exc("boom") for _ in range(failures)])
    client, transport, _ = make_client(handler)
    assert (await client.retrieve("video_1")).id == "video_1"
    assert len(seen) == failures + 1
    assert transport.open == 0


@pytest.mark.parametrize(("exc", "error"), TRANSPORT)
async def test_transport_errors_become_client_errors(exc, error):
    handler, seen = scripted(*[exc("boom") for _ in range(3)])
    client, _, _ = make_client(handler)
    with pytest.raises(error) as info:
        await client.retrieve("video_1")
    assert len(seen) == 3
    assert isinstance(info.value.__cause__, exc)
    assert "http://test.local/v1/videos/video_1" in str(info.value)


@pytest.mark.parametrize(("status", "error"), NOT_RETRYABLE)
async def test_non_retryable_status_is_sent_once(status, error):
    handler, seen = scripted(status)
    client, transport, fake = make_client(handler)
    with pytest.raises(error):
        await client.retrieve("video_1")
    assert len(seen) == 1
    assert fake.sleeps == []
    assert transport.open == 0


async def test_max_retries_zero_sends_once():
    handler, seen = scripted(503)
    client, _, _ = make_client(handler, max_retries=0)
    with pytest.raises(ServerError):
        await client.retrieve("video_1")
    assert len(seen) == 1


async def test_x_should_retry_true_retries_a_400():
    handler, seen = scripted(
        httpx.Response(400, json={"error": {"message": "x"}}, headers={"x-should-retry": "true"})
    )
    client, _, _ = make_client(handler)
    assert (await client.retrieve("video_1")).id == "video_1"
    assert len(seen) == 2


async def test_x_should_retry_false_stops_a_503():
    handler, seen = scripted(
        httpx.Response(503, json={"error": {"message": "x"}}, headers={"x-should-retry": "false"})
    )
    client, _, _ = make_client(handler)
    with pytest.raises(ServerError):
        await client.retrieve("video_1")
    assert len(seen) == 1


def _date(offset: float) -> str:
    return email.utils.formatdate(T0 + offset, usegmt=True)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),  # ms first
        ({"Retry-After": "3"}, 3.0),
        ({"retry-after": "0"}, 0.0),
        ({"retry-after": _date(30)}, 30.0),
        ({"retry-after": _date(-30)}, 0.0),  # a date in the past: go now
        ({"retry-after": "120"}, 120.0),
        ({"retry-after": "soon"}, 0.5),  # invalid: backoff
        ({"retry-after-ms": "abc"}, 0.5),
        ({"retry-after-ms": "-5"}, 0.5),
        ({"retry-after": "-1"}, 0.5),
        ({}, 0.5),
    ],
)
async def test_retry_after_table(headers, expected):
    handler, seen = scripted(
        httpx.Response(429, json={"error": {"message": "slow"}}, headers=headers)
    )
    client, _, fake = make_client(handler)
    await client.retrieve("video_1")
    assert len(seen) == 2
    assert fake.sleeps == [pytest.approx(expected, abs=1.0 if "GMT" in str(headers) else 1e-9)]


@pytest.mark.parametrize("headers", [{"retry-after": "121"}, {"retry-after-ms": "600000"}])
async def test_retry_after_above_120_seconds_is_not_retried(headers):
    handler, seen = scripted(httpx.Response(429, json={"error": {"message": "x"}}, headers=headers))
    client, _, fake = make_client(handler)
    with pytest.raises(RateLimitError) as info:
        await client.retrieve("video_1")
    assert len(seen) == 1
    assert fake.sleeps == []
    assert info.value.retry_after > 120


async def test_backoff_schedule_doubles_to_a_cap():
    handler, _ = scripted(*[500] * 6)
    client, _, fake = make_client(handler, max_retries=6)
    await client.retrieve("video_1")
    assert fake.sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]


async def test_jitter_shortens_the_wait_by_at_most_a_quarter():
    handler, _ = scripted(500, 500)
    client, _, fake = make_client(handler, random=0.999999)
    await client.retrieve("video_1")
    assert fake.sleeps == [pytest.approx(0.375, rel=1e-4), pytest.approx(0.75, rel=1e-4)]


def test_retry_helpers():
    assert should_retry_status(500, {}) and should_retry_status(599, {})
    assert not should_retry_status(418, {})
    assert should_retry_status(418, {"X-Should-Retry": "TRUE"})
    assert should_retry_status(500, {"x-should-retry": "maybe"})  # unknown value: ignored
    assert backoff(10, lambda: 0.0) == 8.0
    assert retry_delay(0, {"retry-after": "500"}, lambda: 0.0) is None
    assert retry_delay(1, None, lambda: 0.0) == 1.0
    request = httpx.Request("GET", "http://x")
    assert not is_ambiguous(httpx.ConnectError("x", request=request))
    assert not is_ambiguous(httpx.ConnectTimeout("x", request=request))
    assert is_ambiguous(httpx.ReadTimeout("x", request=request))
    assert is_ambiguous(httpx.RemoteProtocolError("x", request=request))


async def test_fake_time_is_used_not_real_time():
    fake = FakeTime()
    handler, _ = scripted(503, 503)
    client, _, fake = make_client(handler, time=fake)
    await client.retrieve("video_1")
    assert fake.now == T0 + 1.5
