"""The project's client and Studio through a real LiteLLM proxy (1.108.7) in front of the
emulator: create, poll, download, remix, edit, extend, a failed job, import_remote,
delete, long ids and the model list."""

from __future__ import annotations

import pytest

from sora_notebook.client import AsyncSoraClient, Backend
from sora_notebook.client.dialects.servers import litellm_parts
from sora_notebook.errors import ValidationError, VideoFailed
from sora_notebook.studio import Studio
from sora_notebook.studio.polling import PollPolicy

from .conftest import png
from .litellm_proxy import LONG_GROUP, MASTER_KEY

pytestmark = pytest.mark.thirdparty

FAST = PollPolicy(min_interval=0.2, max_interval=0.5, first_delay=0.2)


def backend(proxy) -> Backend:
    return Backend.litellm(proxy.base_url, MASTER_KEY)


async def test_long_ids_create_poll_download_and_derive(litellm, tmp_path):
    async with AsyncSoraClient(backend(litellm), poll_interval=0.2) as client:
        job = await client.create(
            "a red kite over hills", model=LONG_GROUP, size="1280x720", seconds=4
        )
        assert len(job.id) > 256 and litellm_parts(job.id) is not None  # 262 characters here
        # the proxy's cost header at create time (its price table: 4 s x $0.30)
        assert job.server_cost == pytest.approx(1.2)
        done = await client.wait(job, timeout=60)
        path = await client.download(done, tmp_path)
        assert path.read_bytes()[4:8] == b"ftyp"
        remix = await client.remix(done, "the same kite at dusk")
        assert remix.remixed_from_video_id == done.id  # mapped back from the upstream id
        edit = await client.edit(done, "make it blue")
        extend = await client.extend(done, "it flies on", 4)
        for child in (remix, edit, extend):
            assert (await client.wait(child, timeout=60)).is_completed


async def test_failed_job_refusals_and_models(litellm):
    proxied = backend(litellm)
    async with AsyncSoraClient(proxied, poll_interval=0.2) as client:
        with pytest.raises(VideoFailed, match="moderation"):
            await client.wait(
                await client.create("a celebrity dancing", model="sora-2"), timeout=60
            )
        with pytest.raises(ValidationError, match="needs a model"):
            await client.create("no model given")
        with pytest.raises(ValidationError, match="delete route"):
            await client.delete("video_x")
        with pytest.raises(ValidationError, match="one by one"):
            [v async for v in client.list()]
        names = [m.id for m in await client.models()]
    assert set(names) >= {"sora-2", LONG_GROUP}


async def test_studio_through_the_proxy(litellm, tmp_path):
    async with Studio(backend(litellm), tmp_path / "lib", poll=FAST) as studio:
        assert not studio.capabilities.list and not studio.capabilities.delete
        assert {m.id for m in await studio.models()} >= {"sora-2", LONG_GROUP}
        job = await studio.generate(
            "a lantern on a pier",
            model=LONG_GROUP,
            size="1280x720",
            seconds=4,
            input_reference=png(),
            timeout=90,
        )
        assert job.status == "completed" and len(job.video_id) > 256
        assert set(job.media) == {"video", "thumbnail", "spritesheet"}  # stills made locally
        kid = await studio.wait(await studio.remix(job, "the lantern at night"), timeout=90)
        assert kid.parent_key == job.key and kid.edge_kind == "remix"
        ext = await studio.wait(await studio.extend(job, "the tide comes in", 4), timeout=90)
        assert ext.status == "completed" and ext.has_video
        with pytest.raises(VideoFailed):
            await studio.generate("harry potter waves", model="sora-2", timeout=90)
        report = await studio.import_remote()
        assert report.imported == 0 and "one by one" in report.note
        await studio.delete(kid)  # the proxy has no delete: the record goes, the copy stays
        assert studio.library.find_key(kid.key) is None


async def test_an_image_by_https_url_reaches_an_openai_shaped_upstream(litellm, tmp_path):
    """The review's "openai provider, image by URL" flows: the proxy forwards no
    `{image_url}` in a form, so the client fetches the https URL (no key sent there) and
    uploads it; the emulator behind the proxy renders from those very bytes."""
    import hashlib

    from live_server import LiveServer, self_signed
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    image, asked = png(720, 1280), []  # the default size's shape

    async def serve(request: Request) -> Response:
        asked.append(dict(request.headers))
        return Response(image, media_type="image/png")

    cert, key = self_signed(tmp_path)
    app = Starlette(routes=[Route("/frame.png", serve)])
    with LiveServer(app, ssl_certfile=str(cert), ssl_keyfile=str(key)) as host:
        url = f"https://127.0.0.1:{host.port}/frame.png"
        proxied = Backend.litellm(litellm.base_url, MASTER_KEY, verify=str(cert))
        async with AsyncSoraClient(proxied) as client:
            await client.create(
                "a kite over the bay",
                model=LONG_GROUP,
                seconds=4,
                input_reference={"image_url": url},
            )
    engine = litellm.emulator.state.emulator
    (spec,) = [j.render_spec for j in engine.jobs.values() if j.prompt == "a kite over the bay"]
    assert spec.reference_sha256 == hashlib.sha256(image).hexdigest()
    assert len(asked) == 1 and "authorization" not in asked[0]  # the proxy's key stayed home
