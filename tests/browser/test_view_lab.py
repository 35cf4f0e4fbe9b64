"""The studio view in a real JupyterLab 4 in Chromium, light and dark.

Open the quickstart and Run All; then, as a person: Generate (the card's progress moves
with no cell running), play the video (readyState >= 2, time advances), remix it (a remix
edge joins the two nodes in the tree), select both in the tree and compare (a seek moves
both players; they play and pause together), a blind duel pick by key; every text element
of the view at >= 4.5:1 contrast in the light and the dark theme; a prompt carrying HTML/JS
stays text. Screenshots of the view go with the test's screenshots, and to
``docs/screenshots/`` (for the README) when ``UPDATE_SCREENSHOTS=1``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from browser_pages import open_notebook, run_all, shoot
from contrast import describe, failures, measure
from studio_flow import StudioPage, scenario

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = REPO / "notebooks" / "01-quickstart.ipynb"
DOCS = REPO / "docs" / "screenshots"
DARK, LIGHT = "JupyterLab Dark", "JupyterLab Light"


def set_theme(page, theme: str, light: bool) -> None:
    page.evaluate("(t) => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})",
                  theme)  # fmt: skip
    page.wait_for_function(
        "(light) => document.body.dataset.jpThemeLight === String(light)", arg=light
    )
    page.wait_for_timeout(300)  # the theme's CSS variables settle


def check_contrast(sp: StudioPage, theme: str) -> None:
    rows = measure(sp.root)
    assert len(rows) > 30, f"{theme}: too few text elements measured ({len(rows)})"
    bad = failures(rows)
    assert not bad, f"{theme}: text below 4.5:1 contrast:\n{describe(bad)}"


def readme_shot(sp: StudioPage, folder: Path, name: str) -> Path:
    path = shoot(sp.page, sp.root, folder / name)
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, DOCS / name)
    return path


def test_studio_view_in_jupyterlab(lab_server, page_for, screenshot_dir):
    folder = lab_server.root / "lab"
    folder.mkdir()
    shutil.copy(QUICKSTART, folder / QUICKSTART.name)
    page = page_for(lab_server, viewport={"width": 1400, "height": 1100})
    open_notebook(page, lab_server, f"lab/{QUICKSTART.name}")
    run_all(page, lab_server)
    page.evaluate("() => window.jupyterapp.commands.execute('application:toggle-left-area')")

    sp = StudioPage(page, "lab")
    scenario(sp, duel=False)
    # The README picture: form, cards, tree, compare on the stage. The player is behind it
    # (the stage shows what opened last); its tab brings it forward to close it.
    sp.tid("sn-stage-tab").filter(has_text="Player").click()
    sp.tid("sn-close-player").click()
    assert sp.tid("sn-stage-tab").count() == 0  # one part left open: no tabs
    sp.tid("sn-metrics").wait_for(state="visible")  # compare's metrics are measured
    check_contrast(sp, "light")
    readme_shot(sp, screenshot_dir, "studio-light.png")
    set_theme(page, DARK, light=False)
    check_contrast(sp, "dark")
    readme_shot(sp, screenshot_dir, "studio-dark.png")

    sp.duel_pick()  # in the dark theme: measured there too
    check_contrast(sp, "dark, duel")
    set_theme(page, LIGHT, light=True)
    check_contrast(sp, "light, duel")

    sp.xss_stays_text()
