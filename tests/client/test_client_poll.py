"""Polling and waiting: schedule, server hints, failed jobs as data, deadlines; list, delete."""

from __future__ import annotations

import httpx
import pytest
from client_fakes import FakeServer, make_client, video_json

from sora_notebook.errors import (
    AuthenticationError,
    NotFoundError,
    ServerError,
    ValidationError,
    VideoFailed,
    WaitTimeout,
)


def progression(*statuses: str, headers: dict | None = None, code: int = 200):
    """A handler whose job goes through `statuses`, then stays at the last one."""
    queue = list(statuses)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        status = queue.pop(0) if len(queue) > 1 else queue[0]
        body = video_json(status=status)
        if status == "failed":
            body["error"] = {"code": "moderation_blocked", "message": "Blocked by moderation."}
        return httpx.Response(code if status == "failed" else 200, json=body, headers=headers)

    return handler, seen


async def test_poll_yields_each_snapshot_until_terminal():
    handler, seen = progression("queued", "in_progress", "in_progress", "completed")
    client, _, fake = make_client(handler)
    statuses = [v.status async for v in client.poll("video_1")]
    assert statuses == ["queued", "in_progress", "in_progress", "completed"]
    assert len(seen) == 4
    assert fake.sleeps == [1.0, 1.5, 2.25]


async def test_poll_backoff_reaches_a_cap():
    handler, _ = progression(*["queued"] * 12, "completed")
    client, _, fake = make_client(handler)
    await client.wait("video_1")
    assert fake.sleeps[:3] == [1.0, 1.5, 2.25]
    assert max(fake.sleeps) == 15.0 and fake.sleeps[-1] == 15.0


async def test_poll_honours_the_servers_hint():
    handler, _ = progression(
        "queued", "in_progress", "completed", headers={"openai-poll-after-ms": "2500"}
    )
    client, _, fake = make_client(handler)
    await client.wait("video_1")
    assert fake.sleeps == [2.5, 2.5]


async def test_invalid_poll_hint_falls_back_to_backoff():
    handler, _ = progression("queued", "completed", headers={"openai-poll-after-ms": "soon"})
    client, _, fake = make_client(handler)
    await client.wait("video_1")
    assert fake.sleeps == [1.0]


async def test_unknown_status_keeps_polling():
    handler, _ = progression("processing", "completed")
    client, _, _ = make_client(handler)
    assert [v.status async for v in client.poll("video_1")] == ["processing", "completed"]


async def test_failed_job_is_data_when_polling_and_raises_on_wait():
    handler, _ = progression("in_progress", "failed")
    client, _, _ = make_client(handler)
    snapshots = [v async for v in client.poll("video_1")]
    assert snapshots[-1].is_failed and snapshots[-1].error.code == "moderation_blocked"
    with pytest.raises(VideoFailed, match="Rephrase"):
        await client.wait("video_1")


@pytest.mark.parametrize("code", [400, 404, 500])
async def test_failed_job_in_a_non_2xx_body_is_read(code):
    """vLLM-Omni answers a retrieve of a failed job with an error status and the job."""
    handler, seen = progression("failed", code=code)
    client, _, _ = make_client(handler)
    video = await client.retrieve("video_1")
    assert video.is_failed and len(seen) == 1
    with pytest.raises(VideoFailed) as info:
        await client.wait("video_1")
    assert info.value.video.id == "video_1"


async def test_integer_error_code_from_vllm():
    def handler(request: httpx.Request) -> httpx.Response:
        body = video_json(status="failed", error={"code": 500, "message": "CUDA OOM"})
        return httpx.Response(500, json=body)

    client, _, _ = make_client(handler)
    with pytest.raises(VideoFailed, match="CUDA OOM") as info:
        await client.wait("video_1")
    assert info.value.code == 500


async def test_a_plain_404_is_still_an_error():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"error": {"message": "Video not found"}})

    client, _, _ = make_client(handler)
    with pytest.raises(NotFoundError):
        await client.retrieve("video_1")


async def test_wait_times_out_on_the_fake_clock():
    handler, _ = progression("in_progress")
    client, _, fake = make_client(handler)
    with pytest.raises(WaitTimeout) as info:
        await client.wait("video_1", timeout=10)
    assert sum(fake.sleeps) == pytest.approx(10)
    assert info.value.last.status == "in_progress"
    assert "wait again" in str(info.value)
    assert isinstance(info.value, TimeoutError)


