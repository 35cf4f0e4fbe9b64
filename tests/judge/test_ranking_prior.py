"""The ranking's prior, pinned: N(0, 2²) on each strength, and the pairing's discount."""

from __future__ import annotations

import math

import pytest

from sora_notebook.judge.ranking import PRIOR, Preference, Rank, next_pair, rank


def test_the_prior_is_normal_with_sigma_two():
    ranks = {r.job: r for r in rank(["a", "b", "c"], [Preference("a", "b")])}
    assert PRIOR == 2.0
    # nobody compared c: the prior alone, score 0 and sigma = PRIOR
    assert ranks["c"].score == 0.0 and ranks["c"].sigma == pytest.approx(2.0)
    # one win: the MAP strength x = -score(b) solves 1 - sigmoid(2x) = x / PRIOR²
    x = ranks["a"].score
    assert x == pytest.approx(-ranks["b"].score) and 0.5 < x < 1.0
    assert 1 - 1 / (1 + math.exp(-2 * x)) == pytest.approx(x / 4.0, rel=1e-6)
    assert ranks["a"].sigma < 2.0  # a comparison made it surer


def test_a_pair_that_met_often_waits_its_turn():
    even = [Rank(k, 0.0, 1.0, 0, 0, 0) for k in "abc"]
    assert next_pair(even) == ("a", "b")  # all alike: the first pair
    met = [Preference("a", "b", tie=True)] * 3
    assert next_pair(even, met) == ("a", "c")  # a and b met three times already
