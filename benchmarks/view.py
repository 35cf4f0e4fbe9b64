"""The studio view's budgets (issue 14): widget models, widget state, saved notebook,
kernel-to-browser messages, and the first paint of a 500-node tree in Chromium.

"The view" is whatever `studio.panel()` returns in this checkout: the single anywidget app
(`StudioView`) now, the ipywidgets composition before it. The same code measured the old
panel at 6114e9d; its numbers are kept in `benchmarks/baselines/view-6114e9d.json` and shown
side by side (the old panel is gone from the package, so it cannot run beside the new one).

- Models: comm_open messages while `studio.panel()` is built (every widget's comm is
  replaced by a counting one, as in `responsiveness`), with 0 jobs, 10 videos and 500 jobs.
- State with 10 videos: `Widget.get_manager_state` over the view and every widget it
  references (what "save widget state" or `nbconvert --execute` store), JSON bytes with
  binary buffers base64-encoded as nbformat stores them.
- Saved quickstart: `notebooks/01-quickstart.ipynb` written by `nbformat`, its display cell
  holding the view's mimebundle, with `metadata.widgets` set to that state.
- Messages: 200 jobs on the emulator (its own process, real socket) adopted by
  `import_remote()` and tracked for 25 s with the view following (`responsiveness`' window
  and meter): mean comm messages/s and the busiest 1 s.
- First paint: `benchmarks/_paint.py` (Chromium through Playwright).
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._common import Goal, Result, fmt, run_async

NAME = "view"
TITLE = "studio view budgets: models, widget state, saved notebook, messages, tree paint"
VIDEOS = {"smoke": 1, "full": 10}
RENDER = {"smoke": "draft", "full": "full"}
TREE_NODES = {"smoke": 20, "full": 500}
TRACKED = {"smoke": 2, "full": 200}
WINDOW = {"smoke": 1.0, "full": 25.0}
BASELINE = Path(__file__).parent / "baselines" / "view-6114e9d.json"
QUICKSTART = Path(__file__).parent.parent / "notebooks" / "01-quickstart.ipynb"
PROMPTS = (
    "A paper boat drifts down a rain-filled gutter",
    "A red fox trots through a snowy forest at dawn",
    "Neon reflections ripple on a wet city street at night",
    "A hot-air balloon rises over misty hills",
    "Waves crash against a lighthouse in a storm",
    "A hummingbird hovers at a purple flower, slow motion",
    "A steaming cup of coffee on a windowsill, rain outside",
    "A skateboarder glides through an empty parking garage",
    "Autumn leaves swirl around a park bench",
    "A paper plane loops across a sunlit classroom",
)


def widget_tree(root: Any) -> list[Any]:
    """The widget and every widget it references (children, layout, style, ...)."""
    from ipywidgets import Widget

    seen: dict[int, Any] = {}
    stack = [root]
    while stack:
        widget = stack.pop()
        if id(widget) in seen or widget.comm is None:
            continue
        seen[id(widget)] = widget
        for key in widget.keys:
            value = getattr(widget, key, None)
            items = value if isinstance(value, list | tuple) else [value]
            stack += [v for v in items if isinstance(v, Widget)]
    return list(seen.values())


def manager_state(view: Any) -> dict[str, Any]:
    """The widget-state JSON as a notebook stores it (buffers base64-encoded)."""
    from ipywidgets import Widget

    state = Widget.get_manager_state(drop_defaults=False, widgets=widget_tree(view))
    return json.loads(json.dumps(state, default=_b64))


def _b64(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(type(value).__name__)


def add_tree_jobs(library: Any, n: int) -> None:
    """``n`` completed jobs in a lineage forest (chains of remixes, edits and extends)."""
    kinds = ("remix", "edit", "extend")
    keys: list[str] = []
    for i in range(n):
        parent = keys[(i * 7) // 10] if i and i % 5 else None  # 1 root in 5, deep chains
        job = library.add_submission(
            backend="emulator",
            backend_url="",
            prompt=f"{PROMPTS[i % len(PROMPTS)]}, take {i}",
            model="sora-2",
            size="1280x720",
            seconds="4",
            endpoint="create" if parent is None else kinds[i % 3],
            parent_key=parent,
            edge_kind=None if parent is None else kinds[i % 3],
        )
        library.update(job.key, status="completed", progress=100, video_id=f"video_{i:04d}")
        keys.append(job.key)


def _count_models(studio: Any) -> int:
    from benchmarks.responsiveness import Meter, counting_comms

    meter = Meter()
    with counting_comms(meter):
        view = studio.panel()
    view.close()
    return meter.opens


async def _videos(root: Path, n: int, render: str) -> Any:
    from sora_notebook import Backend, Studio

    studio = Studio(Backend.emulator(speed=50.0, render=render), library=root / "sora_studio")
    await asyncio.gather(*(studio.generate(p, size="1280x720", seconds=4) for p in PROMPTS[:n]))
    return studio


def _saved_quickstart(view: Any, state: dict[str, Any], path: Path) -> int:
    import nbformat

    nb = nbformat.read(QUICKSTART, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    for cell in code:
        cell.outputs, cell.execution_count = [], None
    shown = next((c for c in code if c.source.strip().endswith(("studio", "panel()"))), code[-1])
    bundle = view._repr_mimebundle_()
    data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})  # anywidget: a pair
    shown.outputs = [nbformat.v4.new_output("display_data", data=data, metadata=metadata)]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": state}
    nbformat.write(nb, path)
    return path.stat().st_size


def weights(size: str) -> dict[str, Any]:
    """Models at 0 / n videos / many jobs; state and saved-notebook bytes at n videos."""
    from sora_notebook import Backend, Studio

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-view-") as tmp:
        root = Path(tmp)
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            studio = loop.run_until_complete(_videos(root / "a", VIDEOS[size], RENDER[size]))

            async def measure() -> None:
                out["models_videos"] = _count_models(studio)
                view = studio.panel()
                state = manager_state(view)
                out["state_bytes"] = len(json.dumps(state))
                out["saved_bytes"] = _saved_quickstart(view, state, root / "saved.ipynb")
                view.close()
                await studio.aclose()
                empty = Studio(Backend.emulator(speed=50.0), library=root / "empty")
                out["models_empty"] = _count_models(empty)
                await empty.aclose()
                many = Studio(Backend.emulator(speed=50.0), library=root / "many")
                add_tree_jobs(many.library, TREE_NODES[size])
                out["models_many"] = _count_models(many)
                await many.aclose()

            loop.run_until_complete(measure())
        finally:
            asyncio.set_event_loop(None)
            loop.close()
    return out


async def _messages(base_url: str, n: int, window: float, *, whole: bool) -> dict[str, Any]:
    """`responsiveness.studio_side` with the view as `studio.panel()` builds it; `whole`:
    every flush sends the whole job list (before patches), else only what changed."""
    import httpx

    from benchmarks._common import clear_jobs, create_jobs, seconds_mix
    from benchmarks.responsiveness import Meter, _window, counting_comms
    from sora_notebook import Backend, Studio

    meter = Meter()
    async with httpx.AsyncClient(timeout=60) as http:
        await clear_jobs(http, base_url)
        await create_jobs(http, base_url, seconds_mix(n))
    with tempfile.TemporaryDirectory(prefix="bench-view-msgs-") as tmp, counting_comms(meter):
        studio = Studio(Backend.compatible(base_url, "bench-key"), library=tmp)
        view = studio.panel()
        view.patches.whole = whole

        async def follow() -> None:
            await studio.import_remote()
            await asyncio.Event().wait()

        try:
            out = await _window(window, follow, meter)
        finally:
            out_completed = len(studio.jobs(status="completed"))
            view.close()
            await studio.aclose()
    out["completed"] = out_completed
    out["kib_total"] = meter.bytes / 1024
    return out


def messages(size: str) -> dict[str, Any]:
    from benchmarks._common import Server, create_jobs, seconds_mix

    async def warm(base_url: str) -> None:
        import httpx

        async with httpx.AsyncClient(timeout=60) as http:
            await create_jobs(http, base_url, seconds_mix(3))

    with Server(speed=2.0) as server:
        run_async(warm(server.base_url))
        server.call("POST", "renders")
        return {
            mode: run_async(_messages(server.base_url, TRACKED[size], WINDOW[size], whole=whole))
            for mode, whole in (("whole", True), ("patches", False))
        }


#: The view's files when they shared one scope (before `static/` became ES modules).
SCRIPTS_BEFORE_MODULES = ("common", "player", "form", "card", "cards")
SCRIPTS_BEFORE_MODULES += ("tree", "compare", "duel", "main")


def old_esm() -> str | None:
    """The view's ESM as `main` has it (whole job lists), for the paint side by side."""
    import subprocess

    from sora_notebook.widgets.assets import _compact, assemble

    def read(name: str) -> str:
        shown = subprocess.run(
            ["git", "show", f"main:sora_notebook/widgets/static/{name}.js"],
            capture_output=True, text=True, cwd=Path(__file__).parent, check=True,
        )  # fmt: skip
        return shown.stdout

    try:
        if "import {" in read("main"):
            return assemble(read)
        return "\n".join(_compact(read(name)) for name in SCRIPTS_BEFORE_MODULES)
    except (subprocess.CalledProcessError, ValueError):
        return None


