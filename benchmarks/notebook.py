"""Notebook weight: the quickstart after 10 generated videos, saved, against the same
videos shown with `IPython.display.Video(path, embed=True)`.

The studio (in-process emulator, full renders: real H.264/AAC MP4s) makes 10 videos from
10 prompts. Then the quickstart notebook (`notebooks/01-quickstart.ipynb` when present,
else a copy of its cells) is saved three ways with `nbformat`, its outputs stored as
Jupyter stores them: (a) the panel's output (widget view + static HTML fallback), as
JupyterLab saves it by default (no widget state); (b) the same plus the widget state
(`metadata.widgets`, JupyterLab's "save widget state" setting or `nbconvert --execute`);
(c) the display cell showing the 10 videos with `Video(embed=True)`.
"""

from __future__ import annotations

import asyncio
import copy
import tempfile
from pathlib import Path
from typing import Any

from benchmarks._common import Goal, Result, fmt, ratio

NAME = "notebook"
TITLE = "saved quickstart after 10 videos: panel output vs Video(embed=True)"
VIDEOS = {"smoke": 1, "full": 10}
RENDER = {"smoke": "draft", "full": "full"}
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


def _base_notebook() -> Any:
    import nbformat

    if QUICKSTART.exists():
        nb = nbformat.read(QUICKSTART, as_version=4)
    else:
        nb = nbformat.v4.new_notebook()
        nb.cells = [
            nbformat.v4.new_markdown_cell("# sora-notebook quickstart"),
            nbformat.v4.new_code_cell(
                "from sora_notebook.studio import Studio\n\nstudio = Studio()\nstudio"
            ),
        ]
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def _display_cell(nb: Any) -> Any:
    """The code cell that shows the studio (its last line is `studio` or `...panel()`)."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    for cell in code:
        last = cell.source.strip().splitlines()[-1] if cell.source.strip() else ""
        if last.strip() in ("studio", "studio.panel()", "panel"):
            return cell
    return code[-1]


async def _make_videos(root: Path, n: int, render: str) -> tuple[Any, list[Path]]:
    from sora_notebook.client.backend import Backend
    from sora_notebook.studio import Studio

    studio = Studio(Backend.emulator(speed=50.0, render=render), library=root / "sora_studio")
    jobs = await asyncio.gather(
        *(studio.generate(p, size="1280x720", seconds=4) for p in PROMPTS[:n])
    )
    paths = [studio.media_path(j) for j in jobs]
    return studio, [p for p in paths if p is not None]


def _save(nb: Any, path: Path) -> int:
    import nbformat

    nbformat.write(nb, path)
    return path.stat().st_size


def run(size: str = "full") -> Result:
    import ipywidgets as w
    import nbformat
    from IPython.core.formatters import format_display_data
    from IPython.display import Video

    from benchmarks.view import widget_tree
    from sora_notebook.studio.sync import close_thread_loop

    n = VIDEOS[size]
    with tempfile.TemporaryDirectory(prefix="bench-nb-") as tmp:
        root = Path(tmp)
        loop = asyncio.new_event_loop()
        studio = None
        try:
            studio, paths = loop.run_until_complete(_make_videos(root, n, RENDER[size]))
            panel = studio.panel()
            shown = panel._repr_mimebundle_()
            # anywidget (the studio view) answers a (data, metadata) pair
            bundle = dict(shown[0] if isinstance(shown, tuple) else shown)
            state = w.Widget.get_manager_state(drop_defaults=False, widgets=widget_tree(panel))
            panel.close()
        finally:
            if studio is not None:
                loop.run_until_complete(studio.aclose())
            loop.close()
            close_thread_loop()  # the view made outside a running loop ran its start there
        mp4_bytes = sum(p.stat().st_size for p in paths)

        nb = _base_notebook()
        cell = _display_cell(nb)
        cell.outputs = [nbformat.v4.new_output("display_data", data=bundle)]
        panel_size = _save(nb, root / "panel.ipynb")
        with_state = copy.deepcopy(nb)
        with_state.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": state}
        state_size = _save(with_state, root / "panel-state.ipynb")

        nb = _base_notebook()
        cell = _display_cell(nb)
        cell.source += "\n\nfrom IPython.display import Video, display\n"
        cell.source += (
            "for job in studio.jobs():\n    display(Video(studio.media_path(job), embed=True))"
        )
        outputs = []
        for path in paths:
            data, metadata = format_display_data(Video(str(path), embed=True))
            outputs.append(nbformat.v4.new_output("display_data", data=data, metadata=metadata))
        cell.outputs = outputs
        embed_size = _save(nb, root / "embed.ipynb")
        base_size = _save(_base_notebook(), root / "empty.ipynb")

    rows: list[list[Any]] = [
        ["quickstart, no outputs", base_size / 1024, ratio(base_size, embed_size)],
        [
            "panel output (JupyterLab default save)",
            panel_size / 1024,
            ratio(panel_size, embed_size),
        ],
        ["panel output + widget state", state_size / 1024, ratio(state_size, embed_size)],
        [f"{n} x Video(embed=True)", embed_size / 1024, 1.0],
        [f"(the {n} MP4 files on disk)", mp4_bytes / 1024, ratio(mp4_bytes, embed_size)],
    ]
    goals = [
        Goal(
            f"saved size after {n} videos against Video(embed=True)",
            "much smaller (no goal number in the issue)",
            f"{fmt(panel_size / 1024, 0)} KiB vs {fmt(embed_size / 1024, 0)} KiB "
            f"({fmt(ratio(panel_size, embed_size), 3)}x); with widget state "
            f"{fmt(state_size / 1024, 0)} KiB",
            None,
        )
    ]
    return Result(
        name=NAME,
        title=TITLE,
        headers=["saved notebook", "KiB", "vs Video(embed=True)"],
        rows=rows,
        goals=goals,
        data={
            "videos": n,
            "render": RENDER[size],
            "bytes": {
                "empty": base_size,
                "panel": panel_size,
                "panel_with_state": state_size,
                "video_embed": embed_size,
                "mp4_files": mp4_bytes,
            },
            "quickstart": str(QUICKSTART) if QUICKSTART.exists() else None,
        },
        notes=["base notebook: " + (QUICKSTART.name if QUICKSTART.exists() else "built-in copy")],
    )
