"""The static layers of a scene, drawn once per segment: the world behind the subjects
(sky, ground, setting features; horizontally periodic so a pan can go on forever) and
each subject's silhouette mask. RGB numpy arrays; `_paint` converts and composes them.
"""

from __future__ import annotations

import random

import numpy as np
from PIL import Image, ImageDraw

from sora_notebook.emulator.look import Look, Placed
from sora_notebook.emulator.subjects import SUBJECTS, Subject

__all__ = ["MARGIN", "Scenery", "light", "mask_for", "shade"]

RGB = tuple[int, int, int]
#: The world canvas is this much taller than the frame (tilts) and twice as wide (it wraps).
MARGIN = 1.3

_SKY: dict[str, tuple[RGB, RGB]] = {
    "dawn": ((95, 100, 165), (250, 175, 130)),
    "day": ((70, 130, 220), (175, 210, 240)),
    "dusk": ((55, 45, 110), (240, 120, 70)),
    "night": ((10, 14, 42), (48, 62, 112)),
}
#: time -> (brightness, RGB tint) applied to everything lit by the sky.
_LIGHT: dict[str, tuple[float, tuple[float, float, float]]] = {
    "dawn": (0.88, (1.08, 0.95, 0.88)),
    "day": (1.0, (1.0, 1.0, 1.0)),
    "dusk": (0.68, (1.1, 0.85, 0.8)),
    "night": (0.25, (0.8, 0.9, 1.15)),
}
#: setting -> (horizon as a fraction of the frame from the top, ground near, ground far)
_GROUND: dict[str, tuple[float, RGB, RGB]] = {
    "meadow": (0.55, (95, 165, 70), (55, 125, 45)),
    "forest": (0.5, (45, 105, 45), (25, 75, 30)),
    "ocean": (0.45, (30, 100, 170), (10, 55, 125)),
    "desert": (0.55, (225, 185, 115), (190, 145, 85)),
    "city": (0.62, (70, 70, 76), (48, 48, 54)),
    "snowfield": (0.55, (235, 240, 248), (200, 210, 225)),
    "space": (0.8, (120, 120, 125), (80, 80, 86)),
    "interior": (0.66, (125, 85, 55), (90, 60, 40)),
    "mountain": (0.62, (90, 120, 80), (60, 90, 55)),
}
_FOG = (200, 205, 210)


def light(look: Look, colour: RGB | np.ndarray) -> np.ndarray:
    """`colour` as the scene's time of day and weather light it (float RGB)."""
    level, tint = _LIGHT[look.time]
    if look.setting == "interior":
        level = max(level, 0.5)  # lamps
    if look.weather == "rain":
        level *= 0.72
    return np.asarray(colour, dtype=np.float32) * level * np.asarray(tint, dtype=np.float32)


def shade(look: Look, rgb: np.ndarray, far: float = 0.5) -> np.ndarray:
    """Weather over lit colours: fog veils them toward grey (more when `far`)."""
    if look.weather == "fog":
        level, _ = _LIGHT[look.time]
        f = 0.35 + 0.35 * far
        return rgb * (1 - f) + np.asarray(_FOG, dtype=np.float32) * level * f
    return rgb


def _gradient(top: RGB, bottom: RGB, rows: int) -> np.ndarray:
    t = np.linspace(0.0, 1.0, max(rows, 1), dtype=np.float32)[:, None]
    return np.asarray(top, np.float32) * (1 - t) + np.asarray(bottom, np.float32) * t


