"""Create, remix, edit, extend: request bodies, validation, and never billing twice."""

from __future__ import annotations

import io
import json

import httpx
import pytest
from client_fakes import FakeServer, FakeTime, make_client, parse_multipart
from PIL import Image

from sora_notebook.client.backend import Backend
from sora_notebook.errors import (
    APIConnectionError,
    RateLimitError,
    ServerError,
    SubmissionUnknown,
    ValidationError,
)


def png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def drop(kind=httpx.RemoteProtocolError):
    return kind("Server disconnected without sending a complete response.")


# --- bodies ---------------------------------------------------------------------------


async def test_create_sends_multipart_with_all_fields():
    server = FakeServer()
    client, _, _ = make_client(server)
    video = await client.create(
        "a red kite", model="sora-2-pro", size="1792x1024", seconds=8, seed=7, loop=True
    )
    assert video.status == "queued" and video.prompt == "a red kite"
    (request,) = server.requests
    assert request.url.path == "/v1/videos"
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert parse_multipart(request) == {
        "prompt": "a red kite",
        "model": "sora-2-pro",
        "size": "1792x1024",
        "seconds": "8",
        "seed": "7",
        "loop": "true",
    }


async def test_defaults_are_left_to_the_server():
    server = FakeServer()
    client, _, _ = make_client(server)
    await client.create("a red kite")
    assert parse_multipart(server.requests[0]) == {"prompt": "a red kite"}


async def test_nested_objects_become_bracketed_fields():
    server = FakeServer()
    client, _, _ = make_client(server)
    await client.create("x", input_reference={"image_url": "https://example.com/a.png"})
    fields = parse_multipart(server.requests[0])
    assert fields["input_reference[image_url]"] == "https://example.com/a.png"


async def test_a_url_string_is_an_image_url_reference():
    server = FakeServer()
    client, _, _ = make_client(server)
    await client.create("x", input_reference="data:image/png;base64,AAAA")
    fields = parse_multipart(server.requests[0])
    assert fields["input_reference[image_url]"] == "data:image/png;base64,AAAA"


async def test_reference_dict_needs_image_url_or_file_id():
    server = FakeServer()
    client, _, _ = make_client(server)
    with pytest.raises(ValidationError, match="image_url"):
        await client.create("x", input_reference={"url": "https://x"})
    assert server.requests == []


async def test_json_backend_sends_json():
    server = FakeServer()
    backend = Backend.compatible("http://test.local/v1", flavor="sglang")
    client, _, _ = make_client(server, backend=backend)
    await client.create("x", size="832x480", seconds=5, num_inference_steps=30)
    request = server.requests[0]
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {
        "prompt": "x",
        "size": "832x480",
        "seconds": "5",
        "num_inference_steps": 30,
    }


async def test_json_backend_uses_multipart_when_a_file_is_attached():
    server = FakeServer()
    backend = Backend.compatible("http://test.local/v1", flavor="sglang")
    client, _, _ = make_client(server, backend=backend)
    await client.create("x", size="832x480", input_reference=png(832, 480))
    fields = parse_multipart(server.requests[0])
    assert fields["input_reference"][:8] == b"\x89PNG\r\n\x1a\n"


async def test_vllm_omni_takes_an_image_url_as_an_image_reference_json_field():
    server = FakeServer()
    backend = Backend.compatible("http://gpu:8000/v1", flavor="vllm-omni")
    client, _, _ = make_client(server, backend=backend)
    await client.create("x", input_reference={"image_url": "https://e.com/a.png"})
    fields = parse_multipart(server.requests[0])
    assert json.loads(fields["image_reference"]) == {"image_url": "https://e.com/a.png"}


async def test_reference_image_is_uploaded_as_a_file(tmp_path):
    server = FakeServer()
    client, _, _ = make_client(server)
    path = tmp_path / "ref.png"
    path.write_bytes(png(1280, 720))
    await client.create("x", size="1280x720", input_reference=path)
    request = server.requests[0]
    assert b'name="input_reference"; filename="reference.png"' in request.content
    assert b"Content-Type: image/png" in request.content
    assert parse_multipart(request)["input_reference"] == path.read_bytes()


