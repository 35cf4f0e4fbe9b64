"""YUV 4:2:0 frame buffers: the painter draws straight into the planes the encoder takes."""

from __future__ import annotations

import numpy as np

__all__ = ["Band", "Frame", "rgb_to_yuv", "yuv_colour"]


def rgb_to_yuv(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """BT.601 limited-range Y (full size) and U, V (half size) planes of an even-sized image
    (8-bit fixed-point arithmetic, as the ITU tables give it)."""
    h, w = rgb.shape[:2]
    f = rgb.astype(np.int32)
    r, g, b = f[..., 0], f[..., 1], f[..., 2]
    y = ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16
    sub = (f[0:h:2, 0:w:2] + f[1:h:2, 0:w:2] + f[0:h:2, 1:w:2] + f[1:h:2, 1:w:2] + 2) >> 2
    r, g, b = sub[..., 0], sub[..., 1], sub[..., 2]
    u = ((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128
    v = ((112 * r - 94 * g - 18 * b + 128) >> 8) + 128
    return y.astype(np.uint8), u.astype(np.uint8), v.astype(np.uint8)


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
