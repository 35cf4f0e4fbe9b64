"""A leaderboard by model: who wins the duels of their videos, at what price and pace.

A pure function over records: the videos (each with its model, what it cost and how long
it took) and the duels between videos. Every duel between videos of two different models
is a game between those models; duels between two videos of one model say nothing about
the model and are left out. Strengths are Bradley-Terry with a weak prior (`ranking.rank`),
their uncertainty `sigma` the Laplace approximation: the inverse curvature (Hessian) of the
log posterior at its maximum, so a model that has played little has a sigma near the
prior's (2.0) and it shrinks as duels accumulate.

An unknown cost is never counted as zero: `cost_per_video` is the mean over the videos
whose cost is known (`priced` says how many), and `wins_per_dollar` divides wins (a tie is
half a win) by that mean times the number of videos; None when no cost is known.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from sora_notebook.judge.ranking import Preference, rank

__all__ = ["ModelStanding", "VideoRecord", "leaderboard"]

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class VideoRecord:
    """One video as the leaderboard sees it: `video` its key (the one duels name), `cost`
    USD (None: unknown), `seconds` from submit to finished (None: unknown)."""

    video: Hashable
    model: str
    cost: float | None = None
    seconds: float | None = None


@dataclass(frozen=True)
class ModelStanding:
    """One model's row, best first. `score` and `sigma` are log-odds: a model 1.0 above
    another beats it about 73 % of the time."""

    model: str
    score: float
    sigma: float
    wins: float
    losses: float
    ties: int
    videos: int
    priced: int
    cost_per_video: float | None
    seconds_per_video: float | None
    wins_per_dollar: float | None


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def leaderboard(
    videos: Iterable[VideoRecord], duels: Iterable[Preference[K]]
) -> list[ModelStanding]:
    """Models best first by Bradley-Terry over the duels of their videos, each with its
    cost and seconds per video and wins per dollar. Duels naming a video not in `videos`,
    or two videos of one model, are left out; equal scores keep the models' first-seen
    order."""
    model_of: dict[Hashable, str] = {}
    costs: dict[str, list[float]] = {}
    times: dict[str, list[float]] = {}
    counts: dict[str, int] = {}
    for record in videos:
        model_of[record.video] = record.model
        counts[record.model] = counts.get(record.model, 0) + 1
        costs.setdefault(record.model, [])
        times.setdefault(record.model, [])
        if record.cost is not None:
            costs[record.model].append(float(record.cost))
        if record.seconds is not None:
            times[record.model].append(float(record.seconds))
    games = []
    for duel in duels:
        a, b = model_of.get(duel.winner), model_of.get(duel.loser)
        if a is not None and b is not None and a != b:
            games.append(Preference(a, b, duel.tie))
    rows = []
    for r in rank(list(counts), games):
        model = r.job
        cost = _mean(costs[model])
        spent = None if cost is None else cost * counts[model]
        won = r.wins + r.ties / 2
        rows.append(
            ModelStanding(
                model=model,
                score=r.score,
                sigma=r.sigma,
                wins=r.wins,
                losses=r.losses,
                ties=r.ties,
                videos=counts[model],
                priced=len(costs[model]),
                cost_per_video=cost,
                seconds_per_video=_mean(times[model]),
                wins_per_dollar=None if not spent else won / spent,
            )
        )
    return rows
