"""The project's client and Studio through a real LiteLLM proxy (1.108.7) in front of a Veo
upstream written from Google's REST reference (`veo_upstream.py`): the nineteen flows of
the interop review's Veo row, one test each (the count is the row). Veo's status word, a
refusal stated in a 500, LiteLLM's cost billed, failed or filtered operations turning
failed within a few polls (never at the wait's timeout), and a first frame given as a
file, an https URL or a data: URL reaching Veo as its bytes (never made and billed as
text-to-video)."""

from __future__ import annotations

import base64

import pytest
from live_server import LiveServer, self_signed
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sora_notebook.client import AsyncSoraClient, Backend
from sora_notebook.client.dialects.servers import litellm_parts
from sora_notebook.errors import ServerError, ValidationError, VideoFailed
from sora_notebook.studio import Studio
from sora_notebook.studio.polling import PollPolicy

from .conftest import png
from .litellm_proxy import MASTER_KEY, VEO_GROUP
from .media import tiny_mp4

pytestmark = pytest.mark.thirdparty

FAST = PollPolicy(min_interval=0.2, max_interval=0.5, first_delay=0.2)


def backend(proxy, **options) -> Backend:
    return Backend.litellm(proxy.base_url, MASTER_KEY, **options)


def _image_sent(proxy) -> bytes:
    image = proxy.veo.state.seen[-1]["instances"][0]["image"]
    assert image["mimeType"] == "image/png"
    return base64.b64decode(image["bytesBase64Encoded"])


async def _started(proxy, prompt: str = "a red kite"):
    async with AsyncSoraClient(backend(proxy), poll_interval=0.2) as client:
        return await client.create(prompt, model=VEO_GROUP, seconds=4)


async def test_01_create_reads_veos_processing_as_in_progress(litellm):
    assert (await _started(litellm)).status == "in_progress"  # LiteLLM said "processing"


async def test_02_a_running_job_has_a_protocol_status(litellm):
    job = await _started(litellm)
    async with AsyncSoraClient(backend(litellm)) as client:
        assert (await client.retrieve(job)).status in {"in_progress", "completed"}


async def test_03_wait_ends_completed(litellm):
    async with AsyncSoraClient(backend(litellm), poll_interval=0.2) as client:
        assert (await client.wait(await _started(litellm), timeout=60)).is_completed


async def test_04_download_is_veos_mp4(litellm, tmp_path):
    async with AsyncSoraClient(backend(litellm), poll_interval=0.2) as client:
        done = await client.wait(await _started(litellm), timeout=60)
        assert (await client.download(done, tmp_path)).read_bytes() == tiny_mp4()


async def test_05_litellms_cost_is_reported_at_create(litellm):
    assert (await _started(litellm)).server_cost == pytest.approx(1.6)  # 4 s x $0.40


async def test_06_a_first_frame_file_reaches_veo(litellm):
    image = png(1280, 720)
    async with AsyncSoraClient(backend(litellm)) as client:
        await client.create("it rises", model=VEO_GROUP, seconds=4, input_reference=image)
    assert _image_sent(litellm) == image


async def test_07_a_first_frame_by_https_url_reaches_veo(litellm, tmp_path):
    """LiteLLM's route takes a first frame only as an uploaded file; the client fetches
    the https URL (a real TLS host, no key sent there) and uploads it."""
    image, asked = png(1280, 720), []

    async def serve(request: Request) -> Response:
        asked.append(dict(request.headers))
        return Response(image, media_type="image/png")

    cert, key = self_signed(tmp_path)
    app = Starlette(routes=[Route("/frame.png", serve)])
    with LiveServer(app, ssl_certfile=str(cert), ssl_keyfile=str(key)) as host:
        url = f"https://127.0.0.1:{host.port}/frame.png"
        async with AsyncSoraClient(backend(litellm, verify=str(cert))) as client:
            job = await client.create(
                "a kite rising", model=VEO_GROUP, seconds=4, input_reference={"image_url": url}
            )
    assert _image_sent(litellm) == image and job.status == "in_progress"
    assert len(asked) == 1 and "authorization" not in asked[0]  # the proxy's key stayed home


