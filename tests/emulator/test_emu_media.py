"""The emulator's media, decoded with PyAV: codecs, size, duration, frames, looks, determinism."""

from __future__ import annotations

import hashlib
import io
import struct
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from sora_notebook.emulator import _render
from sora_notebook.emulator.look import RenderSpec, Segment, look_for

from .conftest import asgi_client, complete, data_url, png_bytes

W, H = 320, 180  # small frames keep the suite fast; the API sizes are tested below


def spec(prompt: str = "a red fox running through a snowy forest", seconds: int = 2, **kw):
    look = kw.pop("look_prompt", prompt)
    return RenderSpec(W, H, (Segment(prompt, look, seconds),), **kw)


def render(tmp_path: Path, s: RenderSpec, name: str = "out", reference: bytes | None = None):
    out = tmp_path / name
    _render.render(s, out, reference=reference)
    return out


def top_level_boxes(data: bytes) -> list[bytes]:
    boxes, pos = [], 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        boxes.append(kind)
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
        if size < 8:
            break
        pos += size
    return boxes


def decode(path: Path) -> tuple[list[np.ndarray], np.ndarray, dict]:
    with av.open(str(path)) as c:
        v, a = c.streams.video[0], c.streams.audio[0]
        info = {
            "video": v.codec_context.name,
            "audio": a.codec_context.name,
            "size": (v.codec_context.width, v.codec_context.height),
            "rate": v.average_rate,
            "sample_rate": a.codec_context.sample_rate,
            "duration": float(c.duration) / av.time_base,
            "pix_fmt": v.codec_context.pix_fmt,
        }
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(v)]
    with av.open(str(path)) as c:
        audio = np.concatenate([f.to_ndarray().ravel() for f in c.decode(audio=0)])
    return frames, audio, info


@pytest.mark.parametrize("mode", ["full", "draft"])
def test_mp4_is_h264_aac_faststart_of_the_requested_size_and_length(tmp_path, mode):
    out = render(tmp_path, spec(seconds=3, mode=mode))
    data = (out / "video.mp4").read_bytes()
    boxes = top_level_boxes(data)
    assert boxes[0] == b"ftyp" and boxes.index(b"moov") < boxes.index(b"mdat")
    frames, audio, info = decode(out / "video.mp4")
    assert (info["video"], info["audio"], info["pix_fmt"]) == ("h264", "aac", "yuv420p")
    assert info["size"] == (W, H) and info["rate"] == 24
    assert info["sample_rate"] == (48_000 if mode == "full" else 24_000)
    assert len(frames) == 72 and abs(info["duration"] - 3.0) < 0.1
    assert frames[0].shape == (H, W, 3)
    assert float(np.sqrt(np.mean(audio.astype(np.float64) ** 2))) > 0.01  # not silent


def test_thumbnail_and_spritesheet(tmp_path):
    out = render(tmp_path, spec(seconds=7))
    with Image.open(out / "thumbnail.webp") as thumb:
        assert (thumb.format, thumb.size) == ("WEBP", (W, H))
    with Image.open(out / "spritesheet.jpg") as sheet:
        assert sheet.format == "JPEG" and sheet.size == (5 * 160, 2 * 90)  # 7 tiles, 5 a row


