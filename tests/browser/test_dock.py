"""The docked stage with 72 videos (issue 21, UX review 2), in JupyterLab, Notebook 7 and
marimo edit: Play on the last card shows the video in the viewport and the card clicked
does not move (the player used to open 14,464 px above it); compare and the blind duel open
in view too; the studio scrolls with the page (no scroll box of its own, none of the front
end's: marimo edit used to cap it at 610 px). In JupyterLab the stage also works at 700 px
with the file browser open, and the studio in its own panel beside the notebook ("Create
New View for Cell Output")."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from a11y import FOCUSED, axe_violations, tab_stops_in_cards
from browser_pages import marimo_studio, open_notebook, poll, run_all
from studio_flow import StudioPage

pytestmark = pytest.mark.browser

N = 72
PROMPTS = [f"shot {i:02d}: a heron at dawn, take {i}" for i in range(N)]
MAKE = f"""
import asyncio
from sora_notebook import Backend, Studio

async def main():
    studio = Studio(Backend.emulator(speed=50, render="draft"), library="lib72")
    jobs = await studio.sweep({PROMPTS!r}, size=["1280x720"], seconds=[4])
    for job in jobs:
        assert (await studio.wait(job)).status == "completed", job

asyncio.run(main())
"""
OPEN = """from sora_notebook import Backend, Studio

