"""The Studio against vLLM-Omni 0.30.0's and SGLang 0.5.23's real HTTP layers (engines
faked): generate with a first frame, media and local stills, refused actions, import,
delete, cancel, several outputs as siblings, a text-only model refused a first frame
before sending, and a refused action remembered in the server's words."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from sora_notebook.client import Backend
from sora_notebook.errors import ValidationError, VideoFailed
from sora_notebook.studio import Studio
from sora_notebook.studio.polling import PollPolicy

from .conftest import KEY
from .facts import SGLANG_MODELS

pytestmark = pytest.mark.thirdparty

FAST = PollPolicy(min_interval=0.1, max_interval=0.3, first_delay=0.1)


def png(width: int = 1280, height: int = 720) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (90, 140, 200)).save(out, format="PNG")
    return out.getvalue()


def studio_for(backend: Backend, tmp_path) -> Studio:
    return Studio(backend, tmp_path / "lib", poll=FAST)


@pytest.fixture(params=["vllm-omni", "sglang"])
def real(request: pytest.FixtureRequest):
    """Each real server in turn: (name, server, backend)."""
    server = request.getfixturevalue("vllm_omni" if request.param == "vllm-omni" else "sglang")
    backend = Backend.compatible(f"{server.root}/v1", KEY, dialect=request.param)
    return request.param, server, backend


async def test_generate_saves_the_video_and_local_stills(real, tmp_path):
    _, server, backend = real
    async with studio_for(backend, tmp_path) as studio:
        job = await studio.generate(
            "a lighthouse", size="1280x720", seconds=4, input_reference=png(), timeout=30
        )
        assert job.status == "completed" and set(job.media) == {"video", "thumbnail", "spritesheet"}
        with Image.open(studio.media_path(job, "thumbnail")) as thumb:
            assert thumb.format == "WEBP"
        with Image.open(studio.media_path(job, "spritesheet")) as sheet:
            assert sheet.format == "JPEG"
        seen = next(s for s in server.engine()["seen"] if s["request_id"] == job.video_id)
        assert seen.get("image") or seen.get("image_path")  # the first frame arrived
        for action in ("remix", "edit", "extend"):
            reason = studio.capabilities.reason(action)
            assert reason and "new videos only" in reason
            with pytest.raises(ValidationError, match="new videos only"):
                await getattr(studio, action)(job, "again", *([4] if action == "extend" else []))


async def test_failed_job_and_import_and_delete(real, tmp_path):
    _, _, backend = real
    async with studio_for(backend, tmp_path) as studio:
        with pytest.raises(VideoFailed):
            await studio.generate("this will fail", timeout=30)
        done = await studio.generate("keep me", timeout=30)
        async with studio_for(backend, tmp_path / "other") as other:
            assert (await other.import_remote()).imported >= 2
        await studio.delete(done)
        assert studio.library.find_key(done.key) is None
    async with studio_for(backend, tmp_path / "third") as third:
        assert done.video_id not in {j.video_id for j in third.jobs()}
        await third.import_remote()
        assert done.video_id not in {j.video_id for j in third.jobs()}  # gone on the server


async def test_cancel_where_the_server_can(real, tmp_path):
    name, server, backend = real
    async with studio_for(backend, tmp_path) as studio:
        job = await studio.submit("a long one")
        reason = studio.capabilities.reason("cancel")
        if name == "sglang":
            assert reason is not None
            with pytest.raises(ValidationError, match=reason[:25]):
                await studio.cancel(job)
            return
        cancelled = await studio.cancel(job)
        assert cancelled.status == "failed" and cancelled.error_code == "cancelled"
    assert job.video_id in server.engine()["aborted"]  # vLLM-Omni aborted the engine's run


async def test_several_outputs_become_sibling_variants(sglang, tmp_path):
    backend = Backend.compatible(f"{sglang.root}/v1", KEY, dialect="sglang")
    async with studio_for(backend, tmp_path) as studio:
        job = await studio.generate("three foxes", outputs=3, timeout=30)
        siblings = [j for j in studio.jobs() if j.params.get("output_of") == job.key]
        assert sorted(j.params["output_index"] for j in siblings) == [1, 2]
        files = {studio.media_path(j).read_bytes() for j in [job, *siblings]}
        assert len(files) == 3  # each output its own video (`variant=1,2`)
        assert all(j.parent_key == job.parent_key and "thumbnail" in j.media for j in siblings)
        # named by backend + server id + output index, like every library file
        names = sorted(studio.media_path(j).name for j in siblings)
        stem = studio.media_path(job).name.removesuffix(".mp4")
        assert names == [f"{stem}.o1.mp4", f"{stem}.o2.mp4"]


async def test_outputs_refused_where_a_job_makes_one(vllm_omni, tmp_path):
    backend = Backend.compatible(f"{vllm_omni.root}/v1", KEY, dialect="vllm-omni")
    async with studio_for(backend, tmp_path) as studio:
        with pytest.raises(ValidationError, match=r"studio\.variants"):
            await studio.generate("two please", outputs=2, timeout=30)


async def test_a_text_only_model_is_refused_a_first_frame_before_sending(sglang_t2v, tmp_path):
    """SGLang's `/v1/models` task types say the model is text-to-video only: the plan
    refuses an image-to-video request with the reason; nothing reaches the server."""
    backend = Backend.compatible(f"{sglang_t2v.root}/v1", KEY, dialect="sglang")
    model = SGLANG_MODELS["T2V"]
    async with studio_for(backend, tmp_path) as studio:
        found = {m.id: m for m in await studio.models()}
        assert found[model].image is False
        before = len(sglang_t2v.engine()["seen"])
        with pytest.raises(ValidationError, match="makes text-to-video only") as caught:
            await studio.submit("a fox", model=model, input_reference=png())
        assert caught.value.param == "input_reference"
        job = await studio.generate("a fox", model=model, timeout=30)
        assert job.status == "completed"
    assert len(sglang_t2v.engine()["seen"]) == before + 1  # only the text-to-video one


async def test_a_refused_action_is_remembered_with_the_servers_words(vllm_omni, tmp_path):
    # declared able to remix (as one might behind a gateway), but the server has no route
    backend = Backend.compatible(f"{vllm_omni.root}/v1", KEY, dialect="vllm-omni")
    backend = backend.with_quirks(supports_remix=True)
    async with studio_for(backend, tmp_path) as studio:
        job = await studio.generate("a heron", timeout=30)
        assert studio.capabilities.reason("remix") is None
        with pytest.raises(Exception, match="Not Found"):
            await studio.remix(job, "at night")
        assert studio.capabilities.reason("remix").startswith("The server refused remix")
        with pytest.raises(ValidationError, match="refused remix"):
            await studio.remix(job, "again")  # refused before sending this time