@pytest.mark.parametrize("mode", ["full", "draft"])
def test_same_inputs_give_the_same_bytes(tmp_path, mode):
    a = render(tmp_path, spec(mode=mode), "a")
    b = render(tmp_path, spec(mode=mode), "b")
    c = render(tmp_path, spec("a blue whale", mode=mode), "c")
    for name in ("video.mp4", "thumbnail.webp", "spritesheet.jpg"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
        assert (a / name).read_bytes() != (c / name).read_bytes()


def test_frames_move_and_carry_the_emulated_mark(tmp_path):
    frames, _, _ = decode(render(tmp_path, spec("a bouncing ball, fast")) / "video.mp4")
    assert np.abs(frames[0].astype(int) - frames[-1].astype(int)).mean() > 1
    # The mark is yellow text top-left: its box holds bright yellow pixels.
    corner = frames[0][5:40, 5:120].astype(int)
    yellow = (corner[..., 0] > 110) & (corner[..., 1] > 90) & (corner[..., 2] < 90)
    assert yellow.sum() > 20


def test_prompt_words_choose_palette_shapes_and_camera():
    plain, panned = look_for("a fox", "a fox"), look_for("aerial pan", "aerial pan over hills")
    assert plain.camera.pan_x == plain.camera.zoom == 0
    assert panned.camera.pan_x != 0 and panned.camera.pan_y != 0
    assert look_for("x", "slow zoom in on a cup").camera.zoom > 0
    assert look_for("x", "dolly out").camera.zoom < 0
    assert look_for("a red car", "a red car").subjects[0].colour == (200, 40, 40)
    assert [p.subject for p in look_for("a", "a fox, an owl and a boat").subjects] == [
        "fox",
        "owl",
        "boat",
    ]
    assert look_for("x", "fast").tempo > look_for("x", "calm").tempo


def test_camera_words_move_the_view(tmp_path):
    still = decode(render(tmp_path, spec("meadow", seconds=2), "s") / "video.mp4")[0]
    moving = decode(
        render(tmp_path, spec("meadow pan", look_prompt="meadow", seconds=2), "m") / "video.mp4"
    )[0]

    def change(frames):  # first vs last frame, in the band between the mark and the caption
        return np.abs(frames[0][45:140].astype(int) - frames[-1][45:140].astype(int)).mean()

    assert change(moving) > 2 * change(still)


def test_remix_keeps_the_parent_composition_and_what_it_does_not_change():
    parent = look_for("a fox in a forest", "a fox in a forest")
    remix = look_for("a fox in a forest", "at dusk with owls")
    other = look_for("at dusk with owls", "at dusk with owls")
    assert (remix.setting, remix.time) == ("forest", "dusk")  # kept, changed
    assert [p.subject for p in remix.subjects] == ["owl"] * 3  # a plural draws three
    assert remix.subjects[0].x == parent.subjects[0].x != other.subjects[0].x  # same slot
    assert remix.layout == parent.layout != other.layout


def test_image_to_video_starts_from_the_reference(tmp_path):
    ref = png_bytes(W, H)
    frames = decode(render(tmp_path, spec("x", reference_sha256="r"), reference=ref) / "video.mp4")[
        0
    ]
    plain = decode(render(tmp_path, spec("x"), "plain") / "video.mp4")[0]
    target = np.asarray(Image.open(io.BytesIO(ref)).convert("RGB")).astype(int)
    middle = (slice(45, 140), slice(0, W))  # away from the mark and the caption
    diff = np.abs(frames[0][middle].astype(int) - target[middle])
    assert np.median(diff) < 12
    assert np.median(np.abs(plain[0][middle].astype(int) - target[middle])) > 40


def test_extension_continues_its_parent(tmp_path):
    first = Segment("a boat", "a boat", 2)
    parent = RenderSpec(W, H, (first,))
    ext = RenderSpec(W, H, (first, Segment("the boat reaches land", "a boat", 2)))
    p_frames = decode(render(tmp_path, parent, "p") / "video.mp4")[0]
    e_frames, _, info = decode(render(tmp_path, ext, "e") / "video.mp4")
    assert len(e_frames) == 96 and abs(info["duration"] - 4.0) < 0.1
    for k in (0, 24, 47):
        assert np.abs(e_frames[k].astype(int) - p_frames[k].astype(int)).mean() < 3
    assert np.abs(e_frames[60].astype(int) - p_frames[40].astype(int)).mean() > 1


def test_probe_and_decode_refuse_junk():
    with pytest.raises(ValueError):
        _render.decode_image(b"not an image")
    with pytest.raises(ValueError):
        _render.probe_video(b"not a video")


async def test_api_media_matches_request_and_is_cached(make_app, clock):
    app = make_app(clock=clock)
    engine = app.state.emulator
    async with asgi_client(app) as client:
        body = {"prompt": "a lantern", "size": "720x1280", "seconds": "8", "seed": 9}
        a = (await client.post("/videos", json=body)).json()
        b = (await client.post("/videos", json=body)).json()
        await complete(client, clock, a["id"])
        await complete(client, clock, b["id"])
        data = (await client.get(f"/videos/{a['id']}/content")).content
    assert engine.media_path(engine.get(a["id"])) == engine.media_path(engine.get(b["id"]))
    assert hashlib.sha256(data).hexdigest() == engine.media_sha256(b["id"])
    path = engine.media_path(engine.get(a["id"]))
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        assert (v.codec_context.width, v.codec_context.height) == (720, 1280)
        assert sum(1 for _ in c.decode(v)) == 192


async def test_two_emulators_render_identical_bytes(make_app, clock):
    digests = []
    for _ in range(2):
        app = make_app(clock=clock)
        async with asgi_client(app) as client:
            ref = data_url(png_bytes(1280, 720))
            body = {"prompt": "a kite", "size": "1280x720", "input_reference": {"image_url": ref}}
            job = (await client.post("/videos", json=body)).json()
            await complete(client, clock, job["id"])
        digests.append(app.state.emulator.media_sha256(job["id"]))
    assert digests[0] == digests[1]
