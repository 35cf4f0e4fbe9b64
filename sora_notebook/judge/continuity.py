"""Continuity at the joins of a film: does the next shot's first frame pick up where the
previous take's last frame ended?

Frames in, numbers out (RGB uint8 arrays, `(height, width, 3)`; no files). Both frames of
a join are compared at `SIZE` (160 px wide, the judge's analysis width), so the numbers do
not depend on resolution:

- `ssim`: SSIM of luma (BT.601), -1..1, 1 the same picture; in practice 0-1.
- `histogram`: Hellinger distance between the frames' colour histograms (8 bins per
  channel, 512 in all), 0 the same colours, 1 none in common.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

import numpy as np

from sora_notebook.judge._imaging import resize, ssim

__all__ = ["MAX_PIXELS", "SIZE", "Continuity", "Join", "continuity", "histogram_distance", "join"]

SIZE = (90, 160)  # (height, width) both frames are compared at
MAX_PIXELS = 3840 * 2160
_LUMA = np.array([0.299, 0.587, 0.114], np.float32) / 255.0


@dataclass(frozen=True)
class Join:
    """How well one join holds: `ssim` (higher is closer), `histogram` (lower is closer)."""

    ssim: float
    histogram: float


@dataclass(frozen=True)
class Continuity:
    """Every join of a film, in order, and their means (`nan` for a film of one shot)."""

    joins: tuple[Join, ...]

    @property
    def ssim(self) -> float:
        return float(np.mean([j.ssim for j in self.joins])) if self.joins else float("nan")

    @property
    def histogram(self) -> float:
        return float(np.mean([j.histogram for j in self.joins])) if self.joins else float("nan")

    def to_dict(self) -> dict[str, object]:
        return {
            "ssim": self.ssim,
            "histogram": self.histogram,
            "joins": [asdict(j) for j in self.joins],
        }


def _checked(frame: np.ndarray, name: str) -> np.ndarray:
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 or frame.ndim != 3:
        raise ValueError(f"{name} must be an RGB uint8 array (height, width, 3)")
    h, w, c = frame.shape
    if c != 3 or h < 2 or w < 2 or h * w > MAX_PIXELS:
        raise ValueError(f"{name} is {w}x{h}x{c}; give RGB frames of 2x2 to 3840x2160 pixels")
    return frame


def _small(frame: np.ndarray) -> np.ndarray:
    """`frame` at SIZE as float RGB 0-255 (area-averaged with anti-aliasing)."""
    return resize(frame.astype(np.float32), (*SIZE, 3))


def _hellinger(sa: np.ndarray, sb: np.ndarray) -> float:
    def hist(frame: np.ndarray) -> np.ndarray:
        bins = np.clip(frame, 0, 255).astype(np.int64) // 32
        index = (bins[..., 0] * 64 + bins[..., 1] * 8 + bins[..., 2]).ravel()
        counts = np.bincount(index, minlength=512).astype(np.float64)
        return np.asarray(counts / counts.sum())

    return float(np.sqrt(max(0.0, 1.0 - np.sum(np.sqrt(hist(sa) * hist(sb))))))


def histogram_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Hellinger distance (0-1) between the 8x8x8 colour histograms of two RGB frames."""
    return _hellinger(_small(_checked(a, "a")), _small(_checked(b, "b")))


def join(last: np.ndarray, first: np.ndarray) -> Join:
    """Score one join: the previous take's `last` frame against the next one's `first`."""
    sa, sb = _small(_checked(last, "last")), _small(_checked(first, "first"))
    return Join(ssim=ssim(sa @ _LUMA, sb @ _LUMA), histogram=_hellinger(sa, sb))


def continuity(pairs: Iterable[tuple[np.ndarray, np.ndarray]]) -> Continuity:
    """Score every join: `pairs` of (previous take's last frame, next take's first frame)."""
    return Continuity(tuple(join(last, first) for last, first in pairs))
