"""The harness itself, proved on plain ipywidgets and anywidget (nothing from the project).

A notebook written at test time: an IntProgress driven by an asyncio task in the kernel,
and an anywidget playing a small H.264 MP4 through a ``<video>``. In a real JupyterLab in
Chromium: Run All, then the bar keeps moving with no cell running, and the video plays.
"""

from __future__ import annotations

import pytest
from browser_harness import make_mp4, open_notebook, run_all, write_notebook

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


def test_widgets_update_live_and_video_plays(lab_server, page, screenshot_dir):
    make_mp4(lab_server.root / "smoke.mp4", seconds=6.0)
    write_notebook(lab_server.root / "smoke.ipynb", [PROGRESS_CELL, PLAYER_CELL])

    open_notebook(page, "smoke.ipynb", lab_server)
    run_all(page)

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
    shot = screenshot_dir / "smoke.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 0
