"""Each metric measured on clips made to have (or lack) that property."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sora_notebook.errors import SoraNotebookError
from sora_notebook.judge import METRICS, Metrics, difference, measure
from sora_notebook.judge.sound import LOUDNESS_FLOOR

from .conftest import H, W, flat, texture, tone


def test_brightness_and_contrast(clip):
    dark, light = measure(clip(flat(30))), measure(clip(flat(220)))
    assert dark["brightness"] < 0.2 < 0.8 < light["brightness"]
    assert dark["contrast"] < 0.01
    half = [np.concatenate([f[:, : W // 2] * 0, f[:, W // 2 :]], axis=1) for f in flat(255)]
    assert measure(clip(half))["contrast"] > 0.4
    assert len(dark.curves["brightness"]) == 24


def test_colorfulness(clip):
    grey, red = measure(clip(flat(128))), measure(clip(flat((220, 30, 30))))
    assert grey["colorfulness"] < 5 < 50 < red["colorfulness"]


def test_sharpness(clip):
    crisp = texture()
    blurred = [np.repeat(np.repeat(f[::8, ::8], 8, axis=0), 8, axis=1) // 2 + 64 for f in crisp]
    smooth = [
        np.clip(np.linspace(0, 255, W)[None, :, None] + 0 * f, 0, 255).astype(np.uint8)
        for f in crisp
    ]
    assert measure(clip(crisp))["sharpness"] > 5 * measure(clip(smooth))["sharpness"]
    assert measure(clip(blurred))["sharpness"] < measure(clip(crisp))["sharpness"]


def test_motion(clip):
    still, moving = measure(clip(texture(shift=0))), measure(clip(texture(shift=4)))
    assert still["motion"] < 0.005 < 0.05 < moving["motion"]
    assert moving.curves["motion"][0] == 0 and len(moving.curves["motion"]) == 24


def test_flicker_is_brightness_pulsing_not_movement(clip):
    pulsing = [f if i % 2 else f // 2 for i, f in enumerate(flat(200))]
    assert measure(clip(pulsing))["flicker"] > 0.2
    assert measure(clip(texture(shift=4)))["flicker"] < 0.02


def test_scene_cuts_count_hard_cuts_not_motion(clip):
    cut = flat(30, 8) + flat(220, 8) + flat((30, 200, 30), 8)
    assert measure(clip(cut))["scene_cuts"] == 2
    assert measure(clip(texture(shift=4)))["scene_cuts"] == 0


def test_loudness_and_silence(clip):
    loud = measure(clip(flat(100), tone(2, 0.5)))
    quiet = measure(clip(flat(100), tone(2, 0.02)))
    silent = measure(clip(flat(100), np.zeros(96_000, np.float32)))
    mute = measure(clip(flat(100)))  # no sound track at all
    assert -12 < loud["loudness"] < -7  # a 0.5 sine: -9 dBFS RMS
    assert loud["loudness"] - quiet["loudness"] == pytest.approx(28, abs=1.5)  # 0.5 / 0.02
    assert silent["loudness"] == mute["loudness"] == LOUDNESS_FLOOR  # finite, not -inf
    assert loud["silence"] == 0 and silent["silence"] == 1 == mute["silence"]


def test_similarity_to_parent_with_a_curve(clip):
    parent = clip(texture(seed=1))
    same = measure(clip(texture(seed=1)), parent=parent)
    other = measure(clip(texture(seed=2)), parent=parent)
    assert same["similarity_to_parent"] > 0.95 > 0.3 > other["similarity_to_parent"]
    assert len(same.curves["similarity_to_parent"]) == 24
    assert "similarity_to_parent" not in measure(parent)


def test_difference_strip(clip):
    a = clip(flat(30, 12) + texture(seed=3, n=12))
    b = clip(flat(30, 12) + texture(seed=4, n=12))
    strip = difference(a, b)
    assert len(strip) == 24 and all(0 <= v <= 1 for v in strip)
    assert max(strip[:12]) < 0.05 < 0.5 < min(strip[12:])


def test_every_metric_is_documented_finite_and_json_safe(clip):
    m = measure(clip(texture(), tone(2, 0.1)), parent=clip(texture()))
    assert set(m) == set(METRICS)
    assert all(math.isfinite(v) for v in m.values())
    again = Metrics.from_dict(m.to_dict())
    assert dict(again) == dict(m) and again.curves == m.curves


def test_scorers_plug_in(clip):
    def mean_red(c):
        return float(c.frames[..., 0].mean())

    class Pair:
        name = "pair"

        def __call__(self, c):
            return {"frames": len(c.frames), "width": c.width}

    m = measure(clip(flat((200, 10, 10))), scorers=[mean_red, Pair()])
    assert m["mean_red"] > 150 and m["frames"] == 24 and m["width"] == W
    with pytest.raises(SoraNotebookError, match="nan"):
        measure(clip(flat(1)), scorers=[lambda c: float("nan")])


def test_junk_is_a_clear_error(tmp_path):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video")
    with pytest.raises(SoraNotebookError, match=r"junk\.mp4"):
        measure(junk)


def test_emulator_clips_measure_what_their_prompts_say(tmp_path):
    from sora_notebook.emulator import _render
    from sora_notebook.emulator.look import RenderSpec, Segment

    def render(prompt: str):
        out = tmp_path / str(abs(hash(prompt)))
        _render.render(RenderSpec(2 * W, 2 * H, (Segment(prompt, prompt, 1),)), out)
        return measure(out / "video.mp4")

    night, day = render("a forest at night, still"), render("a forest at noon, still")
    race = render("racing cars on a city street")
    space = render("an astronaut in space")
    assert night["brightness"] < 0.6 * day["brightness"]
    assert race["motion"] > night["motion"]
    assert space["loudness"] == LOUDNESS_FLOOR and space["silence"] == 1
