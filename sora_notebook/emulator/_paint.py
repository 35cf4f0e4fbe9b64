"""Frames of one segment: the camera's view of the static world, the moving subjects on it,
then falling rain or snow. Static layers are converted to YUV once (per segment); each
frame is a crop (resized only while zoomed), a few masked fills and indexed particles.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import numpy as np

from sora_notebook.emulator._scenery import Scenery, light, mask_for, shade, sprite_height
from sora_notebook.emulator._yuv import Frame, rgb_to_yuv, yuv_colour
from sora_notebook.emulator.look import Look, Placed
from sora_notebook.emulator.subjects import SUBJECTS

__all__ = ["Painter", "View"]

Planes = tuple[np.ndarray, np.ndarray, np.ndarray]
_SURFACE = frozenset(("boat", "ship", "duck"))
_ZOOM = (0.78, 1.25)


@dataclass(frozen=True)
class View:
    """Where the camera is: world centre (pixels) and zoom. A segment starts where the
    previous one ended, so an extension continues its parent's camera."""

    cx: float
    cy: float
    zoom: float = 1.0


@dataclass
class _Sprite:
    placed: Placed
    mask: np.ndarray
    mask_uv: np.ndarray
    yuv: tuple[int, int, int]
    top: float  # world row of the sprite's top
    bob: float


def _reference_canvas(ref: np.ndarray, cw: int, ch: int, top: int) -> np.ndarray:
    h, w = ref.shape[:2]
    px = (cw - w) // 2
    return np.pad(ref, ((top, ch - h - top), (px, cw - w - px), (0, 0)), mode="reflect")


