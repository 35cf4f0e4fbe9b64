"""What a prompt looks like: time of day, weather, setting, subjects, motion, camera, sound.

Pure Python, deterministic, no media libraries: `_render` turns a `RenderSpec` into pixels.
A `RenderSpec` is the complete input of one render, so its `key()` names the render
cache entry: identical inputs are encoded once.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from typing import Any

from sora_notebook.emulator import vocab
from sora_notebook.emulator.subjects import SUBJECTS, subject_for

__all__ = [
    "RENDER_VERSION",
    "SEP",
    "Camera",
    "Look",
    "Placed",
    "RenderSpec",
    "Segment",
    "inherit",
    "look_for",
]

#: Bump when the pixels change, so cached renders from older versions are not reused.
RENDER_VERSION = 5

_WORD = re.compile(r"[a-z]+")
_DEFAULT_SETTINGS = ("meadow", "forest", "ocean", "desert", "city", "snowfield", "mountain")
_DEFAULT_SUBJECTS = ("fox", "horse", "bird", "person", "car", "boat", "deer", "dog", "balloon")
_EMPTY = frozenset(("empty", "nobody", "deserted", "vacant", "unpeopled"))
_NATURAL = ((70, 50, 35), (35, 32, 38), (150, 95, 50), (215, 210, 200), (105, 105, 115))


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


@dataclass(frozen=True)
class Placed:
    """One subject in the composition. `x` is where its centre starts (a fraction of the
    first frame's width; the world wraps at twice that), `lift` how far it sits from its
    place (fraction of the frame), `speed` world widths per second (signed), `colour` the
    RGB a colour word pinned (else a natural tone)."""

    subject: str
    x: float
    lift: float
    scale: float
    speed: float
    colour: tuple[int, int, int]


@dataclass(frozen=True)
class Camera:
    """View movement per second: pan (frame widths / heights) and zoom (factor); an orbit
    also breathes the zoom; handheld shakes by that fraction of the frame."""

    pan_x: float = 0.0
    pan_y: float = 0.0
    zoom: float = 0.0  # > 0 zooms in over time, < 0 out
    orbit: bool = False
    handheld: float = 0.0


@dataclass(frozen=True)
class Look:
    """Everything the painter needs for one segment; `layout` seeds the composition."""

    time: str
    weather: str
    setting: str
    subjects: tuple[Placed, ...]
    motion: str
    camera: Camera
    sound: str
    notes: tuple[int, ...]  # semitone offsets of the soundtrack's tune
    layout: int

    @property
    def tempo(self) -> float:
        return vocab.MOTION[self.motion]


@dataclass(frozen=True)
class _Said:
    """What one prompt says (None: it does not say)."""

    time: str | None
    weather: str | None
    setting: str | None
    subjects: tuple[tuple[str, tuple[int, int, int] | None, int], ...]
    motion: str | None
    camera: Camera | None
    sound: str | None


def _first(words: list[str], table: dict[str, str]) -> str | None:
    return next((table[w] for w in words if w in table), None)


def _subjects(words: list[str]) -> tuple[tuple[str, tuple[int, int, int] | None, int], ...]:
    """(subject, colour a colour word pinned, how many) for each subject named, in order."""
    found: dict[str, tuple[tuple[int, int, int] | None, int]] = {}
    colour = None
    for w in words:
        if w in vocab.COLOURS:
            colour = vocab.COLOURS[w]
            continue
        subject = subject_for(w)
        if subject is not None and subject.name not in found:
            plural = w != subject.name and w.endswith("s") and len(found) < 2
            found[subject.name] = (colour, 3 if plural else 1)
            colour = None
    return tuple((name, c, n) for name, (c, n) in found.items())[:4]


def _camera(words: list[str]) -> Camera | None:
    moves = {vocab.CAMERA[w] for w in words if w in vocab.CAMERA}
    if not moves:
        return None
    ws = set(words)
    pan_x = pan_y = zoom = 0.0
    if "pan" in moves:
        pan_x = -0.12 if "left" in ws else 0.12
    if "tilt" in moves:
        pan_y = 0.06 if "down" in ws else -0.06
    if "zoom" in moves:
        zoom = -0.05 if "out" in ws else 0.06
    if "dolly" in moves:
        zoom = -0.04 if ws & {"out", "back"} else 0.045
        pan_x = pan_x or 0.02
    if "aerial" in moves:
        pan_y, zoom = pan_y or 0.04, zoom or -0.03
        pan_x = pan_x or 0.05
    orbit = "orbit" in moves
    if orbit:
        pan_x = -0.16 if "left" in ws else 0.16
    handheld = 0.012 if "handheld" in moves else 0.0
    return Camera(pan_x=pan_x, pan_y=pan_y, zoom=zoom, orbit=orbit, handheld=handheld)


def _read(text: str) -> _Said:
    words = _words(text)
    weather = _first(words, vocab.WEATHERS)
    return _Said(
        time=_first(words, vocab.TIMES),
        weather=weather,
        setting=_first(words, vocab.SETTINGS),
        subjects=_subjects(words),
        motion=_first(words, vocab.MOTION_WORDS),
        camera=_camera(words),
        sound=_first(words, vocab.SOUNDS),
    )


def _sound(setting: str, weather: str, subjects: tuple[Placed, ...]) -> str:
    """The soundtrack a scene makes when the prompt names none."""
    if weather == "rain":
        return "rain"
    if setting == "space":
        return "silence"
    if setting == "ocean":
        return "waves"
    if setting in ("city",) or any(p.subject in ("car", "truck", "bus") for p in subjects):
        return "traffic"
    if setting in ("snowfield", "desert", "mountain") or weather in ("snow", "fog"):
        return "wind"
    return "music"


def _place(said: _Said, layout: bytes, motion: str, empty: bool) -> tuple[Placed, ...]:
    """The subjects in composition slots: slot i's position comes from the layout seed, so a
    remix that swaps a fox for a wolf keeps where it stands. A prompt that names none gets
    one from the layout, unless it says the scene is empty."""
    default = () if empty else ((_DEFAULT_SUBJECTS[layout[0] % len(_DEFAULT_SUBJECTS)], None, 1),)
    named = said.subjects or default
    placed: list[Placed] = []
    for name, colour, count in named:
        subject = SUBJECTS[name]
        for _ in range(count):
            i = len(placed)
            if i >= 5:
                break
            d = layout[4 + 5 * i : 9 + 5 * i]
            direction = -1.0 if d[3] % 2 else 1.0
            speed = direction * 0.05 * (0.8 + d[4] / 640) * vocab.MOTION[motion]
            tone = colour or _NATURAL[(d[2] + i) % len(_NATURAL)]
            placed.append(
                Placed(
                    subject=name,
                    x=(0.18 + 0.16 * i + 0.1 * d[0] / 255) % 1.0,
                    lift=0.04 * d[1] / 255 if subject.place != "air" else 0.1 * d[1] / 255,
                    scale=(0.9 + 0.3 * d[2] / 255) * (0.75 if i else 1.0),
                    speed=speed if subject.moves else 0.0,
                    colour=tone,
                )
            )
    return tuple(placed)


#: Separates the prompts a derived job inherits its look from (see `inherit`).
SEP = "\x1e"
_INHERITED = 8  # the root's prompt and the last prompts of a chain
_INHERITED_CHARS = 2000  # of each inherited prompt


def inherit(look_prompt: str, prompt: str) -> str:
    """The look prompt a job derived from a job with (`look_prompt`, `prompt`) inherits:
    the root's prompt (the composition) then the prompts since, so a remix of a remix keeps
    what each step said. Bounded: the root and the last few prompts, each cut."""
    parts = look_prompt.split(SEP)
    if parts[-1] != prompt[:_INHERITED_CHARS]:
        parts.append(prompt[:_INHERITED_CHARS])
    if len(parts) > _INHERITED:
        parts = [parts[0], *parts[-(_INHERITED - 1) :]]
    return SEP.join(p[:_INHERITED_CHARS] for p in parts)


def _merge(new: _Said, old: _Said) -> _Said:
    """What `new` says, and what it does not say from `old`."""
    return _Said(
        time=new.time or old.time,
        weather=new.weather or old.weather,
        setting=new.setting or old.setting,
        subjects=new.subjects or old.subjects,
        motion=new.motion or old.motion,
        camera=new.camera or old.camera,
        sound=new.sound or old.sound,
    )


def look_for(look_prompt: str, prompt: str, seed: int | None = None) -> Look:
    """The look of `prompt`. `look_prompt` is where the composition comes from (a remix or
    extension passes what `inherit` built: its root's prompt, then the prompts since):
    whatever `prompt` does not say, it keeps from those, the latest first. `seed` varies
    what the prompt leaves open (where things stand, which subject or setting when none
    is named, the scenery's details, the tune): same seed, same look."""
    parts = look_prompt.split(SEP)
    old = _read(parts[0])
    for part in parts[1:]:
        old = _merge(_read(part), old)
    new = _read(prompt)
    salt = "" if seed is None else f"seed={seed}:"
    layout = _digest("layout:" + salt + parts[0])
    said = _merge(new, old)
    motion = said.motion or "normal"
    empty = not new.subjects and bool(_EMPTY & set(_words(prompt)))
    placed = _place(said, layout, motion, empty)
    setting = said.setting or next(
        (vocab.SETTING_HINTS[p.subject] for p in placed if p.subject in vocab.SETTING_HINTS),
        _DEFAULT_SETTINGS[layout[1] % len(_DEFAULT_SETTINGS)],
    )
    weather = said.weather or "clear"
    d = _digest("notes:" + salt + prompt)
    pentatonic = (0, 2, 4, 7, 9, 12, 14, 16)
    return Look(
        time=said.time or "day",
        weather=weather,
        setting=setting,
        subjects=placed,
        motion=motion,
        camera=said.camera or Camera(),
        sound=said.sound or _sound(setting, weather, placed),
        notes=tuple(pentatonic[b % len(pentatonic)] for b in d[:8]),
        layout=int.from_bytes(layout[:4], "big"),
    )


@dataclass(frozen=True)
class Segment:
    """A stretch of the clip: `prompt` drives content, `look_prompt` the palette."""

    prompt: str
    look_prompt: str
    seconds: int


_KEYLESS_DEFAULTS = {"seed": None, "caption": True, "grade": "plain"}


@dataclass(frozen=True)
class RenderSpec:
    """Everything a render depends on. Same spec -> same bytes."""

    width: int
    height: int
    segments: tuple[Segment, ...]
    mode: str = "full"  # "full" | "draft"
    reference_sha256: str | None = None  # first frame, stored beside the cache entry
    fps: int = 24
    seed: int | None = None  # varies what the prompt leaves open (`look_for`)
    caption: bool = True  # the prompt burned into the frames (off for blind duels)
    grade: str = "plain"  # the model's colour grade (`catalogue`, `_render.GRADES`)

    @property
    def seconds(self) -> int:
        return sum(s.seconds for s in self.segments)

    def key(self) -> str:
        fields = asdict(self)
        for name, default in _KEYLESS_DEFAULTS.items():  # older cache entries keep their keys
            if fields[name] == default:
                del fields[name]
        payload = json.dumps({"v": RENDER_VERSION, **fields}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:40]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RenderSpec:
        segments = tuple(Segment(**s) for s in data["segments"])
        return cls(**{**data, "segments": segments})
