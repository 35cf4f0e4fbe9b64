"""A storyboard built in the view (issue 23) in JupyterLab: a 3-shot script pasted, the
board made, every shot generated (two takes each), another take picked (the shot that
continued from it goes stale, then is kept), the film made and played: its duration is
the three shots' and it plays."""

from __future__ import annotations

import nbformat
import pytest
from browser_pages import open_notebook, poll, run_all
from studio_flow import StudioPage

pytestmark = pytest.mark.browser

SCRIPT = """# The fox and the city
1. A red fox trots through fresh snow at dawn | seconds=4
2. The fox stops and looks up at the pale sky | seconds=4 join=continue
3. A neon city street at night in the rain | seconds=4"""
SETUP = 'from sora_notebook import Studio\n\nstudio = Studio(library="board-lib")'


def test_a_three_shot_board_is_made_in_the_view_and_its_film_plays(lab_server, page_for):
    folder = lab_server.root / "board"
    folder.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(SETUP), nbformat.v4.new_code_cell("studio")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(nb, folder / "board.ipynb")
    page = page_for(lab_server, viewport={"width": 1400, "height": 1000})
    open_notebook(page, lab_server, "board/board.ipynb")
    run_all(page, lab_server)
    sp = StudioPage(page, "lab")
    sp.wait_ready()

    board = sp.tid("sn-board")
    board.locator("summary").click()
    sp.tid("sn-board-script").fill(SCRIPT)
    sp.tid("sn-board-takes").select_option("2")
    sp.tid("sn-board-new").click()
    shots = sp.tid("sn-board-shot")
    poll(lambda: shots.count() == 3, timeout=30, what="three shots on the strip")
    assert "3 shots: $" in sp.tid("sn-board-quote").inner_text()  # quoted before sending
    assert sp.tid("sn-board-join").count() == 2

    sp.tid("sn-board-run-all").click()
    takes = sp.tid("sn-board-take")
    done = '[data-testid="sn-board-take"][data-status="completed"]'
    poll(lambda: sp.root.locator(done).count() == 6, timeout=240, what="six takes made")
    chosen = shots.nth(0).locator('[aria-pressed="true"]')
    other = shots.nth(0).locator('[data-testid="sn-board-take"][aria-pressed="false"]')
    first = chosen.get_attribute("data-key")
    other.click()
    poll(lambda: chosen.get_attribute("data-key") != first, timeout=30, what="the take picked")
    keep = shots.nth(1).get_by_test_id("sn-board-keep")
    keep.wait_for(state="visible", timeout=30_000)  # shot 2 continued from the old take
    keep.click()
    keep.wait_for(state="detached", timeout=30_000)
    assert takes.count() == 6

    sp.tid("sn-board-film").click()
    video = sp.tid("sn-board-film-video")
    video.wait_for(state="attached", timeout=120_000)
    state = "v => [v.readyState, v.src.slice(0, 80), v.error && v.error.message, v.networkState]"
    poll(lambda: video.evaluate("v => v.readyState >= 1"), timeout=60,
         what=f"the film loads: {video.evaluate(state)}")  # fmt: skip
    seconds = video.evaluate("v => v.duration")
    assert 11.5 <= seconds <= 12.5, seconds
    video.evaluate("v => { v.muted = true; return v.play(); }")
    poll(lambda: video.evaluate("v => v.currentTime > 0.5"), timeout=30, what="the film plays")
    scores = sp.root.locator(".sn-board-score").all_inner_texts()
    assert len(scores) == 2 and all("SSIM" in s for s in scores), scores