class Scenery:
    """The world of one look at frame size (w, h): `canvas` (ch, cw, 3) uint8 RGB."""

    def __init__(self, look: Look, w: int, h: int) -> None:
        self.look, self.w, self.h = look, w, h
        self.cw = 2 * w
        self.ch = int(h * MARGIN) // 2 * 2
        self.top = (self.ch - h) // 4 * 2  # world row of the frame's top at the start
        frac = _GROUND[look.setting][0]
        self.horizon = self.top + int(frac * h)
        self.rng = random.Random(look.layout)
        self.canvas = self._draw()

    def _draw(self) -> np.ndarray:
        look = self.look
        sky_top, sky_low = _SKY[look.time]
        if look.setting == "space":
            sky_top, sky_low = (3, 3, 12), (18, 14, 40)
        if look.weather == "rain":  # overcast, as dark as the hour
            grey = light(look, (130, 136, 150)) / 0.72
            sky_top = _rgb(grey * 0.75)
            sky_low = _rgb(grey)
        column = np.empty((self.ch, 3), dtype=np.float32)  # one column, then repeated
        column[: self.horizon] = _gradient(sky_top, sky_low, self.horizon)
        if look.setting == "interior":
            column[: self.horizon] = light(look, (200, 170, 135))
        _, near, far = _GROUND[look.setting]
        if look.weather == "snow":
            near, far = _whiten(near), _whiten(far)
        column[self.horizon :] = light(look, _gradient(far, near, self.ch - self.horizon))
        column = np.clip(column, 0, 255).astype(np.uint8)
        img = Image.fromarray(np.repeat(column[:, None, :], self.cw, axis=1))
        draw = ImageDraw.Draw(img)
        clouded = look.weather in ("rain", "fog") and look.setting != "space"
        if (look.time == "night" or look.setting == "space") and not clouded:
            self._stars(draw)
        _FEATURES.get(look.setting, _nothing)(self, draw)
        if look.weather != "fog":
            return np.asarray(img)
        shaded = np.clip(shade(look, np.asarray(img).astype(np.float32)), 0, 255)
        return np.asarray(shaded, dtype=np.uint8)

    # --- helpers the features use ------------------------------------------------------
    def colour(self, rgb: RGB) -> tuple[int, int, int]:
        r, g, b = (int(c) for c in np.clip(light(self.look, rgb), 0, 255))
        return (r, g, b)

    def wrapped(self, draw: ImageDraw.ImageDraw, kind: str, xy: list[float], fill: RGB) -> None:
        """Draw a polygon / ellipse / rectangle at x, x - cw and x + cw (the world wraps)."""
        for shift in (-self.cw, 0, self.cw):
            pts = [v + shift if i % 2 == 0 else v for i, v in enumerate(xy)]
            if kind == "p":
                draw.polygon(pts, fill=fill)
            elif kind == "e":
                draw.ellipse(pts, fill=fill)
            else:
                draw.rectangle(pts, fill=fill)

    def tri(
        self, draw: ImageDraw.ImageDraw, x: float, top: float, half: float, base: float, fill: RGB
    ) -> None:
        """A triangle with its apex at (x, top) and its base `half` either side at `base`."""
        self.wrapped(draw, "p", [x, top, x + half, base, x - half, base], fill)

    def _stars(self, draw: ImageDraw.ImageDraw) -> None:
        rng = random.Random(self.look.layout + 1)  # its own draws: the features stay put
        for _ in range(self.cw * self.horizon // 4000):
            x, y = rng.randrange(self.cw), rng.randrange(max(1, self.horizon - 4))
            v = rng.randrange(110, 220)
            draw.rectangle([x, y, x + 1, y + 1], fill=(v, v, v))
        r = self.h // 14
        x, y = rng.randrange(self.cw), self.top + self.h // 6
        self.wrapped(draw, "e", [x - r, y - r, x + r, y + r], (235, 235, 215))


def _rgb(values: np.ndarray) -> RGB:
    r, g, b = (int(v) for v in np.clip(values, 0, 255))
    return (r, g, b)


def _whiten(rgb: RGB) -> RGB:
    r, g, b = (int(c * 0.3 + 238 * 0.7) for c in rgb)
    return (r, g, b)


def _nothing(scene: Scenery, draw: ImageDraw.ImageDraw) -> None:
    return None


def _meadow(scene: Scenery, draw: ImageDraw.ImageDraw) -> None:
    xs = np.arange(0, scene.cw + 8, 8, dtype=np.float32)
    phase = scene.rng.random() * 6.28
    ridge = scene.horizon - scene.h * (0.04 + 0.04 * np.sin(xs / scene.cw * 6.283 * 3 + phase))
    pts = [v for x, y in zip(xs, ridge, strict=True) for v in (float(x), float(y))]
    draw.polygon(
        [*pts, scene.cw, scene.horizon + 2, 0, scene.horizon + 2], fill=scene.colour((70, 135, 75))
    )
    for i in range(9):
        x = (i + scene.rng.random()) * scene.cw / 9
        r = scene.h * (0.03 + 0.03 * scene.rng.random())
        y = scene.horizon + scene.h * 0.02 * (1 + i % 3)
        scene.wrapped(
            draw, "r", [x - r * 0.15, y - r, x + r * 0.15, y + r * 0.6], scene.colour((70, 50, 30))
        )
        scene.wrapped(
            draw, "e", [x - r, y - 2.4 * r, x + r, y - 0.4 * r], scene.colour((40, 100, 45))
        )


def _forest(scene: Scenery, draw: ImageDraw.ImageDraw) -> None:
    for row, (tone, size) in enumerate((((30, 95, 45), 0.42), ((18, 70, 32), 0.6))):
        n = 14 - 4 * row
        for i in range(n):
            x = (i + scene.rng.random() * 0.8) * scene.cw / n
            th = scene.h * size * (0.8 + 0.4 * scene.rng.random())
            base = scene.horizon + row * scene.h * 0.12
            tw = th * 0.45
            scene.wrapped(
                draw, "p", [x, base - th, x + tw / 2, base, x - tw / 2, base], scene.colour(tone)
            )


def _ocean(scene: Scenery, draw: ImageDraw.ImageDraw) -> None:
    crest = scene.colour((120, 170, 215))
    for k in range(1, 9):
        y = scene.horizon + (scene.ch - scene.horizon) * (k / 9) ** 1.6
        for i in range(6 + 2 * k):
            x = (i + scene.rng.random()) * scene.cw / (6 + 2 * k)
            ln = scene.w * 0.02 * k
            scene.wrapped(draw, "r", [x, y, x + ln, y + max(1, k // 3)], crest)


def _desert(scene: Scenery, draw: ImageDraw.ImageDraw) -> None:
    xs = np.arange(0, scene.cw + 8, 8, dtype=np.float32)
    for k, tone in enumerate(((200, 155, 95), (215, 170, 105))):
        phase = scene.rng.random() * 6.28
        ridge = (
            scene.horizon
            + scene.h * (0.02 + 0.05 * k)
            + scene.h * 0.04 * np.sin(xs / scene.cw * 6.283 * (2 + k) + phase)
        )
        pts = [*(v for x, y in zip(xs, ridge, strict=True) for v in (float(x), float(y)))]
        draw.polygon([*pts, scene.cw, scene.ch, 0, scene.ch], fill=scene.colour(tone))


def _city(scene: Scenery, draw: ImageDraw.ImageDraw) -> None:
    lit = scene.look.time in ("night", "dusk")
    x = 0.0
    while x < scene.cw:
        bw = scene.w * (0.05 + 0.07 * scene.rng.random())
        bh = scene.h * (0.15 + 0.35 * scene.rng.random())
        tone = scene.colour((85 + scene.rng.randrange(30), 90, 105))
        draw.rectangle([x, scene.horizon - bh, x + bw - 2, scene.horizon], fill=tone)
        win = (250, 215, 130) if lit else scene.colour((150, 170, 190))
        step = max(6, scene.h // 40)
        for wy in np.arange(scene.horizon - bh + step, scene.horizon - step, step * 2):
            for wx in np.arange(x + step / 2, x + bw - step, step * 1.5):
                if scene.rng.random() < (0.55 if lit else 0.8):
                    draw.rectangle([wx, wy, wx + step * 0.6, wy + step * 0.8], fill=win)
        x += bw
    lane = scene.colour((210, 200, 120))
    y = scene.horizon + (scene.ch - scene.horizon) * 0.45
    for i in range(16):
        x0 = i * scene.cw / 16
        draw.rectangle([x0, y, x0 + scene.w * 0.05, y + max(2, scene.h // 90)], fill=lane)


def _mountain(scene: Scenery, draw: ImageDraw.ImageDraw) -> None:
    rock, snow = scene.colour((110, 115, 130)), scene.colour((240, 242, 248))
    for i in range(5):
        x = (i + scene.rng.random() * 0.6) * scene.cw / 5
        ph, pw = scene.h * (0.3 + 0.2 * scene.rng.random()), scene.w * 0.35
        top = scene.horizon - ph
        scene.wrapped(
            draw, "p", [x, top, x + pw / 2, scene.horizon, x - pw / 2, scene.horizon], rock
        )
        scene.wrapped(
            draw,
            "p",
            [x, top, x + pw * 0.12, top + ph * 0.24, x - pw * 0.12, top + ph * 0.24],
            snow,
        )


def _snowfield(scene: Scenery, draw: ImageDraw.ImageDraw) -> None:
    tone = scene.colour((40, 70, 60))
    for i in range(7):
        x, th = (i + scene.rng.random()) * scene.cw / 7, scene.h * 0.14
        scene.wrapped(
            draw,
            "p",
            [x, scene.horizon - th, x + th * 0.25, scene.horizon, x - th * 0.25, scene.horizon],
            tone,
        )


def _space(scene: Scenery, draw: ImageDraw.ImageDraw) -> None:
    r = scene.h * 0.16
    x, y = scene.rng.random() * scene.cw, scene.top + scene.h * 0.28
    hue = ((200, 120, 80), (90, 140, 210), (180, 170, 140))[scene.look.layout % 3]
    scene.wrapped(draw, "e", [x - r, y - r, x + r, y + r], hue)


def _interior(scene: Scenery, draw: ImageDraw.ImageDraw) -> None:
    sky_top, sky_low = _SKY[scene.look.time]
    for i in range(2):
        x = scene.cw * (0.15 + 0.5 * i + 0.1 * scene.rng.random())
        y, ww, wh = scene.top + scene.h * 0.14, scene.w * 0.22, scene.h * 0.3
        draw.rectangle([x - 6, y - 6, x + ww + 6, y + wh + 6], fill=scene.colour((90, 70, 55)))
        draw.rectangle([x, y, x + ww, y + wh / 2], fill=sky_top)
        draw.rectangle([x, y + wh / 2, x + ww, y + wh], fill=sky_low)
    table = scene.colour((100, 65, 40))
    y = scene.horizon + scene.h * 0.12
    draw.rectangle([0, y, scene.cw, y + scene.h * 0.04], fill=table)


_FEATURES = {
    "meadow": _meadow,
    "forest": _forest,
    "ocean": _ocean,
    "desert": _desert,
    "city": _city,
    "mountain": _mountain,
    "snowfield": _snowfield,
    "space": _space,
    "interior": _interior,
}


def mask_for(subject: Subject, height: int, mirror: bool) -> np.ndarray:
    """The silhouette of `subject`, `height` pixels tall, as a bool mask (even sizes)."""
    height = max(4, height // 2 * 2)
    width = max(4, int(height * subject.aspect) // 2 * 2)
    img = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(img)
    for part in subject.parts:
        kind, nums = part[0], [float(v) for v in part[1:]]  # type: ignore[arg-type]
        if kind == "l":
            lw, nums = max(1, int(nums[0] * height)), nums[1:]
        pts = [(nums[i] * (width - 1), nums[i + 1] * (height - 1)) for i in range(0, len(nums), 2)]
        if kind == "e":
            draw.ellipse([pts[0], pts[1]], fill=255)
        elif kind == "r":
            draw.rectangle([pts[0], pts[1]], fill=255)
        elif kind == "x":
            draw.rectangle([pts[0], pts[1]], fill=0)
        elif kind == "p":
            draw.polygon(pts, fill=255)
        else:
            draw.line(pts, fill=255, width=lw, joint="curve")
    mask = np.asarray(img) > 127
    return mask[:, ::-1] if mirror else mask


def sprite_height(placed: Placed, h: int) -> int:
    return int(SUBJECTS[placed.subject].size * placed.scale * h)
