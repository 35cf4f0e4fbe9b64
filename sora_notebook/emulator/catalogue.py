"""The models the emulator stands for: each with its own look (a colour grade), pace and
price, so one emulator can play several models in an arena with no key.

Prices live in the project's price table (`protocol.MODELS`); this module adds what only
the emulator needs: how a model's clips look and how long they take.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sora_notebook.protocol import MODELS

__all__ = ["CATALOGUE", "EmulatedModel", "model_entry", "served"]


@dataclass(frozen=True)
class EmulatedModel:
    """`grade` names the colour grade of its clips (`_render.GRADES`); `pace` multiplies
    the usual generation time (2.0: twice as slow)."""

    grade: str = "plain"
    pace: float = 1.0
    about: str = ""


#: Model name -> how the emulator plays it. The sora-2 family keeps the plain look.
CATALOGUE: dict[str, EmulatedModel] = {
    "sora-2": EmulatedModel(about="OpenAI's Sora 2 (emulated)."),
    "sora-2-2025-10-06": EmulatedModel(about="Sora 2, October 2025 snapshot (emulated)."),
    "sora-2-2025-12-08": EmulatedModel(about="Sora 2, December 2025 snapshot (emulated)."),
    "sora-2-pro": EmulatedModel(pace=2.0, about="Sora 2 Pro (emulated)."),
    "sora-2-pro-2025-10-06": EmulatedModel(pace=2.0, about="Sora 2 Pro snapshot (emulated)."),
    "emu-amber": EmulatedModel(
        grade="warm", pace=0.6, about="A quick, cheap model with warm, golden colour."
    ),
    "emu-slate": EmulatedModel(
        grade="cool", pace=1.4, about="A mid-priced model with cool, blue-green colour."
    ),
    "emu-noir": EmulatedModel(
        grade="noir", pace=2.5, about="A slow, dear model with high-contrast, muted colour."
    ),
}


def served() -> tuple[str, ...]:
    """The model names the emulator accepts (all have sizes, seconds and prices)."""
    return tuple(name for name in CATALOGUE if name in MODELS)


def model_entry(name: str, created: int = 0) -> dict[str, Any]:
    """One `/v1/models` entry: the OpenAI fields, then the sizes, seconds and
    per-second prices a form or planner needs."""
    spec = MODELS[name]
    return {
        "id": name,
        "object": "model",
        "created": created,
        "owned_by": "sora-notebook-emulator",
        "description": CATALOGUE[name].about,
        "sizes": list(spec.sizes),
        "seconds": list(spec.seconds),
        "price_per_second": dict(spec.price_per_second),
    }