async def test_wait_returns_the_completed_job():
    handler, _ = progression("queued", "completed")
    client, _, _ = make_client(handler)
    video = await client.wait("video_1", timeout=60)
    assert video.is_completed


# --- list and delete --------------------------------------------------------------------


async def test_list_walks_every_page():
    server = FakeServer()
    for i in range(7):
        server.add_job(created_at=1000 + i)
    client, _, _ = make_client(server)
    ids = [v.id async for v in client.list(limit=3, order="asc")]
    assert ids == [f"video_{i}" for i in range(1, 8)]
    assert [r.url.params.get("after") for r in server.requests] == [None, "video_3", "video_6"]


async def test_list_without_has_more_stops_on_a_short_page():
    pages = [
        {"data": [video_json("a"), video_json("b")]},
        {"data": [video_json("c")]},
    ]
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=pages[len(seen) - 1])

    client, _, _ = make_client(handler)
    assert [v.id async for v in client.list(limit=2)] == ["a", "b", "c"]
    assert len(seen) == 2


async def test_list_stops_when_a_server_ignores_the_cursor():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": [video_json("a"), video_json("b")]})

    client, _, _ = make_client(handler)
    assert [v.id async for v in client.list(limit=2)] == ["a", "b"]
    assert len(seen) == 2


async def test_delete_reads_both_answer_shapes():
    answers = [
        {"id": "video_1", "object": "video.deleted", "deleted": True},
        video_json(status="completed"),  # SGLang answers with the job
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.method == "DELETE"
        return httpx.Response(200, json=answers.pop(0))

    client, _, _ = make_client(handler)
    assert (await client.delete("video_1")).deleted
    assert (await client.delete("video_1")).deleted


# --- ids are never paths ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("video_id", "raw_path"),
    [
        ("../x", b"/v1/videos/..%2Fx"),
        ("/abs", b"/v1/videos/%2Fabs"),
        ("a/b?c#d", b"/v1/videos/a%2Fb%3Fc%23d"),
        ("video_1", b"/v1/videos/video_1"),
    ],
)
async def test_ids_are_one_encoded_path_segment(video_id, raw_path):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=video_json(video_id))

    client, _, _ = make_client(handler)
    await client.retrieve(video_id)
    assert seen[0].url.raw_path == raw_path


@pytest.mark.parametrize("video_id", ["", "..", ".", "a\x00b", "a\nb", "x" * 5000])
async def test_unusable_ids_are_refused_before_sending(video_id):
    seen: list[httpx.Request] = []
    client, _, _ = make_client(lambda r: seen.append(r))
    for call in (client.retrieve, client.delete):
        with pytest.raises(ValidationError):
            await call(video_id)
    with pytest.raises(ValidationError):
        await client.download(video_id, "/tmp/never")
    assert seen == []


def flaky(pattern: list):
    """Answers in order: 'q' queued, 'c' completed, an int status, or an exception class."""
    queue = list(pattern)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        step = queue.pop(0)
        if isinstance(step, type):
            raise step("blip")
        if isinstance(step, int):
            return httpx.Response(step, json={"error": {"message": "blip"}})
        return httpx.Response(200, json=video_json(status={"q": "queued", "c": "completed"}[step]))

    return handler, seen


async def test_poll_rides_out_a_network_blip():
    # Each failed round is 3 attempts (max_retries=2); three failed rounds are tolerated.
    blip = [httpx.ConnectError] * 3 + [503] * 3 + [httpx.ReadTimeout] * 3
    handler, seen = flaky(["q", *blip, "c"])
    client, _, _ = make_client(handler)
    statuses = [v.status async for v in client.poll("video_1")]
    assert statuses == ["queued", "completed"] and len(seen) == 11


async def test_poll_gives_up_after_too_many_failed_rounds():
    handler, seen = flaky(["q"] + [503] * 12)
    client, _, _ = make_client(handler)
    with pytest.raises(ServerError):
        await client.wait("video_1")
    assert len(seen) == 1 + 3 * (client.POLL_FAILURES_TOLERATED + 1)


async def test_poll_does_not_ride_out_a_client_error():
    handler, seen = flaky(["q", 401])
    client, _, _ = make_client(handler)
    with pytest.raises(AuthenticationError):
        await client.wait("video_1")
    assert len(seen) == 2


async def test_wait_timeout_during_an_outage_reports_the_last_snapshot():
    handler, _ = flaky(["q"] + [500] * 30)
    client, _, _ = make_client(handler)
    with pytest.raises(WaitTimeout) as info:
        await client.wait("video_1", timeout=2)
    assert info.value.last.status == "queued"
