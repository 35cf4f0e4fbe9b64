"""Render time of the emulator's clips against their length (not a test).

    .venv/bin/python benchmarks/bench_render.py [--modes full,draft] [--repeat 1]

Renders 4, 8 and 12 s clips at 720p and 1080p and prints wall time, the speed against
real time (goal: at least 4x for 720p full renders on 2 cores), the CPU time (all
threads; what limits how many jobs render side by side) and the MP4 size. Each row is
timed for today's renderer ("v5", the prompt-true picture) and, in the same run and on
the same prompts, the renderer before it ("v4", a frozen copy in `render_v4/`), so a
loaded machine slows both alike.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from benchmarks.render_v4 import look as v4_look
from benchmarks.render_v4 import render as v4_render
from sora_notebook.emulator import _render
from sora_notebook.emulator import look as v5_look

NAME = "render"
TITLE = "emulator render speed against real time (clip length), today's renderer beside v4"
#: Scenes that cost the renderer different things: an aerial zoom over snowfall, a racing
#: handheld shot in the rain, a still life (the encoder's easiest case).
PROMPTS = (
    "A red fox trots through a snowy forest at dawn, slow aerial pan",
    "racing cars on a city street in the rain at night, handheld",
    "a cup of coffee on a kitchen table, still life, static camera",
)
SIZES = {"720p": (1280, 720), "1080p": (1920, 1080)}
RENDERERS: dict[str, tuple[ModuleType, ModuleType]] = {
    "v5": (_render, v5_look),
    "v4": (v4_render, v4_look),
}


def bench(
    renderer: str, mode: str, size: str, seconds: int, prompt: str, repeat: int, folder: Path
) -> tuple[float, float, int]:
    """(best wall seconds, CPU seconds of that run across threads, MP4 bytes)."""
    render, look = RENDERERS[renderer]
    width, height = SIZES[size]
    best, cpu, nbytes = float("inf"), 0.0, 0
    for i in range(repeat):
        # A distinct prompt per run, so nothing is reused between runs.
        text = f"{prompt} (take {i})"
        spec = look.RenderSpec(width, height, (look.Segment(text, text, seconds),), mode=mode)
        out = folder / f"{renderer}-{mode}-{size}-{seconds}-{abs(hash(prompt))}-{i}"
        start, cpu_start = time.perf_counter(), time.process_time()
        render.render(spec, out)
        took = time.perf_counter() - start
        if took < best:
            best, cpu = took, time.process_time() - cpu_start
        nbytes = (out / "video.mp4").stat().st_size
    return best, cpu, nbytes


def measure(
    modes: list[str], sizes: list[str], seconds: list[int], repeat: int, prompts=PROMPTS
) -> list[dict[str, Any]]:
    """One row per (mode, size, clip length, prompt, renderer), v5 and v4 interleaved."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, (render, look) in RENDERERS.items():  # imports, fonts
            warm = look.RenderSpec(320, 180, (look.Segment("warm up", "warm up", 1),))
            render.render(warm, Path(tmp) / f"warm-{name}")
        for mode in modes:
            for size in sizes:
                for secs in seconds:
                    for p, prompt in enumerate(prompts):
                        for renderer in RENDERERS:
                            took, cpu, nbytes = bench(
                                renderer, mode, size, secs, prompt, repeat, Path(tmp)
                            )
                            rows.append(
                                {
                                    "renderer": renderer,
                                    "mode": mode,
                                    "size": size,
                                    "seconds": secs,
                                    "scene": p + 1,
                                    "render_s": took,
                                    "x_real_time": secs / took,
                                    "cpu_s": cpu,
                                    "mb": nbytes / 1e6,
                                }
                            )
    return rows


def _goal(rows: list[dict[str, Any]]) -> Any:
    from benchmarks._common import Goal, fmt

    def worst(renderer: str) -> float:
        speeds = [
            r["x_real_time"]
            for r in rows
            if (r["renderer"], r["mode"], r["size"]) == (renderer, "full", "720p")
        ]
        return min(speeds) if speeds else float("nan")

    new, old = worst("v5"), worst("v4")
    ran = new == new  # not NaN
    return Goal(
        "720p full renders against real time",
        f">= 4x on 2 cores (this machine: {os.cpu_count()} cores)",
        f"{fmt(new, 1)}x slowest clip (v4 in the same run: {fmt(old, 1)}x)" if ran else "not run",
        (new >= 4.0) if ran else None,
    )


def run(size: str = "full") -> Any:
    """The runner's entry point (`python -m benchmarks render`): a `Result`."""
    from benchmarks._common import Result

    if size == "smoke":
        rows = measure(["draft"], ["720p"], [4], 1, PROMPTS[:1])
    else:
        rows = measure(["full", "draft"], list(SIZES), [4, 8, 12], 1)
    keys = ("renderer", "mode", "size", "seconds", "scene", "render_s", "x_real_time")
    return Result(
        name=NAME,
        title=TITLE,
        headers=["renderer", "mode", "size", "clip s", "scene", "render s", "x", "CPU s", "MB"],
        rows=[[r[k] for k in (*keys, "cpu_s", "mb")] for r in rows],
        goals=[_goal(rows)],
        notes=[f"scene {i + 1}: {p}" for i, p in enumerate(PROMPTS)],
        data={"rows": rows},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", default="full,draft")
    parser.add_argument("--seconds", default="4,8,12")
    parser.add_argument("--sizes", default="720p,1080p")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}  (best of {args.repeat})")
    for i, p in enumerate(PROMPTS):
        print(f"scene {i + 1}: {p}")
    print(
        f"{'render':<6} {'mode':<6} {'size':<6} {'clip s':>6} {'scene':>5} {'render s':>9} "
        f"{'x real time':>12} {'CPU s':>6} {'MB':>6}"
    )
    seconds = [int(s) for s in args.seconds.split(",")]
    for r in measure(args.modes.split(","), args.sizes.split(","), seconds, args.repeat):
        print(
            f"{r['renderer']:<6} {r['mode']:<6} {r['size']:<6} {r['seconds']:>6} {r['scene']:>5} "
            f"{r['render_s']:>9.2f} {r['x_real_time']:>11.1f}x {r['cpu_s']:>6.2f} {r['mb']:>6.2f}"
        )


if __name__ == "__main__":
    main()
