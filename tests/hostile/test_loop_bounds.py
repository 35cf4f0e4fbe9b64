"""The loop stays free (reliability review 2: F9 and the `select` finding): text and key
lists from the page are cut before they are worked on, so the work is bounded by the
caps, not by what arrives. Counted in calls, not timed (timings are in benchmarks/)."""

from __future__ import annotations

from typing import Any

import pytest

from sora_notebook.client.backend import Backend
from sora_notebook.studio import Studio
from sora_notebook.widgets.actions import MAX_TAG, MAX_TAGS, _tags


class Counted:
    """A tag whose text is asked for is counted."""

    calls = 0

    def __init__(self, n: int) -> None:
        self.n = n

    def __str__(self) -> str:
        Counted.calls += 1
        return f"tag{self.n}"


def test_tags_stop_at_the_cap():
    """F9: 536 KB of unique tags stalled the loop 33.7 s (a growing list searched per tag,
    and every tag read before cutting to 20)."""
    Counted.calls = 0
    tags = _tags([Counted(i) for i in range(100_000)])
    assert tags == [f"tag{i}" for i in range(MAX_TAGS)]
    assert Counted.calls <= MAX_TAGS


def test_tag_text_is_cut_before_it_is_split():
    text = ",".join(f"t{i}" for i in range(200_000))
    tags = _tags(text)
    assert tags == [f"t{i}" for i in range(MAX_TAGS)]
    assert _tags(" , ".join(["same"] * 10) + ", other") == ["same", "other"]
    assert _tags(["x" * 10_000]) == ["x" * MAX_TAG]
    assert _tags({"not": "a list"}) == []


@pytest.fixture
async def view(tmp_path):
    from sora_notebook.widgets import StudioView

    backend = Backend.emulator(render="draft")
    studio = Studio(backend, tmp_path / "studio", max_rps=1000.0)
    made = StudioView(studio, root=None)
    yield made
    made.close()
    await studio.aclose()
    backend.app.state.emulator.close()


async def test_select_looks_up_a_bounded_number_of_keys(view: Any):
    """Low: `select` with 200,000 unknown keys made 200,000 library lookups (4.3 s)."""
    looked: list[str] = []
    find = view._find

    def counting(key: str) -> Any:
        looked.append(key)
        return find(key)

    view._find = counting
    view.judging.request_select({"keys": [f"k{i}" for i in range(200_000)]}, [])
    assert len(looked) <= 64 and view.selected == []
