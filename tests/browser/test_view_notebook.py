"""The studio view in a real Jupyter Notebook 7 in Chromium (light theme).

The quickstart, Run All, then the same person's path as in JupyterLab (``studio_flow``):
Generate with progress moving while no cell runs, play, remix edge, compare in sync, a
duel pick by key, contrast >= 4.5:1, untrusted prompt text stays text.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from browser_pages import open_notebook, run_all, shoot
from contrast import describe, failures, measure
from studio_flow import StudioPage, scenario

pytestmark = pytest.mark.browser

QUICKSTART = Path(__file__).resolve().parents[2] / "notebooks" / "01-quickstart.ipynb"


def test_studio_view_in_notebook7(notebook_server, page_for, screenshot_dir):
    folder = notebook_server.root / "nb7"
    folder.mkdir()
    shutil.copy(QUICKSTART, folder / QUICKSTART.name)
    page = page_for(notebook_server)
    open_notebook(page, notebook_server, f"nb7/{QUICKSTART.name}")
    run_all(page, notebook_server)

    sp = StudioPage(page, "notebook")
    scenario(sp)
    bad = failures(measure(sp.root))
    assert not bad, f"text below 4.5:1 contrast:\n{describe(bad)}"
    shoot(page, sp.root, screenshot_dir / "studio-notebook7.png")
    sp.xss_stays_text()