async def test_08_a_first_frame_by_data_url_reaches_veo(litellm):
    image = png(720, 1280)
    url = "data:image/png;base64," + base64.b64encode(image).decode()
    async with AsyncSoraClient(backend(litellm)) as client:
        await client.create("it rises", model=VEO_GROUP, seconds=4, input_reference=url)
    assert _image_sent(litellm) == image


async def test_09_a_file_id_is_refused_before_sending(litellm):
    sent = len(litellm.veo.state.seen)
    async with AsyncSoraClient(backend(litellm)) as client:
        with pytest.raises(ValidationError, match="not by file id"):
            await client.create(
                "x", model=VEO_GROUP, seconds=4, input_reference={"file_id": "file_1"}
            )
    assert len(litellm.veo.state.seen) == sent


@pytest.mark.parametrize("kind", ["remix", "edit", "extend"])
async def test_10_to_12_derivations_are_refused_with_litellms_reason(litellm, kind):
    job = await _started(litellm)
    posts = len(litellm.veo.state.seen)
    async with AsyncSoraClient(backend(litellm)) as client:
        derive = {
            "remix": lambda: client.remix(job, "at dusk"),
            "edit": lambda: client.edit(job, "make it blue"),
            "extend": lambda: client.extend(job, "it goes on", 4),
        }[kind]
        with pytest.raises(ServerError, match="not supported"):
            await derive()
    assert len(litellm.veo.state.seen) == posts  # nothing sent upstream, nothing retried


async def test_13_list_is_refused_before_sending(litellm):
    async with AsyncSoraClient(backend(litellm)) as client:
        with pytest.raises(ValidationError, match="one by one"):
            [v async for v in client.list()]


async def test_14_delete_is_refused_before_sending(litellm):
    async with AsyncSoraClient(backend(litellm)) as client:
        with pytest.raises(ValidationError, match="delete route"):
            await client.delete(await _started(litellm))


async def test_15_a_create_without_model_is_refused_before_sending(litellm):
    async with AsyncSoraClient(backend(litellm)) as client:
        with pytest.raises(ValidationError, match="needs a model"):
            await client.create("no model given", seconds=4)


async def test_16_the_veo_group_is_in_the_models(litellm):
    async with AsyncSoraClient(backend(litellm)) as client:
        assert VEO_GROUP in {m.id for m in await client.models()}


async def test_17_studio_generates_and_bills_litellms_cost(litellm, tmp_path):
    async with Studio(backend(litellm), tmp_path / "lib", poll=FAST) as studio:
        done = await studio.generate("a lantern on a pier", model=VEO_GROUP, seconds=4, timeout=60)
    assert done.status == "completed" and done.has_video
    # LiteLLM's price for Veo 3.1 (4 s x $0.40), sent only on the create answer; the
    # project's table has no Veo price, so only the gateway's figure can give this
    assert done.billed == pytest.approx(1.6)


async def test_18_a_safety_filtered_operation_fails_with_its_reason(litellm, tmp_path):
    """Every status is LiteLLM's 500 naming generatedSamples."""
    async with Studio(backend(litellm), tmp_path / "lib", poll=FAST) as studio:
        with pytest.raises(VideoFailed, match="safety") as caught:
            await studio.generate("an unsafe scene", model=VEO_GROUP, seconds=4, timeout=60)
        job = studio.library.find(caught.value.video.id)
    assert job is not None and job.status == "failed" and not job.has_video
    # The proxy answered the status at once, without reading the operation again itself
    # (its router retries twice, with back-off, unless told not to on reads).
    name = (litellm_parts(job.video_id or "") or ["", "", ""])[2].removeprefix("video_id:")
    reads = [t for op, t in litellm.veo.state.reads if op == name.rsplit("/", 1)[-1]]
    assert len(reads) == 2 + 1, reads  # two "not done" (veo_app's polls), then done once


async def test_19_an_operation_done_with_an_error_fails_with_its_reason(litellm, tmp_path):
    """LiteLLM says completed; its content is a 500 "No response data"."""
    async with Studio(backend(litellm), tmp_path / "lib", poll=FAST) as studio:
        with pytest.raises(VideoFailed, match="no video") as caught:
            await studio.generate("the model breaks", model=VEO_GROUP, seconds=4, timeout=60)
        job = studio.library.find(caught.value.video.id)
    assert job is not None and job.status == "failed" and not job.has_video