class Painter:
    """Draws the frames of one segment in full mode, straight into YUV planes."""

    def __init__(self, w: int, h: int, look: Look, ref: np.ndarray | None, start: View | None):
        self.w, self.h, self.look = w, h, look
        self.cw, self.ch = 2 * w, int(h * 1.3) // 2 * 2
        top = (self.ch - h) // 4 * 2
        if ref is None:
            scene = Scenery(look, w, h)
            rgb, horizon = scene.canvas, scene.horizon
        else:  # image to video: the reference is the world, its subjects drawn over it
            rgb, horizon = _reference_canvas(ref, self.cw, self.ch, top), top + int(0.6 * h)
        extra = int(w / _ZOOM[0]) // 2 * 2 + 4
        planes = rgb_to_yuv(rgb)  # then wrap: the view can run past the world's right edge
        self.planes: Planes = tuple(  # type: ignore[assignment]
            np.concatenate([p, p[:, : extra // d]], axis=1)
            for p, d in zip(planes, (1, 2, 2), strict=True)
        )
        self.start = start or View(cx=self.cw / 2, cy=top + h / 2)
        self.sprites = [self._sprite(p, horizon - top, top) for p in look.subjects]
        self.particles = _Particles(look, w, h)

    def _sprite(self, placed: Placed, horizon: int, top: int) -> _Sprite:
        subject = SUBJECTS[placed.subject]
        sh = sprite_height(placed, self.h)
        mask = mask_for(subject, sh, placed.speed < 0)
        hf = horizon / self.h
        if subject.place == "air":
            base = 0.08 + placed.lift + mask.shape[0] / self.h
        elif subject.place == "water" and self.look.setting == "ocean":
            base = hf + (0.07 if placed.subject in _SURFACE else 0.3) + placed.lift
        elif self.look.setting == "interior" and not subject.moves:
            base = hf + 0.12
        else:
            base = hf + (0.84 - hf) * min(1.0, 0.35 + 0.55 * placed.scale) + placed.lift
        rgb = light(self.look, placed.colour)
        if self.look.time == "night":  # foreground subjects catch the moon / street light
            rgb = rgb * 2.0 + 12
        rgb = shade(self.look, rgb, far=0.2)
        r, g, b = (int(c) for c in np.clip(rgb, 0, 255))
        bob = 0.008 * self.h if subject.moves and self.look.tempo > 0 else 0.0
        return _Sprite(
            placed, mask, mask[::2, ::2], yuv_colour((r, g, b)), top + base * self.h - sh, bob
        )

    def view(self, t: float, t0: float) -> tuple[int, int, int, int]:
        """(x0, y0, view width, view height) of the camera at clip time t (segment from t0)."""
        cam, dt = self.look.camera, t - t0
        zoom = min(_ZOOM[1], max(_ZOOM[0], self.start.zoom * (1 + cam.zoom * dt)))
        if cam.orbit:
            zoom *= 1 + 0.05 * math.sin(dt * 0.9)
        vw = min(int(self.w / zoom) // 2 * 2, self.cw)
        vh = min(int(self.h / zoom) // 2 * 2, self.ch)
        cx = self.start.cx + cam.pan_x * self.w * dt
        cy = self.start.cy + cam.pan_y * self.h * dt
        if cam.handheld:
            cx += cam.handheld * self.w * (math.sin(t * 7.3) + 0.6 * math.sin(t * 13.1 + 1))
            cy += cam.handheld * self.h * (math.sin(t * 5.9 + 2) + 0.6 * math.sin(t * 11.3))
        span = max(1.0, self.ch - vh)
        y = (cy - vh / 2) % (2 * span)  # tilts bounce between the canvas's top and bottom
        y = 2 * span - y if y > span else y
        x0 = int(cx - vw / 2) % self.cw // 2 * 2
        return x0, int(min(max(0.0, y), self.ch - vh)) // 2 * 2, vw, vh

    def end(self, t: float, t0: float) -> View:
        cam, dt = self.look.camera, t - t0
        zoom = min(_ZOOM[1], max(_ZOOM[0], self.start.zoom * (1 + cam.zoom * dt)))
        return View(
            cx=self.start.cx + cam.pan_x * self.w * dt,
            cy=self.start.cy + cam.pan_y * self.h * dt,
            zoom=zoom,
        )

    def paint(self, frame: Frame, t: float, t0: float = 0.0) -> None:
        x0, y0, vw, vh = self.view(t, t0)
        full = (vw, vh) == (self.w, self.h)
        targets = frame.planes() if full else _scratch(vw, vh)
        for i, (target, plane) in enumerate(zip(targets, self.planes, strict=True)):
            d = 1 if i == 0 else 2
            target[:] = plane[y0 // d : (y0 + vh) // d, x0 // d : (x0 + vw) // d]
        for sprite in self.sprites:
            self._draw_sprite(targets, sprite, t, x0, y0)
        if not full:  # nearest-neighbour scaling by two gathers (no image round trip)
            for target, plane in zip(targets, frame.planes(), strict=True):
                rows = _steps(target.shape[0], plane.shape[0])
                cols = _steps(target.shape[1], plane.shape[1])
                np.take(np.take(target, rows, axis=0), cols, axis=1, out=plane)
        self.particles.draw(frame, t)

    def _draw_sprite(self, targets: Planes, sprite: _Sprite, t: float, x0: int, y0: int) -> None:
        p = sprite.placed
        mw = sprite.mask.shape[1]
        # x is a fraction of the first frame (the world's origin stays put across segments)
        wx = ((self.cw - self.w) / 2 + p.x * self.w - mw / 2 + p.speed * self.cw * t) % self.cw
        sx = int((wx - x0 + mw) % self.cw - mw) // 2 * 2
        bob = sprite.bob * math.sin(t * 6.0 * max(self.look.tempo, 0.5) + p.x * 10)
        sy = int(sprite.top + bob - y0) // 2 * 2
        for i, target in enumerate(targets):
            d = 1 if i == 0 else 2
            mask = sprite.mask if i == 0 else sprite.mask_uv
            th, tw = target.shape
            xa, ya = max(0, sx // d), max(0, sy // d)
            xb, yb = min(tw, sx // d + mask.shape[1]), min(th, sy // d + mask.shape[0])
            if xa >= xb or ya >= yb:
                return
            sub = mask[ya - sy // d : yb - sy // d, xa - sx // d : xb - sx // d]
            target[ya:yb, xa:xb][sub] = sprite.yuv[i]


def _steps(source: int, target: int) -> np.ndarray:
    """Indices that pick `target` samples spread evenly over `source` (nearest)."""
    return ((np.arange(target) + 0.5) * (source / target)).astype(np.intp)


_SCRATCH: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}


def _scratch(vw: int, vh: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    planes = _SCRATCH.get((vw, vh))
    if planes is None:
        if len(_SCRATCH) > 64:
            _SCRATCH.clear()
        planes = _SCRATCH[(vw, vh)] = (
            np.empty((vh, vw), np.uint8),
            np.empty((vh // 2, vw // 2), np.uint8),
            np.empty((vh // 2, vw // 2), np.uint8),
        )
    return planes


class _Particles:
    """Rain streaks or snowflakes falling over the frame (precomputed offsets, indexed
    writes per frame)."""

    def __init__(self, look: Look, w: int, h: int) -> None:
        self.w, self.h, self.kind = w, h, look.weather
        rng = random.Random(look.layout ^ 0x5EED)
        # sparse: every particle is detail the encoder must code anew each frame
        self.n = (w * h // 14000) if self.kind == "rain" else (w * h // 9000)
        self.x = np.array([rng.randrange(w) for _ in range(self.n)], dtype=np.int64)
        self.y = np.array([rng.randrange(h) for _ in range(self.n)], dtype=np.int64)
        self.phase = np.array([rng.random() * 6.28 for _ in range(self.n)])
        self.value = int(min(235, 60 + 140 * light(look, (255, 255, 255))[1] / 255))
        size = max(1, h // 240)
        if self.kind == "rain":
            ks = np.arange(max(4, h // 24))
            self.dy, self.dx = ks, ks // 4
            self.speed = h * 1.6
        else:
            yy, xx = np.mgrid[0 : size + 1, 0 : size + 1]
            self.dy, self.dx = yy.ravel(), xx.ravel()
            self.speed = h * 0.12

    def draw(self, frame: Frame, t: float) -> None:
        if self.kind not in ("rain", "snow"):
            return
        ys = (self.y + int(self.speed * t)) % self.h
        xs = self.x
        if self.kind == "snow":
            xs = (xs + (self.h * 0.02 * np.sin(t * 1.5 + self.phase)).astype(np.int64)) % self.w
        rows = (ys[:, None] + self.dy[None, :]) % self.h
        cols = (xs[:, None] + self.dx[None, :]) % self.w
        frame.flat[(rows * self.w + cols).ravel()] = self.value
