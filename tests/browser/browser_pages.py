"""Drive a notebook in a page as a person would, in JupyterLab, Notebook 7 or marimo.

- ``open_notebook(page, server, path)``: open it and wait until it can run (Jupyter: a
  connected idle kernel, per NOTES.md; marimo: its cells drawn).
- ``run_all(page, server)``: run every cell and wait until they have finished; fail with
  the traceback text if a cell raised.
- ``cells_busy_js(kind)``: a JS expression, true while any cell runs (``[*]`` prompt in
  Jupyter, ``data-status`` running/queued in marimo), for watchers in the page.
- ``write_notebook(path, cells)``, ``make_mp4(path)``: material for tests.
- ``marimo_config(server)``: the user config marimo reads (cells run on open, no autosave).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from browser_harness import FrontEnd

RUN_TIMEOUT = 120.0

JUPYTER_BUSY = (
    "[...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]"
    ".some(p => p.textContent.includes('*'))"
)
MARIMO_BUSY = '!!document.querySelector(\'[data-status="running"], [data-status="queued"]\')'


def cells_busy_js(kind: str) -> str:
    """True while a cell runs; ``marimo-run`` (the app view) shows no cells: always false."""
    if kind == "marimo-run":
        return "false"
    return MARIMO_BUSY if kind == "marimo" else JUPYTER_BUSY


def marimo_config(server: FrontEnd) -> Path:
    """Write marimo's user config in the server's temp HOME: run cells on open, no autosave."""
    folder = server.base / "home" / ".config" / "marimo"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "marimo.toml"
    path.write_text(
        "[runtime]\nauto_instantiate = true\n\n"
        '[save]\nautosave = "off"\n\n'
        "[completion]\ncopilot = false\n\n"
        '[display]\ntheme = "light"\n',
        encoding="utf-8",
    )
    return path


def open_notebook(page, server: FrontEnd, path: str = "") -> None:
    """Open ``path`` (relative to the server root) and wait until it can run."""
    page.goto(server.page_url(path))
    if server.kind == "marimo":
        if server.mode == "edit":
            page.locator("[data-cell-id]").first.wait_for(state="attached", timeout=90_000)
        return
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=90_000)
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook").first.wait_for(
        state="visible", timeout=90_000
    )
    server.wait_kernel_idle(path)


def run_all(page, server: FrontEnd, timeout: float = RUN_TIMEOUT) -> None:
    """Run every cell (marimo: they run on open) and wait until all have finished."""
    if server.kind == "marimo":
        if server.mode == "edit":  # the app view (run) shows no cells: wait for outputs
            _marimo_wait_settled(page, timeout)
        return
    page.evaluate(
        """() => {
          window.__snRunAll = 'running';
          window.jupyterapp.commands.execute('notebook:run-all-cells').then(
            () => { window.__snRunAll = 'done'; },
            (err) => { window.__snRunAll = 'error: ' + err; });
        }"""
    )
    page.wait_for_function("() => window.__snRunAll !== 'running'", timeout=timeout * 1000)
    # Run All resolves when the cells are queued in Notebook 7: wait for the prompts.
    page.wait_for_function(f"() => !({JUPYTER_BUSY})", timeout=timeout * 1000)
    state = page.evaluate("() => window.__snRunAll")
    errors = cell_errors(page, server)
    prompts = page.evaluate(  # the notebook run, not others a restored layout shows beside it
        """() => [...window.jupyterapp.shell.currentWidget.node.querySelectorAll(
            '.jp-CodeCell .jp-InputArea-prompt')].map(p => p.textContent.trim())"""
    )
    unrun = [p for p in prompts if not any(ch.isdigit() for ch in p)]
    assert state == "done" and not errors and not unrun, (
        f"Run All: {state}; prompts {prompts}; errors:\n" + "\n---\n".join(errors)
    )


def _marimo_wait_settled(page, timeout: float) -> None:
    # Cells run on open (auto_instantiate): wait until none is running or queued. (marimo
    # may mark a markdown cell "outdated" after reformatting its source; that is not run.)
    page.wait_for_function(
        f"""() => {{
          const cells = document.querySelectorAll('[data-cell-id] [data-status]');
          return [...cells].some(c => c.dataset.status === 'idle') && !({MARIMO_BUSY});
        }}""",
        timeout=timeout * 1000,
    )
    errors = page.evaluate(
        """() => [...document.querySelectorAll('.marimo-error, [data-testid="marimo-error"]')]
            .map(el => el.textContent)"""
    )
    assert not errors, "marimo cell errors:\n" + "\n---\n".join(errors)


def cell_errors(page, server: FrontEnd) -> list[str]:
    """Texts of the tracebacks shown in the visible notebook (Jupyter)."""
    return page.evaluate(
        """() => [...document.querySelectorAll(
            '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output')]
            .map(el => el.textContent)
            .filter(text => text.includes('Traceback'))"""
    )


def poll(
    check: Callable[[], object],
    *,
    timeout: float,
    what: str,
    every: float = 0.1,
    detail: Callable[[], object] | None = None,
):
    """Call ``check`` until it returns something truthy (returned); fail after ``timeout`` s.

    For conditions ``page.wait_for_function`` cannot see: marimo draws anywidgets in a
    shadow root, where ``document.querySelector`` finds nothing but locators do.
    """
    deadline = time.monotonic() + timeout
    last: object = None
    while True:
        last = check()
        if last:
            return last
        if time.monotonic() > deadline:
            more = f"; {detail()!r}" if detail is not None else ""
            raise AssertionError(f"{what}: not true after {timeout:.0f} s (last: {last!r}{more})")
        time.sleep(every)


def shoot(page, element, path: Path, width: int = 1400) -> Path:
    """A picture of ``element`` whole: the viewport grows to hold it (notebook front ends
    scroll inside their own panels, where an element screenshot would be cut or garbled)."""
    height = element.evaluate("e => Math.ceil(e.getBoundingClientRect().height)")
    page.set_viewport_size({"width": width, "height": min(height + 700, 8000)})
    element.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)  # layout and posters after the resize
    box = element.bounding_box()
    page.screenshot(path=str(path), clip=box)
    return path


def write_notebook(path: Path, cells: list[str]) -> Path:
    """Write a minimal nbformat-4 notebook of code cells with the python3 kernel."""
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": f"cell-{i}",
                "metadata": {},
                "outputs": [],
                "source": source,
            }
            for i, source in enumerate(cells)
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return path


def make_mp4(path: Path, *, seconds: float = 4.0, size=(320, 240), fps: int = 24) -> Path:
    """A small H.264 MP4 (moov first) of a moving gradient, made with PyAV."""
    import av
    import numpy as np

    width, height = size
    with av.open(str(path), mode="w", format="mp4", options={"movflags": "+faststart"}) as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "ultrafast"}
        stream.gop_size = fps
        x = np.linspace(0, 255, width, dtype=np.float32)[None, :]
        y = np.linspace(0, 255, height, dtype=np.float32)[:, None]
        for i in range(int(seconds * fps)):
            shift = 255.0 * i / (seconds * fps)
            frame = np.empty((height, width, 3), dtype=np.uint8)
            frame[..., 0] = (x + shift) % 256
            frame[..., 1] = (y + 2 * shift) % 256
            frame[..., 2] = 128
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def marimo_studio(setup: str, *, awaits: bool = False) -> str:
    """A marimo notebook: a cell running `setup` (which makes `studio`), then the studio's
    panel as `mo.ui.anywidget`. `awaits`: the setup cell awaits (an async cell)."""
    body = setup.replace("\n", "\n    ")
    head = "async def" if awaits else "def"
    return f"""import marimo

app = marimo.App(width="full")


@app.cell
{head} _():
    import marimo as mo

    {body}
    return mo, studio


@app.cell
def _(mo, studio):
    view = mo.ui.anywidget(studio.panel())
    view
    return


if __name__ == "__main__":
    app.run()
"""
