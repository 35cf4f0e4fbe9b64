"""The view survives any state a page writes (issue 20, F15): refused, said, re-sent."""

from __future__ import annotations

from typing import Any

import pytest

from tests.widgets.conftest import Page


def _write_from_page(view: Any, state: dict[str, Any]) -> None:
    """A state `update` as a (forged) front end sends it over the widget's comm."""
    view._handle_msg({"content": {"data": {"method": "update", "state": state}}})


@pytest.mark.parametrize(
    "forged",
    [
        {"form": {}},
        {"form": {"mode": 7, "n": 100, "prompt": None}},
        {"form": "not a dict"},
        {"duel": {"pair": ["x", "y"], "round": 3}},
        {"jobs": [{"key": 1}], "selected": [None], "prefs": []},
    ],
)
async def test_a_forged_state_is_refused_and_the_view_keeps_working(page, forged):
    p: Page = page()
    before = {name: getattr(p.view, name) for name in forged}
    _write_from_page(p.view, forged)
    assert {name: getattr(p.view, name) for name in forged} == before
    assert p.view.status["kind"] == "error" and "kernel only" in p.view.status["text"]
    p.view.flush()
    reply = await p.ask("form", {"prompt": "a red fox"})
    assert reply["ok"], reply
    key = await p.generate("a red fox")
    assert p.job(key)["status"] == "completed"


async def test_a_malformed_form_set_in_python_falls_back_to_defaults(page):
    p: Page = page()
    p.view.form = {"mode": "nonsense", "n": 100, "prompt": 3}
    assert p.view.form["mode"] == "new" and p.view.form["n"] == 1
    assert isinstance(p.view.form["prompt"], str)
    p.view.flush()
    assert (await p.ask("form", {"prompt": "fine"}))["ok"]
