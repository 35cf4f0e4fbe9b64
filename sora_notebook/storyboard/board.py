"""A storyboard as data: shots in order, each joined to the one before, and a cast of named
reference images. Plain frozen dataclasses that go to and from plain dicts (JSON-ready)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from sora_notebook.errors import ValidationError

__all__ = ["JOINS", "MAX_SECONDS", "MAX_SHOTS", "CastMember", "Shot", "Storyboard", "split_target"]

#: How a shot joins the one before it: a cut; a continuation from the previous take's last
#: frame (image to video); an extension where the server offers one, else a continuation.
JOINS = ("cut", "continue", "extend")
MAX_SHOTS = 200
MAX_SECONDS = 120
MAX_PROMPT = 4000
_SIZE = re.compile(r"^[1-9][0-9]{1,4}x[1-9][0-9]{1,4}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def split_target(target: str) -> tuple[str, str]:
    """`"name:model"` -> (backend name, model); `"name"` -> (name, ""); `""` -> ("", "")
    (the studio's own backend and model)."""
    name, _, model = target.partition(":")
    return name.strip(), model.strip()


@dataclass(frozen=True)
class CastMember:
    """A named reference image (a character, a prop, a place), sent with the shots that
    name it where a server takes a reference."""

    name: str
    image: str  # a path to a JPEG, PNG or WebP file
    role: str = ""

    def problems(self) -> list[str]:
        out = []
        if not _NAME.match(self.name):
            out.append(
                f"cast name {self.name!r}: use 1-64 letters, digits, '_', '.' or '-' (no spaces)"
            )
        if not self.image.strip():
            out.append(f"cast {self.name!r}: give the path of its image")
        return out


@dataclass(frozen=True)
class Shot:
    """One shot: what to make (`prompt`, `seconds`, `size`), where (`target`,
    `"name:model"`, empty for the studio's default), how it joins the shot before (`join`)
    and which cast members appear in it."""

    prompt: str
    seconds: int = 4
    size: str = "1280x720"
    target: str = ""
    join: str = "cut"
    cast: tuple[str, ...] = ()
    id: str = ""

    def problems(self) -> list[str]:
        """What is wrong with this shot, each as a sentence saying what to do."""
        out = []
        if not self.prompt.strip():
            out.append("the prompt is empty: say what the shot shows")
        elif len(self.prompt) > MAX_PROMPT:
            out.append(f"the prompt is {len(self.prompt)} characters; keep it to {MAX_PROMPT}")
        if (
            isinstance(self.seconds, bool)
            or not isinstance(self.seconds, int)
            or not 1 <= self.seconds <= MAX_SECONDS
        ):
            out.append(
                f"seconds must be a whole number from 1 to {MAX_SECONDS}, got {self.seconds!r}"
            )
        if not _SIZE.match(self.size):
            out.append(f"size must be WIDTHxHEIGHT such as 1280x720, got {self.size!r}")
        if self.join not in JOINS:
            out.append(f"join must be one of {', '.join(JOINS)}, got {self.join!r}")
        if self.target and not all(split_target(self.target)[:1]):
            out.append(f"target must be 'name:model' or 'name', got {self.target!r}")
        return out

    @property
    def continues(self) -> bool:
        """Does this shot start from the previous take (a continuation or an extension)?"""
        return self.join != "cut"


@dataclass(frozen=True)
class Storyboard:
    """Shots in order and the cast they name. Shot ids are unique (given ones kept, the
    rest numbered `shot-1`, `shot-2`, ...). `Storyboard(...)` checks everything and raises
    `ValidationError` listing every problem."""

    shots: tuple[Shot, ...]
    cast: tuple[CastMember, ...] = ()
    title: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "shots", tuple(_numbered(self.shots)))
        object.__setattr__(self, "cast", tuple(self.cast))
        problems = self.problems()
        if problems:
            raise ValidationError("The storyboard has problems:\n- " + "\n- ".join(problems))

    def problems(self) -> list[str]:
        out: list[str] = []
        if not self.shots:
            out.append("there are no shots: add at least one")
        if len(self.shots) > MAX_SHOTS:
            out.append(f"{len(self.shots)} shots; a storyboard holds at most {MAX_SHOTS}")
        names = [c.name for c in self.cast]
        for c in self.cast:
            out += c.problems()
        out += [
            f"cast name {n!r} is used twice"
            for n in sorted({n for n in names if names.count(n) > 1})
        ]
        ids = [s.id for s in self.shots]
        for i, shot in enumerate(self.shots, 1):
            out += [f"shot {i}: {p}" for p in shot.problems()]
            if i == 1 and shot.continues:
                out.append(f"shot 1: it cannot {shot.join}: no shot comes before it; use join=cut")
            out += [
                f"shot {i}: {n!r} is not in the cast; add it to the cast or remove it"
                for n in shot.cast
                if n not in names
            ]
            if ids.count(shot.id) > 1:
                out.append(f"shot {i}: the id {shot.id!r} is used by another shot")
        return out

    def after(self, shot_id: str) -> list[str]:
        """Ids of the shots that continue, directly or through others, from `shot_id`:
        what goes stale when that shot is made again."""
        index = self.index(shot_id)
        stale: list[str] = []
        for shot in self.shots[index + 1 :]:
            if not shot.continues:
                break
            stale.append(shot.id)
        return stale

    def index(self, shot_id: str) -> int:
        for i, shot in enumerate(self.shots):
            if shot.id == shot_id:
                return i
        raise KeyError(f"no shot {shot_id!r} in this storyboard")

    def with_shots(self, shots: Sequence[Shot]) -> Storyboard:
        """The same board with another shot list (add, remove, reorder)."""
        return replace(self, shots=tuple(shots))

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "cast": [asdict(c) for c in self.cast],
            "shots": [{**asdict(s), "cast": list(s.cast)} for s in self.shots],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Storyboard:
        try:
            shots = [Shot(**{**s, "cast": tuple(s.get("cast", ()))}) for s in data["shots"]]
            cast = [CastMember(**c) for c in data.get("cast", ())]
        except (KeyError, TypeError) as exc:
            raise ValidationError(f"Not a storyboard's dict: {exc}") from None
        return cls(shots=tuple(shots), cast=tuple(cast), title=str(data.get("title", "")))


def _numbered(shots: Sequence[Shot]) -> list[Shot]:
    taken = {s.id for s in shots if s.id}
    out, n = [], 0
    for shot in shots:
        if not shot.id:
            n += 1
            while f"shot-{n}" in taken:
                n += 1
            taken.add(f"shot-{n}")
            shot = replace(shot, id=f"shot-{n}")
        out.append(shot)
    return out
