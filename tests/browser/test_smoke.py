"""The harness itself, proved on plain ipywidgets and anywidget (nothing from the project).

A notebook written at test time: an IntProgress driven by an asyncio task in the kernel,
and an anywidget playing a small H.264 MP4 through a ``<video>``. In a real JupyterLab and a
real Notebook 7 in Chromium: Run All, then the bar keeps moving with no cell running, and
the video plays.
"""

from __future__ import annotations

import pytest
from browser_pages import cells_busy_js, make_mp4, open_notebook, poll, run_all, write_notebook

pytestmark = pytest.mark.browser

PROGRESS_CELL = """\
import asyncio
import ipywidgets as widgets

bar = widgets.IntProgress(value=0, min=0, max=200, description="ticks")
bar.add_class("smoke-progress")

async def tick():
    while bar.value < bar.max:
        await asyncio.sleep(0.1)
        bar.value += 1

task = asyncio.ensure_future(tick())
bar
"""

PLAYER_CELL = """\
import pathlib
import anywidget
import traitlets

class Player(anywidget.AnyWidget):
    _esm = '''
    function render({ model, el }) {
      const video = document.createElement("video");
      video.className = "smoke-video";
      video.muted = true;
      video.playsInline = true;
      video.controls = true;
      const bytes = model.get("data");
      const url = URL.createObjectURL(new Blob([bytes.buffer], { type: "video/mp4" }));
      video.src = url;
      el.appendChild(video);
      video.play().catch(() => {});
      return () => { video.pause(); URL.revokeObjectURL(url); };
    }
    export default { render };
    '''
    data = traitlets.Bytes().tag(sync=True)

Player(data=pathlib.Path("smoke.mp4").read_bytes())
"""

BAR_WIDTH = """() => {
  const bar = document.querySelector('.smoke-progress .progress-bar');
  return bar ? parseFloat(bar.style.width) : null;
}"""


@pytest.mark.parametrize("kind", ["lab", "notebook"])
def test_widgets_update_live_and_video_plays(kind, request, page_for, screenshot_dir):
    server = request.getfixturevalue(f"{kind}_server")
    page = page_for(server)
    make_mp4(server.root / "smoke.mp4", seconds=6.0)
    write_notebook(server.root / "smoke.ipynb", [PROGRESS_CELL, PLAYER_CELL])

    open_notebook(page, server, "smoke.ipynb")
    run_all(page, server)

    # Every cell has finished: from here on nothing runs but the kernel's background task.
    page.locator(".smoke-progress .progress-bar").wait_for(state="attached")
    first = page.evaluate(BAR_WIDTH)
    assert first is not None and first < 100
    # Ten more ticks (5 % of the bar): many updates pushed by the kernel, not one late echo.
    page.wait_for_function(f"() => ({BAR_WIDTH})() >= {first + 5}", timeout=60_000)

    video = page.locator("video.smoke-video")
    video.wait_for(state="attached")
    page.wait_for_function(
        "() => document.querySelector('video.smoke-video').readyState >= 2", timeout=30_000
    )
    start = video.evaluate("v => v.currentTime")
    page.wait_for_function(
        f"() => document.querySelector('video.smoke-video').currentTime > {start}",
        timeout=30_000,
    )
    assert video.evaluate("v => v.error") is None

    video.scroll_into_view_if_needed()
    shot = screenshot_dir / f"smoke-{kind}.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 0


MARIMO_SMOKE = '''\
import marimo

app = marimo.App(width="full")


@app.cell
def _():
    import asyncio
    import pathlib

    import anywidget
    import marimo as mo
    import traitlets

    class Ticker(anywidget.AnyWidget):
        _esm = """
        function render({ model, el }) {
          const span = document.createElement("span");
          span.className = "smoke-ticks";
          const draw = () => { span.textContent = String(model.get("n")); };
          model.on("change:n", draw);
          draw();
          el.appendChild(span);
        }
        export default { render };
        """
        n = traitlets.Int(0).tag(sync=True)

    ticker = Ticker()

    async def tick():
        while ticker.n < 200:
            await asyncio.sleep(0.1)
            ticker.n += 1

    task = asyncio.ensure_future(tick())
    mo.ui.anywidget(ticker)
    return


if __name__ == "__main__":
    app.run()
'''


def test_marimo_anywidget_updates_live(marimo_factory, page_for, tmp_path):
    source = tmp_path / "smoke_marimo.py"
    source.write_text(MARIMO_SMOKE, encoding="utf-8")
    server = marimo_factory(source)
    page = page_for(server)
    open_notebook(page, server)
    run_all(page, server)
    # marimo draws anywidgets in a shadow root: Playwright locators pierce it.
    ticks = page.locator(".smoke-ticks")
    ticks.wait_for(state="attached")
    first = int(ticks.text_content())
    # Ten more ticks with every cell idle: pushed by the kernel's background task.
    poll(lambda: int(ticks.text_content()) >= first + 10, timeout=30, what="ticks")
    busy = page.evaluate(f"() => {cells_busy_js('marimo')}")
    assert not busy, "a marimo cell was still running"
