"""Small clips written with PyAV for the metric tests (each property made on purpose)."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

W, H, FPS = 96, 64, 12


def write_clip(
    path: Path,
    frames: list[np.ndarray],
    audio: np.ndarray | None = None,
    rate: int = 48_000,
) -> Path:
    """An H.264 (+ AAC when `audio`) MP4 of RGB `frames` at 12 fps."""
    with av.open(str(path), mode="w") as out:
        video = out.add_stream("libx264", rate=FPS, options={"crf": "10", "preset": "ultrafast"})
        video.width, video.height, video.pix_fmt = frames[0].shape[1], frames[0].shape[0], "yuv420p"
        stream = None
        if audio is not None:
            stream = out.add_stream("aac", rate=rate)
            stream.layout = "mono"
        for i, rgb in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, FPS)
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        if stream is not None and audio is not None:
            for start in range(0, len(audio), 1024):
                block = np.ascontiguousarray(audio[None, start : start + 1024], dtype=np.float32)
                af = av.AudioFrame.from_ndarray(block, format="fltp", layout="mono")
                af.sample_rate, af.pts, af.time_base = rate, start, Fraction(1, rate)
                out.mux(stream.encode(af))
            out.mux(stream.encode(None))
    return path


def flat(value: int | tuple[int, int, int], n: int = 24) -> list[np.ndarray]:
    colour = (value,) * 3 if isinstance(value, int) else value
    return [np.full((H, W, 3), colour, np.uint8) for _ in range(n)]


def texture(seed: int = 0, n: int = 24, shift: int = 0) -> list[np.ndarray]:
    """A random blocky picture; each frame moved `shift` pixels right of the last."""
    rng = np.random.default_rng(seed)
    base = np.kron(rng.integers(0, 255, (H // 8, 2 * W // 8, 3)), np.ones((8, 8, 1)))
    return [
        np.ascontiguousarray(np.roll(base, i * shift, axis=1)[:, :W]).astype(np.uint8)
        for i in range(n)
    ]


def tone(seconds: float, amplitude: float, rate: int = 48_000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


@pytest.fixture
def clip(tmp_path: Path) -> Callable[..., Path]:
    counter = iter(range(1000))

    def make(frames: list[np.ndarray], audio: np.ndarray | None = None) -> Path:
        return write_clip(tmp_path / f"c{next(counter)}.mp4", frames, audio)

    return make
