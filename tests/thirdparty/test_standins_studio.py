"""The Studio against each gateway stand-in on a real socket (vLLM-Omni and SGLang: their
real code, tests/thirdparty/real_servers): generate with a reference image,
media saved (local thumbnail and spritesheet where the server serves only the MP4),
refused actions with their reasons, import, delete, cancel, several outputs per job."""

from __future__ import annotations

import pytest
from PIL import Image

from sora_notebook.client import Backend
from sora_notebook.errors import ValidationError, VideoFailed
from sora_notebook.studio import Studio
from sora_notebook.studio.polling import PollPolicy

from .conftest import KEY, png

pytestmark = pytest.mark.thirdparty

FAST = PollPolicy(min_interval=0.1, max_interval=0.3, first_delay=0.1)


def studio_for(backend: Backend, tmp_path) -> Studio:
    return Studio(backend, tmp_path / "lib", poll=FAST)


async def test_generate_saves_the_video_and_local_stills(served, tmp_path):
    async with studio_for(served.backend, tmp_path) as studio:
        job = await studio.generate(
            "a lighthouse",
            model=served.model,
            size="1280x720",
            seconds=4,
            input_reference=png(),
            timeout=30,
        )
        assert job.status == "completed" and set(job.media) == {"video", "thumbnail", "spritesheet"}
        with Image.open(studio.media_path(job, "thumbnail")) as thumb:
            assert thumb.format == "WEBP" and thumb.size == (64, 48)
        with Image.open(studio.media_path(job, "spritesheet")) as sheet:
            assert sheet.format == "JPEG" and sheet.size[0] == 2 * 160  # one tile per second
        caps = studio.capabilities
        for action in ("remix", "edit", "extend"):
            reason = caps.reason(action)
            assert reason and "new videos only" in reason
            with pytest.raises(ValidationError, match="new videos only"):
                await getattr(studio, action)(job, "again", *([4] if action == "extend" else []))


async def test_failed_job_and_import_and_delete(served, tmp_path):
    async with studio_for(served.backend, tmp_path) as studio:
        with pytest.raises(VideoFailed):
            await studio.generate("this will fail", model=served.model, timeout=30)
        done = await studio.generate("keep me", model=served.model, timeout=30)
        if studio.capabilities.list:
            async with studio_for(served.backend, tmp_path / "other") as other:
                assert (await other.import_remote()).imported == 2
        else:
            report = await studio.import_remote()  # says why, asks the server nothing
            assert report.imported == 0 and "one by one" in report.note
        before = dict(served.app.state.store.jobs)
        await studio.delete(done)
        assert studio.library.find_key(done.key) is None
        if studio.capabilities.delete:
            assert done.video_id not in served.app.state.store.jobs
        else:  # the server copy stays until it expires
            assert served.app.state.store.jobs.keys() == before.keys()


async def test_cancel_where_the_server_can(served, tmp_path):
    async with studio_for(served.backend, tmp_path) as studio:
        job = await studio.submit("a long one", model=served.model)
        reason = studio.capabilities.reason("cancel")
        if reason is not None:
            with pytest.raises(ValidationError, match=reason[:25]):
                await studio.cancel(job)
            return
        cancelled = await studio.cancel(job)
        assert cancelled.status == "failed" and cancelled.error_code == "cancelled"
        assert job.video_id not in served.app.state.store.jobs


async def test_outputs_refused_where_a_job_makes_one(served, tmp_path):
    if served.backend.capabilities.outputs_per_job:
        pytest.skip("this server makes several outputs per job")
    async with studio_for(served.backend, tmp_path) as studio:
        with pytest.raises(ValidationError, match=r"studio\.variants"):
            await studio.generate("two please", model=served.model, outputs=2, timeout=30)


