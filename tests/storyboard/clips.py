"""Small real MP4s for the storyboard tests: a colour that brightens over the clip, a tone."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np


def make_clip(
    path: Path,
    *,
    seconds: float = 1.0,
    size: tuple[int, int] = (320, 180),
    fps: int = 24,
    colour: tuple[int, int, int] = (200, 40, 40),
    tone: float | None = 440.0,
    rate: int = 24_000,
) -> Path:
    w, h = size
    n = round(seconds * fps)
    with av.open(str(path), "w", format="mp4") as out:
        video = out.add_stream("libx264", rate=fps, options={"preset": "ultrafast", "g": str(fps)})
        video.width, video.height, video.pix_fmt = w, h, "yuv420p"
        audio = None
        if tone is not None:
            audio = out.add_stream("aac", rate=rate)
            audio.layout = "mono"
        for i in range(n):
            pic = np.empty((h, w, 3), np.uint8)
            pic[:] = np.array(colour) * (0.5 + 0.5 * i / max(1, n - 1))
            pic[:, : w // 8] = 255  # a white bar on the left
            frame = av.VideoFrame.from_ndarray(pic, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        if audio is not None:
            t = np.arange(round(seconds * rate)) / rate
            samples = (0.3 * np.sin(2 * np.pi * tone * t)).astype(np.float32)
            for start in range(0, len(samples), 1024):
                block = samples[None, start : start + 1024]
                af = av.AudioFrame.from_ndarray(
                    np.ascontiguousarray(block), format="fltp", layout="mono"
                )
                af.sample_rate, af.pts, af.time_base = rate, start, Fraction(1, rate)
                out.mux(audio.encode(af))
            out.mux(audio.encode(None))
    return path
