"""One emulated job as the engine stores it, and how long a job runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sora_notebook.emulator.catalogue import CATALOGUE
from sora_notebook.emulator.look import RenderSpec, inherit
from sora_notebook.protocol import MEDIA_TYPES

__all__ = ["QUEUE_SECONDS", "VARIANT_FILES", "EmulatedJob", "run_seconds"]

#: variant -> (file name in a render folder, content type)
VARIANT_FILES = {v: (f"{v}{t.ext}", t.mime) for v, t in MEDIA_TYPES.items()}
QUEUE_SECONDS = 1.5


@dataclass
class EmulatedJob:
    """One emulated job as stored. Status is derived from the clock by `Engine.status`."""

    id: str
    seq: int
    model: str
    prompt: str
    size: str
    seconds: str
    created_at: float
    queue_for: float
    run_for: float
    spec: dict[str, Any]
    remixed_from_video_id: str | None = None
    error: dict[str, str] | None = None
    render_error: str | None = None

    @property
    def render_spec(self) -> RenderSpec:
        return RenderSpec.from_dict(self.spec)

    @property
    def look_prompt(self) -> str:
        """What a job derived from this one takes its look from (`look.inherit`)."""
        last = self.render_spec.segments[-1]
        return inherit(last.look_prompt, last.prompt)

    @property
    def finishes_at(self) -> float:
        return self.created_at + self.queue_for + self.run_for


def run_seconds(model: str, seconds: int, speed: float) -> float:
    """Clock seconds in progress: tens of seconds at speed 1, more for longer clips, times
    the model's pace in the catalogue (pro and slower models take longer)."""
    entry = CATALOGUE.get(model)
    pace = entry.pace if entry is not None else (2.0 if "pro" in model else 1.0)
    return (8.0 + 3.0 * seconds) * pace / speed