async def test_reference_image_from_pil():
    server = FakeServer()
    client, _, _ = make_client(server)
    await client.create("x", input_reference=Image.new("RGB", (720, 1280)))
    assert parse_multipart(server.requests[0])["input_reference"][:4] == b"\x89PNG"


async def test_the_client_sends_images_as_given_and_refuses_what_is_no_image():
    server = FakeServer()
    client, _, _ = make_client(server)
    image = png(1024, 768)  # does not fit 1280x720: fitting is studio.plan's business
    await client.create("x", size="1280x720", input_reference=image)
    assert parse_multipart(server.requests[0])["input_reference"] == image
    with pytest.raises(ValidationError, match="JPEG, PNG or WebP") as info:
        await client.create("x", input_reference=b"GIF89a" + b"\0" * 16)
    assert info.value.param == "input_reference" and len(server.requests) == 1


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"prompt": ""}, "empty"),
        ({"prompt": "   "}, "empty"),
        ({"prompt": "x" * 32_001}, "32,000"),
        ({"prompt": "x", "seconds": 0}, "positive"),
        ({"prompt": "x", "size": "big"}, "WIDTHxHEIGHT"),
    ],
)
async def test_invalid_create_is_refused_before_sending(kwargs, match):
    server = FakeServer()
    client, _, _ = make_client(server)
    with pytest.raises(ValidationError, match=match):
        await client.create(**kwargs)
    assert server.requests == []


async def test_unknown_models_and_compatible_servers_stay_open():
    server = FakeServer()
    client, _, _ = make_client(server)
    await client.create("x", model="wan-2.2", size="832x480", seconds=5)
    compat, _, _ = make_client(server, backend=Backend.compatible("http://gpu/v1"))
    await compat.create("x", size="832x480", seconds=3)
    assert len(server.requests) == 2


# --- never billed twice ------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        ("after", drop()),
        ("after", httpx.ReadTimeout("no answer")),
        ("after", httpx.ReadError("reset")),
        ("status-after", 500),
        ("status-after", 502),
    ],
    ids=["dropped", "read-timeout", "reset", "500", "502"],
)
async def test_ambiguous_create_finds_the_job_instead_of_resending(fault):
    server = FakeServer()
    server.add_job(prompt="a red kite")  # an older job with the same prompt
    server.time.now += 3600
    server.faults = [fault]
    client, transport, _ = make_client(server, time=server.time)
    video = await client.create("a red kite", seconds=4)
    assert server.created == 1
    assert len(server.posts()) == 1
    assert video.id == "video_2" and video.prompt == "a red kite"
    assert transport.open == 0


async def test_ambiguous_create_resends_when_the_job_is_not_there():
    server = FakeServer()
    server.faults = [httpx.ReadTimeout("lost before the handler")]
    client, _, _ = make_client(server)
    video = await client.create("a red kite")
    assert server.created == 1 and len(server.posts()) == 2
    assert video.prompt == "a red kite"
    # It looked before re-sending.
    assert [r.method for r in server.requests] == ["POST", "GET", "POST"]


async def test_a_refused_connection_is_resent_without_looking():
    server = FakeServer()
    server.faults = [httpx.ConnectError("refused")]
    client, _, _ = make_client(server)
    await client.create("a red kite")
    assert [r.method for r in server.requests] == ["POST", "POST"]
    assert server.created == 1


async def test_rate_limit_is_not_ambiguous():
    server = FakeServer()
    server.faults = [httpx.Response(429, json={"error": {"message": "too many running tasks"}})]
    client, _, _ = make_client(server)
    await client.create("a red kite")
    assert [r.method for r in server.requests] == ["POST", "POST"]


async def test_rate_limit_exhausted_raises():
    server = FakeServer()
    server.faults = [httpx.Response(429, json={"error": {"message": "x"}})] * 3
    client, _, _ = make_client(server)
    with pytest.raises(RateLimitError):
        await client.create("a red kite")
    assert server.created == 0


async def test_last_attempt_ambiguous_still_finds_the_job():
    server = FakeServer()
    server.faults = [("status-after", 503)]
    client, _, _ = make_client(server, max_retries=0)
    video = await client.create("a red kite")
    assert video.prompt == "a red kite" and server.created == 1


