"""The studio view in marimo (``marimo edit --headless --no-token``) in Chromium.

``notebooks/01-quickstart-marimo.py`` shows ``mo.ui.anywidget(studio.panel())``; its cells
run on open. The studio's tracker lives on marimo's kernel loop, which keeps running
between cells (marimo's control loop is asynchronous), so no loop of its own is needed:
this test proves it by the progress moving while every cell is idle. Then the same path as
in JupyterLab (``studio_flow``): play, remix edge, compare in sync, a duel pick by key,
contrast >= 4.5:1, untrusted prompt text stays text. marimo draws the view in a shadow
root; the flow uses locators, which pierce it. ``marimo run`` (the app view, where each
session runs in a thread with its own loop) is proved too: progress moves, video plays.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_pages import open_notebook, run_all, shoot
from contrast import describe, failures, measure
from studio_flow import FIRST_PROMPT, StudioPage, scenario

pytestmark = pytest.mark.browser

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "01-quickstart-marimo.py"


def test_studio_view_in_marimo(marimo_factory, page_for, screenshot_dir):
    server = marimo_factory(NOTEBOOK)
    page = page_for(server)
    open_notebook(page, server)
    run_all(page, server)

    sp = StudioPage(page, "marimo")
    scenario(sp)
    bad = failures(measure(sp.root))
    assert not bad, f"text below 4.5:1 contrast:\n{describe(bad)}"
    shoot(page, sp.root, screenshot_dir / "studio-marimo.png")
    sp.xss_stays_text()


def test_studio_view_in_marimo_app_view(marimo_factory, page_for):
    """``marimo run`` (the app view, a thread per session): progress moves, the video plays."""
    server = marimo_factory(NOTEBOOK, mode="run")
    page = page_for(server)
    open_notebook(page, server)
    sp = StudioPage(page, "marimo-run")
    sp.wait_ready()
    key, watch = sp.generate_watched(FIRST_PROMPT)
    assert sp.status(key) == "completed", (sp.card_text(key), watch)
    between = [v for v in watch["values"] if 0 < v < 100]
    assert len(set(between)) >= 2 and watch["values"][-1] == 100, watch
    assert "in_progress" in watch["statuses"], watch
    sp.play(key)
