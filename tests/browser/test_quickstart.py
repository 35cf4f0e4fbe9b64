"""The quickstart in a real JupyterLab in Chromium, driven as a person would.

Open ``notebooks/01-quickstart.ipynb`` and Run All; then, in the panel: type a prompt and
click Submit; the progress bar moves with no cell running; the finished video plays
(readyState >= 2, currentTime advances); remix it and see two connected nodes in the tree;
select both and compare: after a seek both players show the same time, and stay together
while playing; a prompt carrying HTML/JS payloads shows as text and runs nothing. A
screenshot is saved with the test's screenshots, and to ``docs/screenshot.png`` (for the
README) when ``UPDATE_SCREENSHOT=1``: a normal run writes nothing into the repository.

The emulator runs in fast mode (``SORA_NOTEBOOK_EMULATOR_SPEED``, set by the fixture).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from browser_pages import open_notebook, run_all

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = REPO / "notebooks" / "01-quickstart.ipynb"
SCREENSHOT = REPO / "docs" / "screenshot.png"

# The panel's DOM, as the widgets provide it.
PROMPT = ".sn-prompt textarea"
SUBMIT = ".sn-submit"
CARD = ".sn-card"
CARD_PROMPT = ".sn-card-prompt"
PROGRESS = ".sn-progress"
PLAYER = "video.sn-player"
MAIN_PLAYER = ".sn-main-player video.sn-player"
PLAY = ".sn-play"
REMIX = ".sn-remix"
TREE_NODE = ".sn-tree-node"
TREE_EDGE = ".sn-tree-edge"
COMPARE_VIDEO = ".sn-compare video"
COMPARE_SEEK = ".sn-compare .sn-cmp-seek"
COMPARE_PLAY = ".sn-compare .sn-cmp-play"

FIRST_PROMPT = "A red fox trotting through fresh snow at dawn, soft golden light"
REMIX_PROMPT = "The same fox, now at night under the northern lights"
PAYLOAD = (
    '<img src=x onerror="window.__xss=1">'
    "</script><script>window.__xss=2</script>"
    '<b onmouseover="window.__xss=3">bold</b> a fox'
)

JOB_TIMEOUT = 120_000  # ms: a 4 s clip renders in ~5 s at the test speed; be generous

# In the page: the card showing `prompt` (its prompt text is exactly that), or null.
CARD_OF = """(prompt) => [...document.querySelectorAll('.sn-card')].find(card => {
  const p = card.querySelector('.sn-card-prompt');
  return p && p.textContent.trim() === prompt;
}) || null"""

# Samples every 50 ms, in the page: the progress values of the card for `prompt`, and
# whether any notebook cell ran meanwhile (a `[*]` prompt).
WATCH = (
    """(prompt) => {
  const cardOf = """
    + CARD_OF
    + """;
  window.__snWatch = { values: [], cellRan: false };
  window.__snWatchTimer = setInterval(() => {
    const card = cardOf(prompt);
    const bar = card && card.querySelector('.sn-progress .progress-bar');
    if (bar) {
      const v = parseFloat(bar.style.width);
      const values = window.__snWatch.values;
      if (!Number.isNaN(v) && values[values.length - 1] !== v) values.push(v);
    }
    for (const p of document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')) {
      if (p.textContent.includes('*')) window.__snWatch.cellRan = true;
    }
  }, 50);
}"""
)

STOP_WATCH = "() => { clearInterval(window.__snWatchTimer); return window.__snWatch; }"

# The current time, seeking and paused state of every video matching a selector.
TIMES = """(sel) => [...document.querySelectorAll(sel)].map(v => ({
  t: v.currentTime, seeking: v.seeking, paused: v.paused, ready: v.readyState }))"""


def wait_card_video(page, prompt: str, timeout: float = JOB_TIMEOUT) -> None:
    """Wait until the card for ``prompt`` has a finished video loaded (metadata at least)."""
    page.wait_for_function(
        f"""(prompt) => {{
          const card = ({CARD_OF})(prompt);
          const v = card && card.querySelector('video.sn-player');
          return !!v && !!v.currentSrc && v.readyState >= 1;
        }}""",
        arg=prompt,
        timeout=timeout,
    )


def wait_count(page, selector: str, n: int, timeout: float = JOB_TIMEOUT) -> None:
    page.wait_for_function(
        "([sel, n]) => document.querySelectorAll(sel).length >= n",
        arg=[selector, n],
        timeout=timeout,
    )


def node_ids(page) -> list[str]:
    return page.locator(TREE_NODE).evaluate_all("els => els.map(e => e.dataset.id)")


def submit(page, prompt: str) -> None:
    box = page.locator(PROMPT).first
    box.click()
    box.fill(prompt)
    page.locator(SUBMIT).first.click()


def test_quickstart_as_a_person(lab_server, page, screenshot_dir):
    assert QUICKSTART.is_file(), f"{QUICKSTART.relative_to(REPO)} is missing"
    shutil.copy(QUICKSTART, lab_server.root / QUICKSTART.name)

    open_notebook(page, lab_server, QUICKSTART.name)
    run_all(page, lab_server)
    page.locator(SUBMIT).first.wait_for(state="visible")
    nodes_at_start = node_ids(page)

    # 1. Type a prompt, click Submit: the card's bar moves while no cell runs.
    page.evaluate(WATCH, FIRST_PROMPT)
    submit(page, FIRST_PROMPT)
    wait_card_video(page, FIRST_PROMPT)
    watch = page.evaluate(STOP_WATCH)
    assert not watch["cellRan"], "a cell ran: the panel must update from the background"
    between = [v for v in watch["values"] if 0 < v < 100]
    assert between and watch["values"][-1] == 100, f"progress never moved: {watch['values']}"

    # 2. Play it from its card: the main player reaches readyState >= 2 and time advances.
    first_card = page.locator(CARD).filter(has=page.locator(CARD_PROMPT, has_text=FIRST_PROMPT))
    first_card.locator(PLAY).click()
    main = page.locator(MAIN_PLAYER)
    main.wait_for(state="visible")
    page.wait_for_function(
        "(sel) => { const v = document.querySelector(sel);"
        " return !!v && v.readyState >= 2 && !v.paused; }",
        arg=MAIN_PLAYER,
        timeout=30_000,
    )
    start = main.evaluate("v => v.currentTime")
    page.wait_for_function(
        "([sel, t]) => document.querySelector(sel).currentTime > t + 0.5",
        arg=[MAIN_PLAYER, start],
        timeout=30_000,
    )
    assert main.evaluate("v => v.error") is None

    # 3. Remix it: a new node, joined to the first by a remix edge.
    first_card.locator(REMIX).click()
    submit(page, REMIX_PROMPT)
    wait_card_video(page, REMIX_PROMPT)
    wait_count(page, TREE_NODE, len(nodes_at_start) + 2)
    nodes = node_ids(page)
    new_nodes = [n for n in nodes if n not in nodes_at_start]
    assert len(new_nodes) == 2, (nodes_at_start, nodes)
    edges = page.locator(TREE_EDGE).evaluate_all(
        "els => els.map(e => ({id: e.dataset.id, kind: e.dataset.kind}))"
    )
    joined = [e for e in edges if set(e["id"].split("->")) == set(new_nodes)]
    assert len(joined) == 1 and joined[0]["kind"] == "remix", (new_nodes, edges)
    parent, child = joined[0]["id"].split("->")
    # Every finished card shows its own player, the remix's as well as the first one's.
    hidden = page.evaluate(
        """() => [...document.querySelectorAll('.sn-card.sn-card-completed')]
            .filter(card => {
              const v = card.querySelector('video.sn-player');
              return !v || v.getBoundingClientRect().height === 0;
            })
            .map(card => card.querySelector('.sn-card-prompt').textContent)"""
    )
    assert not hidden, f"completed cards that show no video: {hidden}"

    # 4. Compare: click one node, Ctrl+click the other; seek; both players follow.
    page.locator(f'{TREE_NODE}[data-id="{parent}"]').click()
    page.locator(f'{TREE_NODE}[data-id="{child}"]').click(modifiers=["Control"])
    wait_count(page, COMPARE_VIDEO, 2)
    page.locator(".sn-compare").scroll_into_view_if_needed()
    page.wait_for_function(
        f"(sel) => {{ const v = ({TIMES})(sel); return v.length === 2"
        " && v.every(x => x.ready >= 2); }",
        arg=COMPARE_VIDEO,
        timeout=30_000,
    )
    page.locator(COMPARE_SEEK).fill("1.5")
    page.wait_for_function(
        f"(sel) => ({TIMES})(sel).every(v => !v.seeking && Math.abs(v.t - 1.5) < 0.05)",
        arg=COMPARE_VIDEO,
        timeout=30_000,
    )
    # Play from there: they advance together (the view re-aligns any drift over 0.08 s;
    # allow a loaded machine a moment to show both within 0.3 s of each other).
    page.locator(COMPARE_PLAY).click()
    page.wait_for_function(
        f"""(sel) => {{
          const v = ({TIMES})(sel);
          return v.every(x => !x.paused && x.t > 2.0) && Math.abs(v[0].t - v[1].t) < 0.3;
        }}""",
        arg=COMPARE_VIDEO,
        timeout=30_000,
    )
    page.locator(COMPARE_PLAY).click()  # pause: both stop on the same time
    page.wait_for_function(
        f"(sel) => {{ const v = ({TIMES})(sel); return v.every(x => x.paused && !x.seeking)"
        " && Math.abs(v[0].t - v[1].t) < 0.05; }",
        arg=COMPARE_VIDEO,
        timeout=30_000,
    )
    # The picture for the README: the notebook from the top, the panel with its cards,
    # tree and compare (before the payload card, which would head the list).
    page.evaluate("() => window.jupyterapp.commands.execute('application:toggle-left-area')")
    page.set_viewport_size({"width": 1400, "height": 2100})
    page.locator(".jp-NotebookPanel .jp-Cell").first.scroll_into_view_if_needed()
    shot = screenshot_dir / "quickstart.png"
    page.screenshot(path=str(shot))

    # 5. A prompt carrying HTML/JS shows as text and runs nothing.
    submit(page, PAYLOAD)
    page.wait_for_function(f"(prompt) => !!({CARD_OF})(prompt)", arg=PAYLOAD, timeout=JOB_TIMEOUT)
    # Until the job settles (a video or a failure), so any onerror would have fired.
    page.wait_for_function(
        f"""(prompt) => {{
          const card = ({CARD_OF})(prompt);
          return !!card && /sn-card-(completed|failed|rejected)/.test(card.className);
        }}""",
        arg=PAYLOAD,
        timeout=JOB_TIMEOUT,
    )
    page.locator(CARD).filter(has=page.locator(CARD_PROMPT, has_text=PAYLOAD)).hover()
    assert page.evaluate("() => window.__xss") is None
    injected = page.evaluate(
        """() => document.querySelectorAll(
             '.jp-OutputArea img[src="x"], .jp-OutputArea b[onmouseover]').length"""
    )
    assert injected == 0
    assert PAYLOAD in page.evaluate("() => document.body.innerText")

    if os.environ.get("UPDATE_SCREENSHOT") == "1":
        shutil.copy(shot, SCREENSHOT)
