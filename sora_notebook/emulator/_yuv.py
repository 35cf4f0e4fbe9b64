"""YUV 4:2:0 frame buffers: the painter draws straight into the planes the encoder takes."""

from __future__ import annotations

import numpy as np
from PIL import Image

__all__ = ["Band", "Frame", "rgb_to_yuv", "yuv_colour"]


#: Full-range (JPEG) YCbCr to the limited range H.264 expects (BT.601 either way).
_Y_LIMITED = np.array([round(16 + v * 219 / 255) for v in range(256)], dtype=np.uint8)
_C_LIMITED = np.array([round(128 + (v - 128) * 224 / 255) for v in range(256)], dtype=np.uint8)


def rgb_to_yuv(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """BT.601 limited-range Y (full size) and U, V (half size) planes of an even-sized RGB
    image: Pillow's YCbCr conversion and box downscale (C speed), then a range table."""
    h, w = rgb.shape[:2]
    y, cb, cr = Image.fromarray(np.ascontiguousarray(rgb)).convert("YCbCr").split()
    half = (w // 2, h // 2)
    u = cb.resize(half, Image.Resampling.BOX)
    v = cr.resize(half, Image.Resampling.BOX)
    return _Y_LIMITED[np.asarray(y)], _C_LIMITED[np.asarray(u)], _C_LIMITED[np.asarray(v)]


def yuv_colour(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    y, u, v = rgb_to_yuv(np.array([[rgb, rgb], [rgb, rgb]], dtype=np.uint8))
    return int(y[0, 0]), int(u[0, 0]), int(v[0, 0])


class Frame:
    """One reusable yuv420p frame buffer with Y, U and V plane views."""

    def __init__(self, width: int, height: int) -> None:
        self.w, self.h = width, height
        n = width * height
        self.flat = np.zeros(n * 3 // 2, dtype=np.uint8)
        self.y = self.flat[:n].reshape(height, width)
        self.u = self.flat[n : n + n // 4].reshape(height // 2, width // 2)
        self.v = self.flat[n + n // 4 :].reshape(height // 2, width // 2)

    @property
    def array(self) -> np.ndarray:
        return self.flat.reshape(self.h * 3 // 2, self.w)

    def planes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.y, self.u, self.v


class Band:
    """A caption blended at half strength over the picture, or an opaque mark (readable
    anywhere), pre-converted to YUV."""

    def __init__(self, rgb: np.ndarray, opaque: bool = False) -> None:
        h, w = rgb.shape[0] // 2 * 2, rgb.shape[1] // 2 * 2
        self.opaque = opaque
        self.planes = tuple(p if opaque else p >> 1 for p in rgb_to_yuv(rgb[:h, :w]))

    def draw(self, frame: Frame, x: int, y: int) -> None:
        x, y = x // 2 * 2, y // 2 * 2
        for i, (plane, band) in enumerate(zip(frame.planes(), self.planes, strict=True)):
            d = 1 if i == 0 else 2
            region = plane[y // d : y // d + band.shape[0], x // d : x // d + band.shape[1]]
            if self.opaque:
                region[:] = band[: region.shape[0], : region.shape[1]]
                continue
            np.right_shift(region, 1, out=region)
            region += band[: region.shape[0], : region.shape[1]]