async def test_the_catalogue_checks_requests_before_sending(serve, tmp_path):
    from .standins_gateways import openrouter_app

    app = openrouter_app()
    backend = Backend.openrouter(KEY, base_url=f"{serve(app)}/api/v1")
    async with studio_for(backend, tmp_path) as studio:
        veo = next(m for m in await studio.models() if m.id == "google/veo-3.1")
        assert veo.seconds == ("4", "6", "8")
        with pytest.raises(ValidationError, match="clips of 4, 6, 8 seconds"):
            await studio.submit("too long", model="google/veo-3.1", seconds=12)
        with pytest.raises(ValidationError, match="choose one of those"):
            await studio.submit("square", model="google/veo-3.1", size="1024x1024")
        assert app.state.store.seen == []
        job = await studio.generate(
            "fits", model="google/veo-3.1", size="720x1280", seconds=8, timeout=30
        )
        assert job.status == "completed"
    sent = app.state.store.seen[0]["body"]
    assert (sent["resolution"], sent["aspect_ratio"], sent["duration"]) == ("720p", "9:16", 8)


async def test_a_binding_catalogue_is_read_before_the_first_request(serve, tmp_path):
    """Code that never calls `studio.models()` is checked too: the plan reads OpenRouter's
    catalogue before the first request (once), so an out-of-set value is refused before
    sending, in a single submit, a batch and a sweep."""
    from .standins_gateways import openrouter_app

    app = openrouter_app()
    backend = Backend.openrouter(KEY, base_url=f"{serve(app)}/api/v1")
    async with studio_for(backend, tmp_path) as studio:
        with pytest.raises(ValidationError, match="clips of 4, 6, 8 seconds"):
            await studio.submit("too long", model="google/veo-3.1", seconds=12)
        with pytest.raises(ValidationError, match="clips of 4, 6, 8 seconds"):
            await studio.variants("too long", 2, model="google/veo-3.1", seconds=12)
        with pytest.raises(ValidationError, match="clips of 4, 6, 8 seconds"):
            await studio.sweep("too long", model=["google/veo-3.1"], seconds=[8, 12])
        assert app.state.store.seen == []  # nothing was sent
        assert studio.planner.models  # read once, kept for the plan


async def test_a_text_only_model_is_refused_a_first_frame_before_sending(serve, tmp_path):
    """The catalogue says which models take a first frame: SGLang's `/v1/models` task
    types, OpenRouter's `supported_frame_images`. An image-to-video request on a
    text-only model is refused by the plan, with the reason; nothing is sent."""
    from .standins_gateways import openrouter_app

    openrouter = openrouter_app()
    cases = {  # SGLang's real `/v1/models`: real_servers/test_studio.py
        "openrouter": (
            Backend.openrouter(KEY, base_url=f"{serve(openrouter)}/api/v1"),
            "example/t2v-only",
            openrouter,
        ),
    }
    for name, (backend, model, app) in cases.items():
        async with studio_for(backend, tmp_path / name) as studio:
            found = {m.id: m for m in await studio.models()}
            assert found[model].image is False
            with pytest.raises(ValidationError, match="makes text-to-video only") as caught:
                await studio.submit("a fox", model=model, input_reference=png(1920, 1080))
            assert caught.value.param == "input_reference"
            assert app.state.store.seen == []  # refused before sending
            if name == "openrouter":  # its exact sizes ("1K"/"2K" models) are the set
                assert found[model].sizes == ("1920x1080", "1440x1440")
                job = await studio.generate("a fox", model=model, size="1440x1440", timeout=30)
                assert job.status == "completed"
                assert found["google/veo-3.1"].image is True


async def test_openrouter_outputs_by_index_become_siblings(serve, tmp_path):
    from .standins_gateways import openrouter_app

    backend = Backend.openrouter(KEY, base_url=f"{serve(openrouter_app(outputs=2))}/api/v1")
    async with studio_for(backend, tmp_path) as studio:
        job = await studio.generate("two takes", model="google/veo-3.1", timeout=30)
        siblings = [j for j in studio.jobs() if j.params.get("output_of") == job.key]
        assert [j.params["output_index"] for j in siblings] == [1]
        first, second = (studio.media_path(j).read_bytes() for j in (job, siblings[0]))
        assert first != second  # content?index=0 and ?index=1
