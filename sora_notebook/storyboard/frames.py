"""The first and last pictures of a take (what a join is judged on, and the frame a
continuation starts from), decoded by streaming: one frame held at a time, bounded in
pixels and frames."""

from __future__ import annotations

import io
import os

import av
import numpy as np
from PIL import Image

from sora_notebook.storyboard.stitch import MAX_FPS, MAX_PIXELS, MAX_TAKE_SECONDS, StitchError

__all__ = ["edge_frames", "png"]


def edge_frames(path: str | os.PathLike[str], start: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """(first, last) frames of the video at `path` (the first from `start` seconds on),
    RGB uint8 at the take's size."""
    first = last = None
    limit = MAX_TAKE_SECONDS * MAX_FPS
    try:
        with av.open(str(path)) as box:
            if not box.streams.video:
                raise StitchError(f"{path} has no pictures.")
            ctx = box.streams.video[0].codec_context
            if ctx.width * ctx.height > MAX_PIXELS:
                raise StitchError(f"{path} is {ctx.width}x{ctx.height}; at most 3840x2160.")
            for n, frame in enumerate(box.decode(video=0)):
                if n >= limit or frame.width * frame.height > MAX_PIXELS:
                    raise StitchError(f"{path}: over {limit} frames, or over 3840x2160.")
                if first is None and (frame.time is None or frame.time >= start - 1e-6):
                    first = frame.to_ndarray(format="rgb24")
                last = frame
    except (av.FFmpegError, OSError) as exc:
        raise StitchError(f"{path} cannot be read as a video: {exc}") from None
    if first is None or last is None:
        raise StitchError(f"{path} has no pictures.")
    return first, last.to_ndarray(format="rgb24")


def png(frame: np.ndarray) -> bytes:
    """An RGB frame as PNG bytes (to send as a continuation's reference image)."""
    buffer = io.BytesIO()
    Image.fromarray(frame).save(buffer, format="PNG")
    return buffer.getvalue()
