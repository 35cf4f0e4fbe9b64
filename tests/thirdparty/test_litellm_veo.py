"""The project's client and Studio through a real LiteLLM proxy (1.108.7) in front of a Veo
upstream written from Google's REST reference (`veo_upstream.py`): Veo's status word, a
refusal stated in a 500, LiteLLM's cost billed, and failed or filtered operations turning
failed within a few polls (never at the wait's timeout); a first frame given by URL
fetched and uploaded, so Veo gets its bytes (never made and billed as text-to-video)."""

from __future__ import annotations

import base64

import pytest
from live_server import LiveServer, self_signed
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sora_notebook.client import AsyncSoraClient, Backend
from sora_notebook.errors import ServerError, VideoFailed
from sora_notebook.studio import Studio
from sora_notebook.studio.polling import PollPolicy

from .conftest import png
from .litellm_proxy import MASTER_KEY, VEO_GROUP

pytestmark = pytest.mark.thirdparty

FAST = PollPolicy(min_interval=0.2, max_interval=0.5, first_delay=0.2)


def backend(proxy) -> Backend:
    return Backend.litellm(proxy.base_url, MASTER_KEY)


async def test_veo_status_words_and_a_refusal_in_a_500(litellm):
    async with AsyncSoraClient(backend(litellm), poll_interval=0.2) as client:
        job = await client.create("a red kite", model=VEO_GROUP, seconds=4)
        assert job.status == "in_progress"  # LiteLLM's "processing"
        assert (await client.retrieve(job)).status in {"in_progress", "completed"}
        posts = len(litellm.veo.state.seen)
        with pytest.raises(ServerError, match="not supported by Google Veo"):
            await client.remix(job, "at dusk")
        assert len(litellm.veo.state.seen) == posts  # nothing sent upstream, nothing retried


async def test_studio_bills_litellms_cost_and_fails_veo_failures_fast(litellm, tmp_path):
    async with Studio(backend(litellm), tmp_path / "lib", poll=FAST) as studio:
        done = await studio.generate("a lantern on a pier", model=VEO_GROUP, seconds=4, timeout=60)
        assert done.status == "completed" and done.has_video
        # LiteLLM's price for Veo 3.1 (4 s x $0.40), sent only on the create answer; the
        # project's table has no Veo price, so only the gateway's figure can give this
        assert done.billed == pytest.approx(1.6)
        # a safety-filtered operation: every status is LiteLLM's 500 naming generatedSamples
        with pytest.raises(VideoFailed, match="safety") as filtered:
            await studio.generate("an unsafe scene", model=VEO_GROUP, seconds=4, timeout=60)
        # done with an error: LiteLLM says completed, its content a 500 "No response data"
        with pytest.raises(VideoFailed, match="no video") as broken:
            await studio.generate("the model breaks", model=VEO_GROUP, seconds=4, timeout=60)
        for caught in (filtered, broken):
            job = studio.library.find(caught.value.video.id)
            assert job is not None and job.status == "failed" and not job.has_video


async def test_an_image_by_url_reaches_veo_as_its_bytes(litellm, tmp_path):
    """LiteLLM's route takes a first frame only as an uploaded file; the client fetches
    the https URL (a real TLS host, no key sent there) and uploads it, and Veo's
    `instances[0].image` holds exactly those bytes."""
    image, asked = png(1280, 720), []

    async def serve(request: Request) -> Response:
        asked.append(dict(request.headers))
        return Response(image, media_type="image/png")

    cert, key = self_signed(tmp_path)
    host = LiveServer(
        Starlette(routes=[Route("/frame.png", serve)]), ssl_certfile=str(cert), ssl_keyfile=str(key)
    )
    with host:
        url = f"https://127.0.0.1:{host.port}/frame.png"
        proxy = Backend.litellm(litellm.base_url, MASTER_KEY, verify=str(cert))
        async with AsyncSoraClient(proxy, poll_interval=0.2) as client:
            job = await client.create(
                "a kite rising", model=VEO_GROUP, seconds=4, input_reference={"image_url": url}
            )
    instance = litellm.veo.state.seen[-1]["instances"][0]
    assert base64.b64decode(instance["image"]["bytesBase64Encoded"]) == image
    assert instance["image"]["mimeType"] == "image/png" and job.status == "in_progress"
    assert len(asked) == 1 and "authorization" not in asked[0]  # the proxy's key stayed home
