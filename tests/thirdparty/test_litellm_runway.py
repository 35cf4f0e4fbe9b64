"""The project's client and Studio through a real LiteLLM proxy (1.108.7) in front of a
Runway upstream written from Runway's public API reference (`runway_upstream.py`): the
nine flows of the interop review's Runway row, one test each (the count is the row)."""

from __future__ import annotations

import base64

import pytest
from live_server import LiveServer, self_signed
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sora_notebook.client import AsyncSoraClient, Backend
from sora_notebook.errors import APIError, ValidationError, VideoFailed
from sora_notebook.studio import Studio
from sora_notebook.studio.polling import PollPolicy

from .conftest import png
from .litellm_proxy import MASTER_KEY, RUNWAY_GROUP, RUNWAY_TURBO
from .media import tiny_mp4

pytestmark = pytest.mark.thirdparty

FAST = PollPolicy(min_interval=0.2, max_interval=0.5, first_delay=0.2)


def backend(proxy, **options) -> Backend:
    return Backend.litellm(proxy.base_url, MASTER_KEY, **options)


def _sent(proxy) -> tuple[str, dict]:
    return proxy.runway.state.seen[-1]


async def test_1_text_to_video_starts_in_a_protocol_status(litellm):
    async with AsyncSoraClient(backend(litellm)) as client:
        job = await client.create("a red kite", model=RUNWAY_GROUP, size="1280x720", seconds=5)
    route, body = _sent(litellm)
    assert route == "text_to_video" and body["ratio"] == "1280:720" and body["duration"] == 5
    assert job.status in {"queued", "in_progress"} and job.server_cost == pytest.approx(0.6)


async def test_2_completes_and_downloads_runways_mp4(litellm, tmp_path):
    async with AsyncSoraClient(backend(litellm), poll_interval=0.2) as client:
        job = await client.create("a harbour", model=RUNWAY_GROUP, size="1280x720", seconds=5)
        done = await client.wait(job, timeout=60)
        path = await client.download(done, tmp_path)
    assert path.read_bytes() == tiny_mp4()


async def test_3_image_to_video_from_a_file_reaches_runway(litellm):
    """LiteLLM would put an uploaded file into Runway's JSON body (a 500); the client
    sends it as a data URL, which Runway takes as `promptImage`."""
    image = png(1280, 720)
    async with AsyncSoraClient(backend(litellm)) as client:
        await client.create(
            "it moves", model=RUNWAY_TURBO, size="1280x720", seconds=5, input_reference=image
        )
    route, body = _sent(litellm)
    head, _, data = body["promptImage"].partition(",")
    assert route == "image_to_video" and head == "data:image/png;base64"
    assert base64.b64decode(data) == image


async def test_4_image_to_video_by_url_reaches_runway(litellm, tmp_path):
    image = png(1280, 720)

    async def serve(request: Request) -> Response:
        return Response(image, media_type="image/png")

    cert, key = self_signed(tmp_path)
    app = Starlette(routes=[Route("/frame.png", serve)])
    with LiveServer(app, ssl_certfile=str(cert), ssl_keyfile=str(key)) as host:
        async with AsyncSoraClient(backend(litellm, verify=str(cert))) as client:
            await client.create(
                "it moves",
                model=RUNWAY_TURBO,
                size="1280x720",
                seconds=5,
                input_reference=f"https://127.0.0.1:{host.port}/frame.png",
            )
    route, body = _sent(litellm)
    assert route == "image_to_video"
    assert base64.b64decode(body["promptImage"].partition(",")[2]) == image


async def test_5_a_failed_task_fails_with_runways_reason(litellm):
    async with AsyncSoraClient(backend(litellm), poll_interval=0.2) as client:
        job = await client.create("the model breaks", model=RUNWAY_GROUP, seconds=5)
        with pytest.raises(VideoFailed, match="unexpected error occurred") as caught:
            await client.wait(job, timeout=60)
    assert caught.value.video.error is not None


async def test_6_a_moderated_task_fails_with_runways_reason(litellm):
    async with AsyncSoraClient(backend(litellm), poll_interval=0.2) as client:
        job = await client.create("an unsafe scene", model=RUNWAY_GROUP, seconds=5)
        with pytest.raises(VideoFailed, match="content moderation"):
            await client.wait(job, timeout=60)


async def test_7_remix_is_refused_with_litellms_reason(litellm):
    async with AsyncSoraClient(backend(litellm), poll_interval=0.2) as client:
        job = await client.create("a lighthouse", model=RUNWAY_GROUP, seconds=5)
        sent = len(litellm.runway.state.seen)
        with pytest.raises(APIError, match="not yet supported by RunwayML"):
            await client.remix(job, "at night")
    assert len(litellm.runway.state.seen) == sent  # nothing reached Runway, nothing retried


async def test_8_list_and_delete_are_refused_before_sending(litellm):
    async with AsyncSoraClient(backend(litellm)) as client:
        with pytest.raises(ValidationError, match="delete route"):
            await client.delete("video_x")
        with pytest.raises(ValidationError, match="one by one"):
            [v async for v in client.list()]


async def test_9_studio_generates_and_bills_litellms_price(litellm, tmp_path):
    async with Studio(backend(litellm), tmp_path / "lib", poll=FAST) as studio:
        job = await studio.generate(
            "a lantern on a pier", model=RUNWAY_GROUP, size="1280x720", seconds=5, timeout=60
        )
    assert job.status == "completed" and job.has_video
    # LiteLLM's price for Runway gen4.5 (5 s x $0.12), sent on the create answer only;
    # the project's table has no Runway price, so only the gateway's figure gives this
    assert job.billed == pytest.approx(0.6)


async def test_a_first_frame_past_runways_data_uri_limit_is_refused_before_sending(litellm):
    """Beyond the nine: Runway takes data URIs under 5 MB; a bigger image is refused by
    the client, with the numbers, and Runway never sees the request."""
    import io

    import numpy as np
    from PIL import Image

    noise = np.random.default_rng(1).integers(0, 255, (1400, 1400, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(noise).save(out, format="PNG")
    sent = len(litellm.runway.state.seen)
    async with AsyncSoraClient(backend(litellm)) as client:
        with pytest.raises(ValidationError, match=r"only under 5 MB; this one is \d") as caught:
            await client.create(
                "it moves", model=RUNWAY_TURBO, seconds=5, input_reference=out.getvalue()
            )
    assert caught.value.param == "input_reference" and "runwayml" in caught.value.message
    assert len(litellm.runway.state.seen) == sent