@pytest.mark.parametrize("max_retries", [0, 2])
async def test_ambiguous_create_with_listing_down_raises_without_resending(max_retries):
    server = FakeServer()
    server.faults = [("after", drop())] + [httpx.ConnectError("down")] * 20
    client, transport, _ = make_client(server, max_retries=max_retries)
    with pytest.raises(SubmissionUnknown, match="not billed twice") as caught:
        await client.create("a red kite")
    assert isinstance(caught.value.__cause__, APIConnectionError)
    assert len(server.posts()) == 1 and server.created == 1
    assert transport.open == 0


async def test_every_attempt_ambiguous_creates_at_most_one_job():
    server = FakeServer()
    server.faults = [("status-after", 500), None, ("status-after", 500)]
    client, _, _ = make_client(server)
    video = await client.create("a red kite")
    assert server.created == 1 and video.id == "video_1"


async def test_identical_prompts_do_not_claim_each_others_jobs():
    server = FakeServer()
    client, _, _ = make_client(server, time=server.time)
    first = await client.create("a red kite")
    server.time.now += 1
    server.faults = [("after", drop())]
    second = await client.create("a red kite")
    assert first.id != second.id
    assert server.created == 2


async def test_find_submitted_matches_prompt_params_and_time():
    time = FakeTime()
    server = FakeServer(time)
    server.add_job(prompt="p", size="1280x720", created_at=int(time.now) - 500)
    server.add_job(prompt="p", size="720x1280", created_at=int(time.now))
    server.add_job(prompt="q", size="1280x720", created_at=int(time.now))
    client, _, _ = make_client(server, time=time)
    found = await client.find_submitted("p", size="1280x720", created_after=time.now - 60)
    assert found is None
    found = await client.find_submitted("p", size="1280x720", created_after=time.now - 600)
    assert found is not None and found.id == "video_1"
    found = await client.find_submitted("p", model="sora-2", seconds=4)
    assert found is not None and found.id == "video_2"
    assert await client.find_submitted("p", exclude={"video_1", "video_2"}) is None


# --- remix, edit, extend ---------------------------------------------------------------


async def test_remix_posts_json_to_the_encoded_path():
    server = FakeServer()
    server.add_job(status="completed")
    client, _, _ = make_client(server)
    video = await client.remix("video_1", "make it night")
    request = server.requests[0]
    assert request.url.raw_path == b"/v1/videos/video_1/remix"
    assert json.loads(request.content) == {"prompt": "make it night"}
    assert video.remixed_from_video_id == "video_1"


async def test_ambiguous_remix_is_found_not_resent():
    server = FakeServer()
    server.add_job(status="completed")
    server.faults = [("after", drop())]
    client, _, _ = make_client(server)
    video = await client.remix("video_1", "make it night")
    assert server.created == 1 and video.remixed_from_video_id == "video_1"
    assert len(server.posts()) == 1


async def test_edit_and_extend_bodies():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": "video_9", "status": "queued"})

    client, _, _ = make_client(handler)
    await client.edit("video_1", "add snow")
    await client.extend("video_1", "keep going", 8)
    assert seen[0].url.path == "/v1/videos/edits"
    assert json.loads(seen[0].content) == {"prompt": "add snow", "video": {"id": "video_1"}}
    assert seen[1].url.path == "/v1/videos/extensions"
    assert json.loads(seen[1].content) == {
        "prompt": "keep going",
        "video": {"id": "video_1"},
        "seconds": "8",
    }


@pytest.mark.parametrize("flavor", ["vllm-omni", "sglang"])
@pytest.mark.parametrize("method", ["remix", "edit", "extend"])
async def test_backends_without_remix_refuse_before_sending(flavor, method):
    server = FakeServer()
    client, _, _ = make_client(server, backend=Backend.compatible("http://gpu/v1", flavor=flavor))
    args = ("video_1", "p", 4) if method == "extend" else ("video_1", "p")
    with pytest.raises(ValidationError, match="cannot remix, edit or extend"):
        await getattr(client, method)(*args)
    assert server.requests == []


async def test_server_error_on_non_create_is_not_a_lookup():
    server = FakeServer()
    server.faults = [httpx.Response(500, json={"error": {"message": "x"}})] * 3
    client, _, _ = make_client(server)
    with pytest.raises(ServerError):
        await client.delete("video_1")
    assert [r.method for r in server.requests] == ["DELETE"] * 3
