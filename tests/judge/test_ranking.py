"""Bradley-Terry on synthetic preferences."""

from __future__ import annotations

import math

from sora_notebook.judge import Preference, next_pair, rank


def prefs(*pairs: str, tie: bool = False) -> list[Preference[str]]:
    return [Preference(p[0], p[1], tie) for p in pairs]


def test_a_beats_b_beats_c_three_times_each():
    ranks = rank(["C", "A", "B"], prefs(*["AB"] * 3, *["BC"] * 3))
    assert [r.job for r in ranks] == ["A", "B", "C"]
    assert ranks[0].score > ranks[1].score > ranks[2].score
    assert (ranks[0].wins, ranks[0].losses, ranks[1].wins, ranks[1].losses) == (3, 0, 3, 3)


def test_an_unbeaten_variant_has_a_finite_score():
    (top, bottom) = rank(["A", "B"], prefs(*["AB"] * 50))
    assert math.isfinite(top.score) and top.score > 0 > bottom.score
    assert math.isfinite(top.sigma)


def test_ties_are_half_a_win_each():
    ranks = rank(["A", "B"], prefs("AB", "AB", tie=True))
    assert abs(ranks[0].score - ranks[1].score) < 1e-9 and ranks[0].ties == 2
    one_win = rank(["A", "B"], prefs("AB"))
    win_and_tie = rank(["A", "B"], prefs("AB") + prefs("BA", tie=True))
    assert 0 < win_and_tie[0].score < one_win[0].score


def test_uncertainty_shrinks_with_evidence_and_unknown_items_stay_at_the_prior():
    few = rank(["A", "B", "X"], prefs("AB", "BA"))
    many = rank(["A", "B", "X"], prefs(*["AB", "BA"] * 10))
    sigma = {r.job: r.sigma for r in few}
    assert {r.job: r.sigma for r in many}["A"] < sigma["A"] < sigma["X"]


def test_preferences_about_other_items_are_ignored():
    ranks = rank(["A", "B"], prefs("AZ", "ZB", "BA"))
    assert [r.job for r in ranks] == ["B", "A"]


def test_next_pair_is_where_the_ranking_is_least_certain():
    evidence = prefs(*["AB"] * 5, *["BA"] * 5)
    ranks = rank(["A", "B", "C"], evidence)
    pair = next_pair(ranks, evidence)
    assert pair is not None and "C" in pair  # C was never compared
    settled = prefs(*["AB"] * 6, *["BC"] * 6, *["AC"] * 6)
    ranks = rank(["A", "B", "C", "D"], settled)
    assert "D" in next_pair(ranks, settled)
    assert next_pair(rank(["A"], []), []) is None
