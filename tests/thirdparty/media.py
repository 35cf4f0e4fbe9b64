"""Tiny real MP4s for the stand-ins (PyAV), one colour per output index."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import av
import numpy as np

COLOURS = ((200, 40, 40), (40, 160, 60), (40, 60, 200), (220, 200, 40))


@functools.cache
def tiny_mp4(index: int = 0, seconds: int = 2) -> bytes:
    """A 64x48, 8 fps H.264 clip of `seconds`, coloured by `index`."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "clip.mp4"
        with av.open(str(path), "w") as out:
            stream = out.add_stream("libx264", rate=8)
            stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
            stream.gop_size = 4
            colour = np.array(COLOURS[index % len(COLOURS)], dtype=np.uint8)
            for i in range(8 * seconds):
                pixels = np.tile(colour, (48, 64, 1))
                pixels[:, : (i * 4) % 64] = 255
                frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
                for packet in stream.encode(frame):
                    out.mux(packet)
            for packet in stream.encode():
                out.mux(packet)
        return path.read_bytes()
