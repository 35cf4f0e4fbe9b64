"""A ranking from pairwise preferences: Bradley-Terry with a weak prior.

Each item i has a strength θ_i (log-odds scale: θ_a - θ_b = 1 means a beats b about 73 %
of the time). The ranking is the maximum a posteriori θ under a normal prior N(0, PRIOR²):
weak enough that a few duels decide the order, strong enough that an unbeaten item gets
a finite score. A tie counts as half a win for each side. `sigma` is the Laplace
approximation of θ's uncertainty (from the curvature at the optimum), so an item nobody
has compared has sigma = PRIOR.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    import numpy as np

__all__ = ["PRIOR", "Preference", "Rank", "next_pair", "rank"]

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)
#: Standard deviation of the prior on θ (log-odds units).
PRIOR = 2.0
_ITERATIONS = 50


@dataclass(frozen=True)
class Preference(Generic[K]):
    """One judgement: `winner` over `loser`, or a tie between them."""

    winner: K
    loser: K
    tie: bool = False


@dataclass(frozen=True)
class Rank(Generic[T]):
    """One item's place: `score` θ (0 is the prior's middle), `sigma` its uncertainty."""

    job: T
    score: float
    sigma: float
    wins: float
    losses: float
    ties: int


def _games(keys: Sequence[K], prefs: Iterable[Preference[K]]) -> list[tuple[int, int, float]]:
    """(winner index, loser index, weight) with ties split into two half-wins."""
    index = {k: i for i, k in enumerate(keys)}
    games = []
    for p in prefs:
        if p.winner not in index or p.loser not in index or p.winner == p.loser:
            continue
        w, lo = index[p.winner], index[p.loser]
        if p.tie:
            games += [(w, lo, 0.5), (lo, w, 0.5)]
        else:
            games.append((w, lo, 1.0))
    return games


def _fit(n: int, games: list[tuple[int, int, float]]) -> tuple[np.ndarray, np.ndarray]:
    """MAP strengths and their sigmas by Newton's method (the log posterior is concave)."""
    import numpy as np  # loaded on first use: `import sora_notebook` stays light

    theta = np.zeros(n)
    hess = -np.eye(n) / PRIOR**2
    for _ in range(_ITERATIONS):
        grad = -theta / PRIOR**2
        hess = -np.eye(n) / PRIOR**2
        for w, lo, weight in games:
            p = 1.0 / (1.0 + math.exp(-(theta[w] - theta[lo])))
            grad[w] += weight * (1 - p)
            grad[lo] -= weight * (1 - p)
            c = weight * p * (1 - p)
            hess[w, w] -= c
            hess[lo, lo] -= c
            hess[w, lo] += c
            hess[lo, w] += c
        step = np.linalg.solve(hess, grad)
        theta = theta - step
        if float(np.abs(step).max(initial=0.0)) < 1e-9:
            break
    sigma = np.sqrt(np.diag(np.linalg.inv(-hess)))
    return theta, sigma


def rank(items: Sequence[K], preferences: Iterable[Preference[K]]) -> list[Rank[K]]:
    """`items` best first with Bradley-Terry scores from the preferences among them
    (preferences naming other items are ignored). Equal scores keep the given order."""
    keys = list(dict.fromkeys(items))
    if not keys:
        return []
    games = _games(keys, preferences)
    theta, sigma = _fit(len(keys), games)
    wins, losses, ties = [0.0] * len(keys), [0.0] * len(keys), [0] * len(keys)
    for w, lo, weight in games:
        if weight == 1.0:
            wins[w] += 1
            losses[lo] += 1
        else:  # each tie appears twice, once each way
            ties[w] += 1
    ranks = [
        Rank(k, float(theta[i]), float(sigma[i]), wins[i], losses[i], ties[i])
        for i, k in enumerate(keys)
    ]
    order = sorted(range(len(keys)), key=lambda i: (-round(ranks[i].score, 9), i))
    return [ranks[i] for i in order]


def next_pair(
    ranks: Sequence[Rank[K]],
    preferences: Iterable[Preference[K]] = (),
    prefer: Callable[[K, K], bool] | None = None,
) -> tuple[K, K] | None:
    """The pair whose order is least certain: the most even odds times the most combined
    uncertainty, discounted by how often the two have already met. None for < 2 items.
    With `prefer`, only the pairs it accepts are considered while there are any."""
    if len(ranks) < 2:
        return None
    met: dict[frozenset[K], int] = {}
    for pref in preferences:
        pair = frozenset((pref.winner, pref.loser))
        met[pair] = met.get(pair, 0) + 1
    pairs = [(a, b) for i, a in enumerate(ranks) for b in ranks[i + 1 :]]
    if prefer is not None:
        pairs = [(a, b) for a, b in pairs if prefer(a.job, b.job)] or pairs
    best, best_value = None, -1.0
    for a, b in pairs:
        p = 1.0 / (1.0 + math.exp(-(a.score - b.score)))
        value = p * (1 - p) * (a.sigma**2 + b.sigma**2)
        value /= 1 + met.get(frozenset((a.job, b.job)), 0)
        if value > best_value + 1e-12:
            best, best_value = (a.job, b.job), value
    return best