def _baseline() -> dict[str, Any]:
    try:
        data = json.loads(BASELINE.read_text("utf-8"))["data"]
    except (OSError, ValueError, KeyError):
        return {}
    msgs = data.get("messages", {})
    extra = {k: round(msgs[k], 1) for k in ("kib_per_s", "cell_p95_ms", "lag_max_ms") if k in msgs}
    return {**extra, **data.get("measured", {})}


def _row(label: str, key: str, now: dict, old: dict, scale: float = 1.0, digits: int = 0):
    def value(src: dict) -> Any:
        v = src.get(key)
        return "-" if v is None else fmt(v / scale, digits) if scale != 1.0 else v

    return [label, value(now), value(old)]


def run(size: str = "full") -> Result:
    from benchmarks._paint import first_paint

    start = time.perf_counter()
    measured: dict[str, Any] = dict(weights(size))
    both = messages(size)
    msgs = both["patches"]
    whole = both["whole"]
    measured.update(
        whole_msgs_per_s=round(whole["msgs_per_s"], 2),
        whole_kib_per_s=round(whole["kib_per_s"], 1),
    )
    measured.update(
        msgs_per_s=round(msgs["msgs_per_s"], 2),
        msgs_peak_1s=msgs["msgs_peak_1s"],
        tracked_completed=msgs["completed"],
        kib_per_s=round(msgs["kib_per_s"], 1),
        cell_p95_ms=round(msgs["cell_p95_ms"], 1),
        lag_max_ms=round(msgs["lag_max_ms"], 1),
    )
    try:
        paint = first_paint(TREE_NODES[size])
    except RuntimeError:  # no Chromium: the smoke run (fast tests) goes on without a paint
        if size != "smoke":
            raise
        paint = {"median_ms": None, "runs_ms": [], "nodes_drawn": 0}
    measured.update(paint_ms=paint["median_ms"], paint_runs_ms=paint["runs_ms"])
    before = old_esm() if paint["median_ms"] is not None else None
    measured["whole_paint_ms"] = (
        first_paint(TREE_NODES[size], esm=before)["median_ms"] if before else None
    )
    measured["paint_nodes_drawn"] = paint["nodes_drawn"]
    measured["scroll_paint_ms"] = paint.get("scroll_median_ms")
    measured["scroll_nodes_drawn"] = paint.get("nodes_drawn_after_scroll")
    old = _baseline() if size == "full" else {}  # the baseline is a full run
    n, t = VIDEOS[size], TREE_NODES[size]
    rows = [
        _row("widget models opened, 0 jobs", "models_empty", measured, old),
        _row(f"widget models opened, {n} videos", "models_videos", measured, old),
        _row(f"widget models opened, {t} jobs", "models_many", measured, old),
        _row(f"widget state, {n} videos (KiB)", "state_bytes", measured, old, 1024, 1),
        _row(f"quickstart saved + state, {n} videos (KiB)", "saved_bytes", measured, old, 1024, 1),
        _row(f"messages/s, {TRACKED[size]} jobs tracked", "msgs_per_s", measured, old),
        _row("messages in the busiest 1 s", "msgs_peak_1s", measured, old),
        _row("KiB/s sent to the browser meanwhile", "kib_per_s", measured, old),
        ["  the same run, whole job lists (main)", measured["whole_kib_per_s"], "-"],
        ["  messages/s, whole job lists (main)", measured["whole_msgs_per_s"], "-"],
        _row("trivial cell p95 ms meanwhile", "cell_p95_ms", measured, old),
        _row("longest loop stall ms meanwhile", "lag_max_ms", measured, old),
        _row(f"first paint, {t}-node tree (ms, median)", "paint_ms", measured, old),
        ["  the same run, main's ESM (ms, median)", measured["whole_paint_ms"], "-"],
        _row("  tree nodes drawn in it", "paint_nodes_drawn", measured, old),
        _row("  then scrolled to its bottom (ms, median)", "scroll_paint_ms", measured, old),
        _row("  tree nodes drawn after the scroll", "scroll_nodes_drawn", measured, old),
    ]
    kib = 1024
    most = max(measured["models_empty"], measured["models_videos"], measured["models_many"])
    goals = [
        Goal("widget models opened", "<= 5 whatever the jobs", _models(measured), most <= 5),
        Goal(f"widget state, {n} videos", "<= 100 KiB",
             f"{fmt(measured['state_bytes'] / kib, 1)} KiB", measured["state_bytes"] <= 100 * kib),
        Goal(f"quickstart saved with state, {n} videos", "<= 150 KiB",
             f"{fmt(measured['saved_bytes'] / kib, 1)} KiB", measured["saved_bytes"] <= 150 * kib),
        Goal(f"messages, {TRACKED[size]} jobs tracked", "<= 10/s mean, <= 50 busiest second",
             f"{fmt(measured['msgs_per_s'], 1)}/s, busiest {measured['msgs_peak_1s']}",
             measured["msgs_per_s"] <= 10 and measured["msgs_peak_1s"] <= 50),
        Goal(f"KiB/s, {TRACKED[size]} jobs tracked", "<= 10 KiB/s",
             f"{fmt(measured['kib_per_s'], 1)} "
             f"(whole lists: {fmt(measured['whole_kib_per_s'], 1)})",
             measured["kib_per_s"] <= 10 if size == "full" else None),
        Goal(f"first paint, {t}-node tree", "<= 200 ms",
             f"{fmt(measured['paint_ms'] or math.nan, 0)} ms "
             f"({measured['paint_nodes_drawn']} nodes drawn)",
             measured["paint_ms"] <= 200 if t == 500 else None),
    ]  # fmt: skip
    return Result(
        name=NAME,
        title=TITLE,
        headers=["measure", "this checkout", "old panel (6114e9d)"],
        rows=rows,
        goals=goals,
        data={"measured": measured, "baseline": old, "messages": both, "paint": paint},
        notes=[
            f"{time.perf_counter() - start:.0f} s; videos rendered {RENDER[size]} 1280x720 4 s",
            "old panel: benchmarks/baselines/view-6114e9d.json (same code, same machine)",
        ],
    )


def _models(m: dict[str, Any]) -> str:
    return f"{m['models_empty']} / {m['models_videos']} / {m['models_many']} (0 / videos / many)"
