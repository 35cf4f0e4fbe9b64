"""First paint of the history tree in Chromium (Playwright, Debian's Chromium).

A library of ``n`` completed jobs in lineage chains; `studio.panel()` builds the view; the
anywidget that draws the tree (the view itself when it is one anywidget; the old panel's
`TreeView` otherwise) gives its ESM, CSS and state. A blank page gets a minimal anywidget
host (model `get/set/on/off/send/save_changes`, binary traits as DataViews) and times, with
`performance.now()`, from calling the ESM's `render` to the second animation frame after it
settles (the first frame that shows the tree); then scrolls the tree box to its bottom
(its last rows) and times the next two frames (a view that draws only the nodes near its
visible part draws the others there). Fresh page per run; median of ``runs``.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
from pathlib import Path
from typing import Any

from benchmarks._common import run_async

CHROMIUM = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

HOST = """
async ([esm, css, state, paths, buffers]) => {
  const bytes = (b64) => { const s = atob(b64); const u = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) u[i] = s.charCodeAt(i); return new DataView(u.buffer); };
  paths.forEach((path, i) => { let o = state;
    for (const k of path.slice(0, -1)) o = o[k]; o[path[path.length - 1]] = bytes(buffers[i]); });
  const style = document.createElement('style'); style.textContent = css;
  document.head.appendChild(style);
  const listeners = {};
  const model = {
    get: (k) => state[k], set: (k, v) => { state[k] = v; }, save_changes: () => {},
    on: (e, f) => { (listeners[e] = listeners[e] || []).push(f); },
    off: () => {}, send: () => {}, widget_manager: { get_model: async () => null },
  };
  const url = URL.createObjectURL(new Blob([esm], { type: 'text/javascript' }));
  const mod = await import(url);
  let def = mod.default;
  if (typeof def === 'function') def = await def();
  const el = document.createElement('div'); el.style.width = '1400px';
  document.body.appendChild(el);
  const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
  await frame();
  const t0 = performance.now();
  if (def.initialize) await def.initialize({ model });
  await def.render({ model, el });
  await frame(); await frame();
  const ms = performance.now() - t0;
  const count = () => el.querySelectorAll('.sn-tree-node, [data-testid="sn-tree-node"]').length;
  const nodes = count();
  // Then scroll the tree to its bottom (a view that draws only what is near its visible
  // part draws more there): the time to the second frame after the scroll.
  const box = el.querySelector('[data-testid="sn-tree"]');
  let scrollMs = null, scrolled = null;
  if (box) {
    const t1 = performance.now();
    box.scrollTop = box.scrollHeight;
    box.dispatchEvent(new Event('scroll'));
    await frame(); await frame();
    scrollMs = performance.now() - t1;
    scrolled = count();
  }
  return { ms, nodes, scrollMs, scrolled };
}
"""


def _tree_widget(view: Any) -> Any:
    import anywidget

    from benchmarks.view import widget_tree

    if isinstance(view, anywidget.AnyWidget):
        return view
    for widget in widget_tree(view):
        if type(widget).__name__ == "TreeView":
            return widget
    raise LookupError("no widget draws the tree in this view")


def _payload(n: int) -> tuple[str, str, dict[str, Any], list, list[str]]:
    import base64

    from ipywidgets.widgets.widget import _remove_buffers

    from benchmarks.view import add_tree_jobs
    from sora_notebook import Backend, Studio

    async def build() -> tuple[str, str, dict[str, Any], list, list[str]]:
        with tempfile.TemporaryDirectory(prefix="bench-paint-") as tmp:
            studio = Studio(Backend.emulator(speed=50.0), library=Path(tmp) / "lib")
            add_tree_jobs(studio.library, n)
            view = studio.panel()
            await asyncio.sleep(0.5)  # let a view that fills itself from a task do so
            widget = _tree_widget(view)
            state = dict(widget.get_state())
            view.close()
            await studio.aclose()
        esm, css = str(state.pop("_esm", "")), str(state.pop("_css", "") or "")
        state, paths, buffers = _remove_buffers(state)
        encoded = [base64.b64encode(bytes(b)).decode("ascii") for b in buffers]
        return esm, css, json.loads(json.dumps(state, default=str)), paths, encoded

    return run_async(build())


def first_paint(n: int, runs: int = 5, *, esm: str | None = None) -> dict[str, Any]:
    """Median ms to the first paint of `n` tree nodes; `esm` replaces the view's ESM."""
    from playwright.sync_api import sync_playwright

    executable = next((p for p in CHROMIUM if Path(p).exists()), None)
    if executable is None:
        raise RuntimeError("Debian's Chromium is missing: bash scripts/install-chromium.sh")
    own, css, state, paths, buffers = _payload(n)
    esm = esm or own
    times: list[float] = []
    scrolls: list[float] = []
    drawn = scrolled = 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=ARGS)
        try:
            for _ in range(runs):
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.set_content("<!doctype html><html><body></body></html>")
                out = page.evaluate(HOST, [esm, css, state, paths, buffers])
                times.append(float(out["ms"]))
                drawn = int(out["nodes"])
                if out.get("scrollMs") is not None:
                    scrolls.append(float(out["scrollMs"]))
                    scrolled = int(out["scrolled"])
                page.close()
        finally:
            browser.close()
    return {
        "nodes": n,
        "nodes_drawn": drawn,
        "runs_ms": [round(t, 1) for t in times],
        "median_ms": round(statistics.median(times), 1),
        "scroll_runs_ms": [round(t, 1) for t in scrolls],
        "scroll_median_ms": round(statistics.median(scrolls), 1) if scrolls else None,
        "nodes_drawn_after_scroll": scrolled,
        "state_kib": round(len(json.dumps(state)) / 1024, 1),
    }
