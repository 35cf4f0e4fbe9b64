"""Judging variants: metrics of saved clips and a ranking from pairwise preferences.

Media in, numbers out. Imports only the leaves (errors, protocol); the studio stores the
numbers and the preferences in the library (`studio.metrics`, `studio.prefer`,
`studio.ranking`, `studio.next_pair`, `studio.difference`).

- `measure(path, parent=None, scorers=())` -> `Metrics` (see `METRICS` for units).
- `difference(a, b)` -> per-frame 0-1 strip (1 - SSIM).
- `rank(items, preferences)` -> `Rank`s best first (Bradley-Terry, weak prior, ties as
  half a win each); `next_pair(ranks, preferences)` -> the pair whose order is least certain.
- `leaderboard(videos, duels)` -> `ModelStanding`s best first: Bradley-Terry by model over
  the duels of their videos (sigma from the Hessian), cost and seconds per video, wins per
  dollar (`VideoRecord`s in).
"""

from typing import Any

from sora_notebook.judge.leaderboard import ModelStanding, VideoRecord, leaderboard
from sora_notebook.judge.metrics import METRICS, VERSION, Metrics, Scorer, difference, measure
from sora_notebook.judge.ranking import Preference, Rank, next_pair, rank

__all__ = [
    "METRICS",
    "VERSION",
    "Clip",
    "Metrics",
    "ModelStanding",
    "Preference",
    "Rank",
    "Scorer",
    "VideoRecord",
    "difference",
    "leaderboard",
    "load_clip",
    "measure",
    "next_pair",
    "rank",
]


def __getattr__(name: str) -> Any:
    """`Clip` and `load_clip` load PyAV and numpy, so only when asked for."""
    if name in ("Clip", "load_clip"):
        from sora_notebook.judge import _clip

        return getattr(_clip, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
