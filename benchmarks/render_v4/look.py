"""What a prompt looks like: palette, shapes, motion and camera, derived from its words.

Pure Python, deterministic, no media libraries: `_render` turns a `RenderSpec` into pixels.
A `RenderSpec` is the complete input of one render, so its `key()` names the render
cache entry: identical inputs are encoded once.
"""

from __future__ import annotations

import colorsys
import hashlib
import json
import re
from dataclasses import asdict, dataclass

__all__ = ["RENDER_VERSION", "Camera", "Look", "RenderSpec", "Segment", "Shape", "look_for"]

#: Bump when the pixels change, so cached renders from older versions are not reused.
RENDER_VERSION = 4

_WORD = re.compile(r"[a-z]+")
_STOP = frozenset(
    _WORD.findall(
        "a an and the of in on at to with from into over under by for as is are its it this "
        "that very while then than their there some slowly quickly"
    )
)
#: Colour words that pin a palette entry (RGB).
COLOUR_WORDS: dict[str, tuple[int, int, int]] = {
    "red": (200, 40, 40),
    "orange": (240, 140, 30),
    "yellow": (240, 215, 60),
    "golden": (230, 180, 60),
    "gold": (230, 180, 60),
    "green": (50, 170, 70),
    "forest": (30, 110, 50),
    "blue": (40, 90, 210),
    "ocean": (20, 90, 150),
    "sea": (30, 110, 160),
    "sky": (120, 180, 240),
    "purple": (130, 60, 180),
    "violet": (150, 80, 200),
    "pink": (240, 130, 180),
    "neon": (255, 40, 200),
    "white": (235, 235, 235),
    "snow": (225, 235, 245),
    "black": (20, 20, 25),
    "night": (15, 20, 55),
    "sunset": (250, 110, 60),
    "fire": (240, 80, 20),
    "desert": (210, 170, 110),
    "grey": (128, 128, 128),
    "gray": (128, 128, 128),
}
_FAST = frozenset(_WORD.findall("fast rushing racing running speeding chase storm wild energetic"))
_SLOW = frozenset(_WORD.findall("slow calm gentle still quiet peaceful drifting serene"))


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


@dataclass(frozen=True)
class Shape:
    """One moving shape. Positions and sizes are fractions of the frame."""

    kind: str  # "circle" | "rect"
    colour: tuple[int, int, int]
    x: float
    y: float
    radius: float
    vx: float
    vy: float


@dataclass(frozen=True)
class Camera:
    """View movement per second: pan (fractions of the frame) and zoom (factor)."""

    pan_x: float = 0.0
    pan_y: float = 0.0
    zoom: float = 0.0  # > 0 zooms in over time, < 0 out


@dataclass(frozen=True)
class Look:
    palette: tuple[tuple[int, int, int], ...]
    shapes: tuple[Shape, ...]
    camera: Camera
    tempo: float
    notes: tuple[int, ...]  # semitone offsets of the soundtrack


def _palette(look_prompt: str, prompt: str) -> tuple[tuple[int, int, int], ...]:
    seed = _digest("palette:" + look_prompt)
    hue = seed[0] / 255
    base = []
    for i in range(3):
        h = (hue + i * (0.08 + seed[1] / 2550)) % 1.0
        s = 0.45 + seed[2 + i] / 640
        v = 0.35 + i * 0.2 + seed[5 + i] / 2550
        r, g, b = colorsys.hsv_to_rgb(h, min(s, 1.0), min(v, 1.0))
        base.append((int(r * 255), int(g * 255), int(b * 255)))
    named = [COLOUR_WORDS[w] for w in _words(look_prompt) + _words(prompt) if w in COLOUR_WORDS]
    for i, colour in enumerate(dict.fromkeys(named).keys()):
        if i >= 3:
            break
        base[i] = colour
    return tuple(base)


def _camera(words: list[str]) -> Camera:
    ws = set(words)
    pan_x = pan_y = zoom = 0.0
    if ws & {"pan", "panning", "pans", "tracking", "truck"}:
        pan_x = -0.04 if ws & {"left"} else 0.04
    if ws & {"tilt", "tilting", "crane", "rising"}:
        pan_y = -0.03
    if ws & {"zoom", "zooming", "zooms", "push"}:
        zoom = -0.04 if ws & {"out"} else 0.05
    if ws & {"dolly", "dollying"}:
        zoom = -0.03 if ws & {"out", "back"} else 0.035
        pan_x = pan_x or 0.015
    if ws & {"aerial", "drone", "flyover", "overhead"}:
        pan_y = pan_y or 0.03
        zoom = zoom or -0.02
    return Camera(pan_x=pan_x, pan_y=pan_y, zoom=zoom)


def look_for(look_prompt: str, prompt: str) -> Look:
    """The look of `prompt`, keeping the palette of `look_prompt` (a remix keeps its parent's)."""
    words = _words(prompt)
    palette = _palette(look_prompt, prompt)
    content = [w for w in dict.fromkeys(words) if len(w) > 2 and w not in _STOP]
    ws = set(words)
    tempo = 1.8 if ws & _FAST else 0.5 if ws & _SLOW else 1.0
    shapes = []
    for i, word in enumerate(content[:6]):
        d = _digest("shape:" + word)
        colour = palette[(d[0] + i) % len(palette)]
        # Lift the shape's colour away from the background.
        colour = tuple(min(255, c + 70) for c in colour) if sum(colour) < 380 else colour
        shapes.append(
            Shape(
                kind="circle" if d[1] % 2 == 0 else "rect",
                colour=(int(colour[0]), int(colour[1]), int(colour[2])),
                x=0.1 + 0.8 * d[2] / 255,
                y=0.15 + 0.6 * d[3] / 255,
                radius=0.04 + 0.08 * d[4] / 255,
                vx=(d[5] / 255 - 0.5) * 0.25,
                vy=(d[6] / 255 - 0.5) * 0.15,
            )
        )
    d = _digest("notes:" + prompt)
    pentatonic = (0, 2, 4, 7, 9, 12, 14, 16)
    notes = tuple(pentatonic[b % len(pentatonic)] for b in d[:8])
    return Look(
        palette=palette, shapes=tuple(shapes), camera=_camera(words), tempo=tempo, notes=notes
    )


@dataclass(frozen=True)
class Segment:
    """A stretch of the clip: `prompt` drives content, `look_prompt` the palette."""

    prompt: str
    look_prompt: str
    seconds: int


@dataclass(frozen=True)
class RenderSpec:
    """Everything a render depends on. Same spec -> same bytes."""

    width: int
    height: int
    segments: tuple[Segment, ...]
    mode: str = "full"  # "full" | "draft"
    reference_sha256: str | None = None  # first frame, stored beside the cache entry
    fps: int = 24

    @property
    def seconds(self) -> int:
        return sum(s.seconds for s in self.segments)

    def key(self) -> str:
        payload = json.dumps({"v": RENDER_VERSION, **asdict(self)}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:40]

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> RenderSpec:
        segments = tuple(Segment(**s) for s in data["segments"])
        return cls(**{**data, "segments": segments})
