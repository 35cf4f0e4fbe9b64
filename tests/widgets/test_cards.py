"""Job cards on their own: timing text, hints, actions per state."""

from __future__ import annotations

from typing import Any

from sora_notebook.client.backend import Backend
from sora_notebook.widgets.cards import JobCard, failure_hint, format_duration, time_left

from .conftest import XSS, make_job, replace


class Actions:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def __getattr__(self, name: str) -> Any:
        return lambda job, *args: self.calls.append((name, job.key, *args))


def _card(job, now: float = 1_000.0) -> tuple[JobCard, Actions]:
    actions = Actions()
    card = JobCard(
        job,
        actions=actions,
        media=lambda _job, _variant: None,
        backend=Backend.emulator(),
        clock=lambda: now,
    )
    return card, actions


def test_running_card_shows_elapsed_and_time_left():
    job = make_job("a", status="in_progress", progress=25, submitted_at=900.0, created_at=940.0)
    card, _ = _card(job, now=1_000.0)
    assert card.active
    assert card.status.value == "in progress · 25%"
    assert card.timing.value == "1 min 40 s elapsed · about 3 min 00 s left"
    assert card.progress.value == 25 and card.progress.bar_style == "info"
    assert "sn-hidden" in card.buttons["play"]._dom_classes
    assert card.buttons["delete"].description == "Cancel"


def test_queued_card_waits():
    card, _ = _card(make_job("a", status="queued", progress=0, submitted_at=995.0))
    assert card.timing.value == "5 s elapsed · waiting for the server"


def test_completed_card_took():
    job = make_job("a", submitted_at=900.0, completed_at=960.0)
    card, _ = _card(job)
    assert card.timing.value == "took 1 min 00 s" and not card.active


def test_time_left_and_durations():
    job = make_job("a", status="in_progress", progress=50, created_at=100.0)
    assert time_left(job, 130.0) == 30.0
    assert time_left(replace(job, progress=0), 130.0) is None
    assert format_duration(None) == "—" and format_duration(7200) == "2 h 00 min"


def test_failure_hints():
    def hint(**fields: Any) -> str:
        return failure_hint(make_job("a", status="failed", **fields))

    assert "moderation" in hint(error_code="moderation_blocked", error_message="x").lower()
    assert "size" in hint(error_message="Inpaint image must match the requested width and height")
    assert "no longer keeps" in hint(media_expired=True)
    assert "nothing was created" in failure_hint(make_job("a", status="rejected"))


def test_buttons_call_the_panel():
    card, actions = _card(make_job("a"))
    card.buttons["reprompt"].click()
    card.buttons["delete"].click()
    assert actions.calls == [("reprompt", "a")]
    card.buttons["delete"].click()
    assert actions.calls[-1] == ("delete", "a")
    card.rating.value = 3
    card.note.value = "nice"
    assert actions.calls[-2:] == [("rate", "a", 3), ("note", "a", "nice")]
    card.update(replace(card.job, rating=5, notes="server side"))
    assert card.rating.value == 5 and card.note.value == "server side"
    assert actions.calls[-1] == ("note", "a", "nice")  # syncing from the record is silent


def test_card_text_is_verbatim():
    for prompt in XSS:
        job = make_job("a", prompt, status="failed", error_message=prompt)
        card, _ = _card(job)
        assert card.prompt.value == prompt and card.error.value == prompt
        assert card.prompt.title == prompt
