"""Decode a saved clip for measuring: small RGB frames and mono audio, bounded in size.

Frames are decoded one at a time by `sora_notebook.decoding` (pixel and frame limits)
and scaled by FFmpeg's swscale to at most `ANALYSIS_WIDTH` pixels wide and twice that
tall: every picture metric is defined at that size, so numbers do not depend on the
clip's resolution and a 1080p clip costs little more than a 480p one.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np

from sora_notebook.decoding import MAX_FRAMES, DecodeError, fit_within, video_frames
from sora_notebook.errors import SoraNotebookError

__all__ = ["ANALYSIS_WIDTH", "MAX_FRAMES", "Clip", "load_clip"]

ANALYSIS_WIDTH = 160
#: Frames are scaled to fit this box: 160 wide, and never taller than twice that (a
#: 160x4096 clip is measured at 12x320, not at full height).
ANALYSIS_BOX = (ANALYSIS_WIDTH, 2 * ANALYSIS_WIDTH)
#: At most this many audio samples (about 5 minutes at 48 kHz) are read.
MAX_SAMPLES = 48_000 * 300


@dataclass
class Clip:
    """A decoded clip. `frames`: (n, h, w, 3) uint8 RGB at analysis size; `audio`: mono
    float32 in -1..1 (empty when the clip has no sound); `fps`, `sample_rate` as stored."""

    path: Path
    frames: np.ndarray
    fps: float
    audio: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    sample_rate: int = 0
    width: int = 0
    height: int = 0

    @functools.cached_property
    def luma(self) -> np.ndarray:
        """(n, h, w) float32 BT.601 luma in 0-1 (computed once)."""
        weights = np.array([0.299, 0.587, 0.114], dtype=np.float32) / 255.0
        return np.asarray(self.frames @ weights)

    @property
    def seconds(self) -> float:
        return len(self.frames) / self.fps if self.fps else 0.0


def _analysis_size(width: int, height: int) -> tuple[int, int]:
    return fit_within(width, height, ANALYSIS_BOX)


def load_clip(path: str | os.PathLike[str]) -> Clip:
    """Decode `path` (an MP4 or anything FFmpeg reads); SoraNotebookError when it cannot.
    The last two clips are kept (by path, size and modification time), so measuring a
    clip and then comparing it with another decodes it once. Treat the arrays as read-only."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError as exc:
        raise SoraNotebookError(f"Could not read {path.name}: {exc}") from exc
    return _load(str(path), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=2)  # about 30 MB each for a 12 s clip
def _load(name: str, size: int, mtime_ns: int) -> Clip:
    path = Path(name)
    info: dict[str, float] = {}
    frames: list[np.ndarray] = []
    try:
        for frame in video_frames(path, ANALYSIS_BOX, max_frames=MAX_FRAMES, info=info):
            frames.append(frame.to_ndarray())
        audio, rate = _audio(path)
    except DecodeError as exc:
        raise SoraNotebookError(f"Could not measure {path.name}: {exc}") from exc
    except (av.error.FFmpegError, OSError) as exc:
        raise SoraNotebookError(f"Could not decode {path.name}: {exc}") from exc
    if not frames:
        raise SoraNotebookError(f"{path.name} has no frames to measure.")
    width, height = int(info["width"]), int(info["height"])
    return Clip(path, np.stack(frames), info["fps"], audio, rate, width, height)


def _audio(path: Path) -> tuple[np.ndarray, int]:
    with av.open(str(path)) as container:
        if not container.streams.audio:
            return np.zeros(0, np.float32), 0
        stream = container.streams.audio[0]
        rate = stream.codec_context.sample_rate or 48_000
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        parts, total = [], 0
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                block = out.to_ndarray().reshape(-1)
                parts.append(block)
                total += block.size
            if total >= MAX_SAMPLES:
                break
    audio = np.concatenate(parts)[:MAX_SAMPLES] if parts else np.zeros(0, np.float32)
    return audio.astype(np.float32), rate