studio = Studio(Backend.emulator(), library="lib72")"""
MARIMO = marimo_studio(OPEN)
HEIGHT = 900


@pytest.fixture(scope="module")
def library72(tmp_path_factory) -> Path:
    """72 finished videos (draft renders: about 25 s of CPU), made once for the module."""
    folder = tmp_path_factory.mktemp("seventy-two")
    subprocess.run([sys.executable, "-c", MAKE], cwd=folder, check=True, timeout=600)
    return folder / "lib72"


def notebook_with(root: Path, library: Path) -> str:
    shutil.copytree(library, root / "lib72")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(OPEN), nbformat.v4.new_code_cell("studio")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(nb, root / "dock.ipynb")
    return "dock.ipynb"


def in_view(box: dict | None, height: float = HEIGHT) -> bool:
    return box is not None and box["y"] >= -1 and box["y"] + box["height"] <= height + 1


def settle_on(sp: StudioPage, card) -> dict:
    """Scroll `card` to the middle of the page and wait for the layout to settle."""
    card.evaluate("c => c.scrollIntoView({block: 'center'})")
    before = None
    for _ in range(20):  # posters and lazy parts above it may still be landing
        sp.page.wait_for_timeout(250)
        box = card.bounding_box()
        if before and box and abs(box["y"] - before["y"]) < 0.5:
            return box
        before = box
    raise AssertionError(f"the card kept moving: {before}")


def show_all(sp: StudioPage, scope=None) -> None:
    """The grid shows 24 cards a page: "Show more" until all 72 are there."""
    scope = scope or sp.page
    cards, more = scope.get_by_test_id("sn-card"), scope.get_by_test_id("sn-more")
    poll(lambda: cards.count() >= 24, timeout=120, what="the first page of cards")
    while more.is_visible():
        more.click()
    poll(lambda: cards.count() == N, timeout=30, what=f"{N} cards")


def plays_in_view(sp: StudioPage, height: float = HEIGHT) -> None:
    show_all(sp)
    card = sp.tid("sn-card").last
    before = settle_on(sp, card)
    card.get_by_test_id("sn-play").click()
    video = sp.tid("sn-main-video")
    video.wait_for(state="visible", timeout=30_000)
    poll(lambda: video.evaluate("v => v.currentTime > 0.2"), timeout=30, what="the video plays")
    after = card.bounding_box()
    assert in_view(video.bounding_box(), height), (video.bounding_box(), before)
    assert after is not None and abs(after["y"] - before["y"]) <= 2, (before, after)
    assert video.evaluate("v => v.dataset.key") == card.evaluate("c => c.dataset.key")


def compare_and_duel_in_view(sp: StudioPage) -> None:
    cards = sp.tid("sn-card")
    a, b = cards.nth(N - 2), cards.nth(N - 1)
    before = settle_on(sp, a)
    a.get_by_test_id("sn-compare-toggle").click()
    b.get_by_test_id("sn-compare-toggle").click()
    sp.tid("sn-compare-video").nth(1).wait_for(state="visible", timeout=30_000)
    for i in range(2):
        assert in_view(sp.tid("sn-compare-video").nth(i).bounding_box()), i
    after = a.bounding_box()
    assert after is not None and abs(after["y"] - before["y"]) <= 2, (before, after)
    sp.tid("sn-duel-start").click()
    duel = sp.tid("sn-duel-video").first
    duel.wait_for(state="visible", timeout=30_000)
    assert in_view(duel.bounding_box())
    veil = duel.evaluate("v => getComputedStyle(v).clipPath")
    assert veil.startswith("inset(0px 0px 10%"), veil  # the burned-in caption is veiled


def keyboard_and_axe(sp: StudioPage) -> None:
    """One tab stop for the grid of 72 cards, arrows between them, Enter into a card and
    Escape out; axe-core finds no serious or critical violation in the studio."""
    stops = tab_stops_in_cards(sp.page, sp.root, presses=4)
    assert stops and max(stops.values()) <= 3 and len(stops) == 1, stops
    first = sp.tid("sn-card").first
    first.focus()
    sp.page.keyboard.press("End")
    key = lambda: sp.page.evaluate(f"() => ({FOCUSED})().dataset.key || ''")  # noqa: E731
    assert key() == sp.tid("sn-card").last.get_attribute("data-key")
    keys = sp.tid("sn-card").evaluate_all("cs => cs.map(c => c.dataset.key)")
    sp.page.keyboard.press("Home")
    at_home = keys.index(key()) if key() in keys else key()
    sp.page.keyboard.press("ArrowRight")
    assert key() == keys[1], (at_home, keys.index(key()) if key() in keys else key())
    assert key() == sp.tid("sn-card").nth(1).get_attribute("data-key")
    sp.page.keyboard.press("Enter")
    assert sp.page.evaluate(f"() => ({FOCUSED})().tagName") in ("BUTTON", "VIDEO")
    sp.page.keyboard.press("Escape")
    assert key() == sp.tid("sn-card").nth(1).get_attribute("data-key")
    name = sp.tid("sn-card").nth(1).get_attribute("aria-label") or ""
    assert "video: shot" in name, name
    assert axe_violations(sp.page, sp.root) == []


def scroll_boxes(sp: StudioPage) -> list[str]:
    """The boxes between the studio and the page that scroll (the page's own scroller
    is one; a second one is a scroll box inside the page)."""
    return sp.page.get_by_test_id("sn-studio").first.evaluate(
        """root => {
          const out = [];
          for (let e = root; e; e = e.parentElement || (e.getRootNode().host || null)) {
            const s = getComputedStyle(e);
            if (/auto|scroll/.test(s.overflowY) && e.scrollHeight > e.clientHeight + 1)
              out.push(`${e.tagName}.${String(e.className).slice(0, 50)}`);
          }
          return out;
        }"""
    )


@pytest.mark.parametrize("kind", ["lab", "notebook"])
def test_72_videos_play_in_view_in_jupyter(kind, request, page_for, library72):
    server = request.getfixturevalue(f"{kind}_server")
    path = notebook_with(server.root, library72)
    page = page_for(server, viewport={"width": 1400, "height": HEIGHT})
    open_notebook(page, server, path)
    run_all(page, server)
    sp = StudioPage(page, kind)
    sp.wait_ready()
    plays_in_view(sp)
    compare_and_duel_in_view(sp)
    assert len(scroll_boxes(sp)) == 1, scroll_boxes(sp)
    keyboard_and_axe(sp)
    if kind == "lab":
        narrow_with_the_side_panel(sp)
        own_panel_beside_the_notebook(sp)


def narrow_with_the_side_panel(sp: StudioPage) -> None:
    sp.page.set_viewport_size({"width": 700, "height": HEIGHT})
    if not sp.page.locator(".jp-FileBrowser").is_visible():
        sp.page.evaluate("() => window.jupyterapp.commands.execute('filebrowser:toggle-main')")
    sp.page.locator(".jp-FileBrowser").wait_for(state="visible")
    tabs = sp.tid("sn-stage-tab")
    assert tabs.all_inner_texts() == ["Player", "Compare", "Duel"], tabs.all_inner_texts()
    card = sp.tid("sn-card").nth(N - 3)
    settle_on(sp, card)
    card.get_by_test_id("sn-play").click()
    video = sp.tid("sn-main-video")
    video.wait_for(state="visible", timeout=30_000)
    sp.page.wait_for_timeout(500)
    assert in_view(video.bounding_box()), video.bounding_box()
    sp.page.set_viewport_size({"width": 1400, "height": HEIGHT})


def own_panel_beside_the_notebook(sp: StudioPage) -> None:
    """JupyterLab's "Create New View for Cell Output": the studio in a panel of its own."""
    page = sp.page
    shown = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # other tests' notebooks stay open in tabs
    page.locator(f"{shown} .jp-Cell").nth(1).click(position={"x": 5, "y": 5})
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:create-output-view')")
    panel = page.locator(".jp-LinkedOutputView")
    panel.wait_for(state="visible", timeout=30_000)
    show_all(sp, panel)
    card = panel.get_by_test_id("sn-card").nth(N - 1)
    card.evaluate("c => c.scrollIntoView({block: 'center'})")
    card.get_by_test_id("sn-play").click()
    video = panel.get_by_test_id("sn-main-video")
    video.wait_for(state="visible", timeout=30_000)
    box, frame = video.bounding_box(), panel.bounding_box()
    inside = box and frame and frame["y"] - 1 <= box["y"] <= frame["y"] + frame["height"]
    assert inside, (box, frame)
    # Close the panel: JupyterLab keeps its layout for the next page on this server.
    page.evaluate(
        """() => { const own = '.jp-LinkedOutputView, :has(.jp-LinkedOutputView)';
                   for (const w of [...window.jupyterapp.shell.widgets('main')])
                     if (w.node.matches(own)) w.close(); }"""
    )
    panel.wait_for(state="detached", timeout=30_000)
    page.wait_for_timeout(1500)  # the layout is saved


def test_72_videos_play_in_view_in_marimo(marimo_factory, page_for, library72, tmp_path):
    source = tmp_path / "dock.py"
    source.write_text(MARIMO)
    server = marimo_factory(source)
    shutil.copytree(library72, server.root / "lib72")
    page = page_for(server, viewport={"width": 1400, "height": HEIGHT})
    open_notebook(page, server, "dock.py")
    run_all(page, server)
    sp = StudioPage(page, "marimo")
    sp.wait_ready()
    plays_in_view(sp)
    compare_and_duel_in_view(sp)
    assert len(scroll_boxes(sp)) == 1, scroll_boxes(sp)
