"""The emulator's picture follows the prompt: each property measured on decoded frames.

Small frames (320x180) and 2 s clips keep these fast; the 720p speed is a benchmark
(benchmarks/bench_render.py), never asserted here.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import av
import numpy as np
import pytest

from sora_notebook.emulator import _render
from sora_notebook.emulator.look import RenderSpec, Segment, look_for
from sora_notebook.emulator.subjects import SUBJECTS

W, H = 320, 180
BAND = slice(30, 150)  # rows between the EMULATED mark and the caption


def frames(tmp_path: Path, prompt: str, look_prompt: str | None = None, seconds: int = 2):
    """Decoded RGB frames (float32) of a render of `prompt`."""
    out = tmp_path / f"r{len(list(tmp_path.iterdir()))}"
    _render.render(RenderSpec(W, H, (Segment(prompt, look_prompt or prompt, seconds),)), out)
    with av.open(str(out / "video.mp4")) as c:
        return [f.to_ndarray(format="rgb24").astype(np.float32) for f in c.decode(video=0)]


def luma(rgb: np.ndarray) -> np.ndarray:
    return 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]


def frame_change(clip: list[np.ndarray]) -> float:
    return float(np.mean([np.abs(b[BAND] - a[BAND]).mean() for a, b in itertools.pairwise(clip)]))


def shift_x(a: np.ndarray, b: np.ndarray) -> int:
    """How far the content of `b` moved right of `a` (pixels), by phase correlation."""
    fa, fb = np.fft.fft2(luma(a[BAND])), np.fft.fft2(luma(b[BAND]))
    cross = fb * np.conj(fa)
    peak = np.fft.ifft2(cross / (np.abs(cross) + 1e-9)).real
    _, dx = np.unravel_index(np.argmax(peak), peak.shape)
    return int(dx - peak.shape[1]) if dx > peak.shape[1] // 2 else int(dx)


def edges(rgb: np.ndarray) -> np.ndarray:
    gy, gx = np.gradient(luma(rgb[BAND]))
    return np.hypot(gx, gy).ravel()


def test_night_is_at_most_60_percent_as_bright_as_dawn(tmp_path):
    dawn = frames(tmp_path, "a red fox in a forest at dawn")[24]
    night = frames(tmp_path, "a red fox in a forest at night")[24]
    assert luma(night).mean() <= 0.6 * luma(dawn).mean()


@pytest.mark.parametrize(
    ("prompt", "channel"),
    [("waves rolling on the open ocean", 2), ("a deer in a quiet forest", 1)],
)
def test_ocean_is_blue_and_forest_green_dominant(tmp_path, prompt, channel):
    mean = frames(tmp_path, prompt)[24].reshape(-1, 3).mean(axis=0)
    assert mean.argmax() == channel, mean


def test_unrelated_prompts_look_different(tmp_path):
    a = frames(tmp_path, "a red fox in a snowy forest at dawn")[24]
    b = frames(tmp_path, "a city street at night with cars")[24]
    c = frames(tmp_path, "a camel crossing desert dunes at noon")[24]
    for x, y in ((a, b), (a, c), (b, c)):
        assert np.abs(x - y).mean() >= 20


def test_racing_moves_at_least_twice_as_much_as_a_still_life(tmp_path):
    racing = frame_change(frames(tmp_path, "racing, fast motion"))
    still = frame_change(frames(tmp_path, "still life, static camera"))
    assert racing >= 2 * still and racing > 0.1


@pytest.mark.parametrize(("prompt", "sign"), [("the camera pans left", 1), ("pans right", -1)])
def test_a_pan_slides_the_scene_the_other_way_consistently(tmp_path, prompt, sign):
    """The camera turns left, so the scene slides right across the frame (and the reverse)."""
    clip = frames(tmp_path, f"a meadow with a tree, {prompt}, still")
    shifts = [shift_x(clip[k], clip[k + 6]) for k in range(0, 42, 6)]
    assert all(sign * s > 0 for s in shifts), shifts


def test_camera_words_are_camera_moves():
    assert look_for("x", "slow zoom in on a cup").camera.zoom > 0
    assert look_for("x", "aerial drone shot").camera.pan_y != 0
    assert look_for("x", "the camera orbits the statue").camera.orbit
    assert look_for("x", "handheld documentary").camera.handheld > 0
    assert look_for("x", "tilt up to the sky").camera.pan_y < 0


def test_a_time_of_day_remix_keeps_the_structure(tmp_path):
    parent_prompt = "a red fox in a forest at dawn"
    parent = frames(tmp_path, parent_prompt)[24]
    remix = frames(tmp_path, "a red fox in a forest at night", look_prompt=parent_prompt)[24]
    assert np.corrcoef(edges(parent), edges(remix))[0, 1] >= 0.5
    assert luma(remix).mean() <= 0.6 * luma(parent).mean()


def test_a_remix_changes_what_the_new_prompt_says_and_keeps_the_rest():
    parent = look_for("a red fox in a snowy forest at dawn", "a red fox in a snowy forest at dawn")
    remix = look_for("a red fox in a snowy forest at dawn", "now a wolf, racing")
    assert (remix.setting, remix.time, remix.weather) == ("forest", "dawn", "snow")
    assert [p.subject for p in remix.subjects] == ["wolf"] and remix.motion == "racing"
    assert remix.subjects[0].x == parent.subjects[0].x


def test_soundtrack_follows_the_scene():
    def sound(p: str) -> str:
        return look_for(p, p).sound

    assert sound("rain on a window") == "rain"
    assert sound("a sailboat on the ocean") == "waves"
    assert sound("a snowfield under a blizzard") == "wind"
    assert sound("a busy city street") == "traffic"
    assert sound("an astronaut floating in space") == "silence"


def test_at_least_forty_subjects_each_a_distinct_silhouette():
    from sora_notebook.emulator._scenery import mask_for

    masks = {name: mask_for(s, 64, False) for name, s in SUBJECTS.items()}
    assert len(masks) >= 40
    for name, m in masks.items():
        assert 0.08 < m.mean() < 0.95, name  # drawn, and not a filled box
    small = {n: np.asarray(m[::4, :: max(1, m.shape[1] // 16)][:16, :16]) for n, m in masks.items()}
    keys = [n for n in small if small[n].shape == (16, 16)]
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            assert (small[a] != small[b]).mean() > 0.02, (a, b)


def test_a_named_subject_is_drawn_into_the_same_scene(tmp_path):
    empty = "an empty meadow at noon, still"
    plain = frames(tmp_path, empty, seconds=1)[0]
    horse = frames(tmp_path, "a white horse", look_prompt=empty, seconds=1)[0]
    changed = np.abs(horse[BAND] - plain[BAND]).max(axis=2) > 60
    assert 0.02 < changed.mean() < 0.3


def test_the_soundtrack_is_what_the_scene_sounds_like(tmp_path):
    def audio(prompt: str) -> np.ndarray:
        out = tmp_path / f"a{len(list(tmp_path.iterdir()))}"
        _render.render(RenderSpec(W, H, (Segment(prompt, prompt, 1),)), out)
        with av.open(str(out / "video.mp4")) as c:
            return np.concatenate([f.to_ndarray().ravel() for f in c.decode(audio=0)])

    def rms(x: np.ndarray) -> float:
        return float(np.sqrt(np.mean(x.astype(np.float64) ** 2)))

    space, rain = audio("an astronaut in space"), audio("heavy rain on a meadow")
    assert rms(space) < 1e-4 < 0.02 < rms(rain)
    # rain is a hiss: most of its energy changes sample to sample (high frequencies)
    assert rms(np.diff(rain)) > rms(rain)


def test_a_remix_of_a_remix_keeps_what_each_step_said():
    from sora_notebook.emulator.look import inherit

    root = "a red fox in a snowy forest at dawn"
    first = inherit(root, root)  # what a remix of the root takes its look from
    assert first == root
    second = inherit(first, "at night")  # a remix of that remix
    look = look_for(second, "now in the rain")
    assert (look.time, look.weather, look.setting) == ("night", "rain", "forest")
    assert [p.subject for p in look.subjects] == ["fox"]
    assert look.layout == look_for(root, root).layout  # the same composition
    long_chain = root
    for i in range(50):
        long_chain = inherit(long_chain, f"step {i} " + "x" * 5000)
    assert len(long_chain) < 20_000 and long_chain.startswith(root)


async def test_remixes_through_the_api_inherit_along_the_chain(make_app, clock):
    from .conftest import asgi_client, complete

    app = make_app(clock=clock)
    engine = app.state.emulator
    async with asgi_client(app) as client:
        body = {"prompt": "a red fox in a snowy forest at dawn", "size": "1280x720"}
        root = (await client.post("/videos", json=body)).json()
        await complete(client, clock, root["id"])
        night = await client.post(f"/videos/{root['id']}/remix", json={"prompt": "at night"})
        await complete(client, clock, night.json()["id"])
        rain = await client.post(f"/videos/{night.json()['id']}/remix", json={"prompt": "rain"})
    segment = engine.get(rain.json()["id"]).render_spec.segments[0]
    look = look_for(segment.look_prompt, segment.prompt)
    assert (look.time, look.weather, look.setting) == ("night", "rain", "forest")
