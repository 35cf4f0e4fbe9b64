"""The leaderboard by model: Bradley-Terry over duels of videos, cost, pace, wins per dollar."""

from __future__ import annotations

import pytest

from sora_notebook.judge import Preference
from sora_notebook.judge.leaderboard import VideoRecord, leaderboard


def videos(model: str, n: int, cost: float | None, seconds: float | None) -> list[VideoRecord]:
    return [VideoRecord(f"{model}{i}", model, cost, seconds) for i in range(n)]


def duels(winner: str, loser: str, won: int, lost: int) -> list[Preference]:
    """`won` duels of winner's videos over loser's, then `lost` the other way."""
    out = [Preference(f"{winner}{i % 3}", f"{loser}{i % 3}") for i in range(won)]
    return out + [Preference(f"{loser}{i % 3}", f"{winner}{i % 3}") for i in range(lost)]


RECORDS = [*videos("x", 3, 0.4, 20.0), *videos("y", 3, 1.2, 60.0), *videos("z", 3, 0.2, 10.0)]


def test_strength_beats_raw_win_count():
    # x beats the weak z 6-0 (8 wins in all); y beats x 5-2 (5 wins): y is the stronger
    # model, although x has more wins. Counting wins would put x first.
    board = leaderboard(RECORDS, duels("x", "z", 6, 0) + duels("y", "x", 5, 2))
    assert [r.model for r in board] == ["y", "x", "z"]
    x = next(r for r in board if r.model == "x")
    assert (x.wins, x.losses, x.ties) == (8, 5, 0)


def test_transitive_order_and_uncertainty_that_shrinks_with_duels():
    few = leaderboard(RECORDS, duels("x", "y", 3, 1) + duels("y", "z", 3, 1))
    many = leaderboard(RECORDS, duels("x", "y", 30, 10) + duels("y", "z", 30, 10))
    assert [r.model for r in few] == [r.model for r in many] == ["x", "y", "z"]  # x, z never met
    for a, b in zip(few, many, strict=True):
        assert b.sigma < a.sigma < 2.0
    assert many[0].score - many[2].score > few[0].score - few[2].score


def test_same_model_duels_and_unknown_videos_do_not_count_and_ties_are_half():
    noise = [Preference("z0", "z1")] * 20 + [Preference("ghost", "x0")] * 20
    board = leaderboard(RECORDS, noise + [Preference("x0", "y0", tie=True)] * 2)
    assert {r.model: (r.wins, r.losses, r.ties) for r in board} == {
        "x": (0, 0, 2),
        "y": (0, 0, 2),
        "z": (0, 0, 0),
    }
    assert all(abs(r.score) < 1e-9 for r in board)
    x = next(r for r in board if r.model == "x")
    assert x.wins_per_dollar == pytest.approx(1 / (3 * 0.4))  # two ties: one win, $1.20


def test_cost_seconds_and_wins_per_dollar_never_count_unknown_as_zero():
    records = [
        VideoRecord("a0", "a", 1.0, 30.0),
        VideoRecord("a1", "a", None, None),
        VideoRecord("b0", "b", None, 12.0),
    ]
    board = {r.model: r for r in leaderboard(records, [Preference("a0", "b0")] * 3)}
    a, b = board["a"], board["b"]
    assert (a.videos, a.priced, a.cost_per_video, a.seconds_per_video) == (2, 1, 1.0, 30.0)
    assert a.wins_per_dollar == pytest.approx(3 / 2.0)  # mean known cost x 2 videos
    assert (b.cost_per_video, b.wins_per_dollar, b.seconds_per_video) == (None, None, 12.0)
    assert leaderboard([], []) == []
