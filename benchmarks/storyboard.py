"""Stitching a film: the time to stitch a 60-second film against real time, and the memory
it holds, side by side for x264's ultrafast and veryfast presets and with a crossfade.

The takes are the emulator's own renders (full mode, 1280x720, 24 fps, H.264 + AAC), four
distinct 4 s clips each used several times to make 60 s (every use is decoded again). Each
row stitches the same takes; "x real time" is the film's length over the wall time. The
memory column is the peak of Python's allocations (tracemalloc: numpy's frames, the
sound), against what a list of the film's full-size frames would hold.
"""

from __future__ import annotations

import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from benchmarks._common import Goal, Result, fmt

NAME = "storyboard"
TITLE = "Stitching a film with PyAV: seconds of film per second of wall time, and memory"
PROMPTS = (
    "A red fox trots through a snowy forest at dawn, slow aerial pan",
    "racing cars on a city street in the rain at night, handheld",
    "a cup of coffee on a kitchen table, still life, static camera",
    "waves break on a rocky shore at sunset, drone shot",
)
#: size -> (width, height, seconds per take, takes)
SIZES = {"smoke": (320, 180, 2, 2), "full": (1280, 720, 4, 15)}
#: name -> stitch arguments, in the order they run
VARIANTS = {
    "cuts, ultrafast": {"preset": "ultrafast"},
    "cuts, veryfast": {"preset": "veryfast"},
    "crossfade 0.5 s, veryfast": {"preset": "veryfast", "crossfade": 0.5},
}


def _takes(folder: Path, width: int, height: int, seconds: int, count: int) -> list[Path]:
    from sora_notebook.emulator import _render, look

    distinct = []
    for i, prompt in enumerate(PROMPTS[: min(count, len(PROMPTS))]):
        spec = look.RenderSpec(width, height, (look.Segment(prompt, prompt, seconds),))
        _render.render(spec, folder / f"take-{i}")
        distinct.append(folder / f"take-{i}" / "video.mp4")
    return [distinct[i % len(distinct)] for i in range(count)]


def measure(size: str) -> list[dict[str, Any]]:
    from sora_notebook.storyboard.stitch import stitch

    width, height, seconds, count = SIZES[size]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        takes = _takes(Path(tmp), width, height, seconds, count)
        for name, kwargs in VARIANTS.items():
            tracemalloc.start()
            start = time.perf_counter()
            film = stitch(takes, Path(tmp) / "film.mp4", **kwargs)
            took = time.perf_counter() - start
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            frames_bytes = film.frames * width * height * 3 // 2
            rows.append(
                {
                    "variant": name,
                    "film_s": film.seconds,
                    "wall_s": took,
                    "x_real_time": film.seconds / took,
                    "peak_mb": peak / 2**20,
                    "frame_list_mb": frames_bytes / 2**20,
                    "film_mb": film.path.stat().st_size / 2**20,
                }
            )
    return rows


def run(size: str = "full") -> Result:
    rows = measure(size)
    width, height, _, _ = SIZES[size]
    keys = ("variant", "film_s", "wall_s", "x_real_time", "peak_mb", "frame_list_mb", "film_mb")
    best = max(r["x_real_time"] for r in rows)
    return Result(
        name=NAME,
        title=TITLE,
        headers=["variant", "film s", "wall s", "x real time", "peak MB", "frames-list MB", "MB"],
        rows=[[r[k] for k in keys] for r in rows],
        goals=[
            Goal(
                name=f"a film stitched faster than it plays ({width}x{height})",
                target=">= 1x real time",
                value=f"{fmt(best)}x (best variant)",
                met=best >= 1 if size == "full" else None,
            ),
            Goal(
                name="frames streamed, not held",
                target="peak well under the frame list",
                value=f"{fmt(max(r['peak_mb'] for r in rows))} MB peak",
                met=all(r["peak_mb"] < r["frame_list_mb"] / 10 for r in rows)
                if size == "full"
                else None,
            ),
        ],
        notes=[f"takes rendered by the emulator from: {'; '.join(PROMPTS)}"],
        data={"rows": rows},
    )
