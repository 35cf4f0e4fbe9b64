"""Picture metrics of a decoded clip: each returns (value, per-frame curve).

Every number is computed on frames scaled to `ANALYSIS_WIDTH` pixels wide, on BT.601
luma in 0-1 unless it says otherwise. scikit-image does the image work it already does
well (Laplacian, SSIM).
"""

from __future__ import annotations

import numpy as np

from sora_notebook.judge._clip import Clip
from sora_notebook.judge._imaging import laplace, resize, ssim

__all__ = [
    "MEASURES",
    "brightness",
    "colorfulness",
    "contrast",
    "flicker",
    "motion",
    "scene_cuts",
    "sharpness",
    "ssim_curve",
]

Measured = tuple[float, list[float]]
#: A cut is a frame whose luma histogram differs from the previous one by more than this
#: (half the L1 distance of two normalised 32-bin histograms, 0-1)...
CUT_THRESHOLD = 0.35
#: ...and by more than this many times the clip's median change (so steady fast motion
#: does not count).
CUT_FACTOR = 4.0


def _curve(values: np.ndarray) -> list[float]:
    return [round(float(v), 6) for v in values]


def brightness(clip: Clip) -> Measured:
    """Mean luma, 0 (black) to 1 (white)."""
    per = clip.luma.mean(axis=(1, 2))
    return float(per.mean()), _curve(per)


def contrast(clip: Clip) -> Measured:
    """RMS contrast: the standard deviation of luma, 0 (flat) to 0.5 (half black, half white)."""
    per = clip.luma.std(axis=(1, 2))
    return float(per.mean()), _curve(per)


def colorfulness(clip: Clip) -> Measured:
    """Hasler and Süsstrunk's colourfulness M on 0-255 RGB: 0 is grey; about 15 'slightly',
    33 'moderately', 59 'quite', 82 'highly', 109 and up 'extremely colourful'."""
    f = clip.frames.astype(np.float32)
    rg = f[..., 0] - f[..., 1]
    yb = 0.5 * (f[..., 0] + f[..., 1]) - f[..., 2]
    std = np.sqrt(rg.std(axis=(1, 2)) ** 2 + yb.std(axis=(1, 2)) ** 2)
    mean = np.sqrt(rg.mean(axis=(1, 2)) ** 2 + yb.mean(axis=(1, 2)) ** 2)
    per = std + 0.3 * mean
    return float(per.mean()), _curve(per)


def sharpness(clip: Clip) -> Measured:
    """Variance of the Laplacian of luma (0-1) at analysis size, x1000: 0 is a flat
    picture; a blurred one scores low, crisp edges and fine texture high (unbounded;
    emulator clips score about 1-20)."""
    per = np.array([laplace(y).var() * 1000 for y in clip.luma])
    return float(per.mean()), _curve(per)


def _changes(clip: Clip) -> np.ndarray:
    y = clip.luma
    if len(y) < 2:
        return np.zeros(len(y), np.float32)
    return np.concatenate([[0.0], np.abs(np.diff(y, axis=0)).mean(axis=(1, 2))])


def motion(clip: Clip) -> Measured:
    """Mean absolute luma change from one frame to the next, 0 (still) to 1; the curve's
    first point is 0."""
    per = _changes(clip)
    return float(per[1:].mean()) if len(per) > 1 else 0.0, _curve(per)


def flicker(clip: Clip) -> Measured:
    """Mean absolute change of the whole frame's brightness from one frame to the next,
    0-1: lighting that pulses or jumps, as opposed to things that move."""
    per = clip.luma.mean(axis=(1, 2))
    jumps = np.concatenate([[0.0], np.abs(np.diff(per))]) if len(per) > 1 else np.zeros(1)
    return float(jumps[1:].mean()) if len(jumps) > 1 else 0.0, _curve(jumps)


def scene_cuts(clip: Clip) -> Measured:
    """How many hard cuts (a count); the curve is each frame's histogram change, 0-1."""
    y = clip.luma
    hists = np.stack([np.histogram(f, bins=32, range=(0.0, 1.0))[0] for f in y]).astype(float)
    hists /= np.maximum(hists.sum(axis=1, keepdims=True), 1)
    change = np.concatenate([[0.0], 0.5 * np.abs(np.diff(hists, axis=0)).sum(axis=1)])
    median = float(np.median(change[1:])) if len(change) > 1 else 0.0
    cuts = (change > CUT_THRESHOLD) & (change > CUT_FACTOR * median)
    return float(cuts.sum()), _curve(change)


def ssim_curve(a: Clip, b: Clip) -> list[float]:
    """SSIM of luma between aligned frames of two clips (frame i of the shorter against
    the frame at the same fraction of the longer), each -1..1 (1 identical; in practice
    0-1). Clips of different shapes are compared at the smaller one's size."""
    ya, yb = a.luma, b.luma
    n = min(len(ya), len(yb))
    if n == 0:
        return []
    shape = (min(ya.shape[1], yb.shape[1]), min(ya.shape[2], yb.shape[2]))
    out = []
    for i in range(n):
        fa = ya[round(i * (len(ya) - 1) / max(1, n - 1))]
        fb = yb[round(i * (len(yb) - 1) / max(1, n - 1))]
        if fa.shape != shape:
            fa = resize(fa, shape)
        if fb.shape != shape:
            fb = resize(fb, shape)
        out.append(ssim(fa, fb))
    return _curve(np.array(out))


#: The picture metrics `measure` computes, named by their functions.
MEASURES = (brightness, contrast, colorfulness, sharpness, motion, flicker, scene_cuts)
