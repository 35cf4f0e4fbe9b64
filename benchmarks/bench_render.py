"""Render time of the emulator's clips against their length (not a test).

    .venv/bin/python benchmarks/bench_render.py [--modes full,draft] [--repeat 1]

Renders 4, 8 and 12 s clips at 720p and 1080p and prints wall time, the speed against
real time (goal: at least 4x for 720p full renders on 2 cores), the CPU time (all
threads; what limits how many jobs render side by side) and the MP4 size.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from sora_notebook.emulator import _render
from sora_notebook.emulator.look import RenderSpec, Segment

NAME = "render"
TITLE = "emulator render speed against real time (clip length)"
PROMPT = "A red fox trots through a snowy forest at dawn, slow aerial pan"
SIZES = {"720p": (1280, 720), "1080p": (1920, 1080)}


def bench(
    mode: str, size: str, seconds: int, repeat: int, folder: Path
) -> tuple[float, float, int]:
    """(best wall seconds, CPU seconds of that run across threads, MP4 bytes)."""
    width, height = SIZES[size]
    best, cpu, nbytes = float("inf"), 0.0, 0
    for i in range(repeat):
        # A distinct prompt per run, so nothing is reused between runs.
        prompt = f"{PROMPT} (take {i})"
        spec = RenderSpec(width, height, (Segment(prompt, prompt, seconds),), mode=mode)
        out = folder / f"{mode}-{size}-{seconds}-{i}"
        start, cpu_start = time.perf_counter(), time.process_time()
        _render.render(spec, out)
        took = time.perf_counter() - start
        if took < best:
            best, cpu = took, time.process_time() - cpu_start
        nbytes = (out / "video.mp4").stat().st_size
    return best, cpu, nbytes


def measure(
    modes: list[str], sizes: list[str], seconds: list[int], repeat: int
) -> list[dict[str, Any]]:
    """One row per (mode, size, clip length): best wall time, x real time, CPU, MP4 MB."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        warm = RenderSpec(320, 180, (Segment("warm up", "warm up", 1),))
        _render.render(warm, Path(tmp) / "warm")  # imports, fonts
        for mode in modes:
            for size in sizes:
                for secs in seconds:
                    took, cpu, nbytes = bench(mode, size, secs, repeat, Path(tmp))
                    rows.append(
                        {
                            "mode": mode,
                            "size": size,
                            "seconds": secs,
                            "render_s": took,
                            "x_real_time": secs / took,
                            "cpu_s": cpu,
                            "mb": nbytes / 1e6,
                        }
                    )
    return rows


def run(size: str = "full") -> Any:
    """The runner's entry point (`python -m benchmarks render`): a `Result`."""
    from benchmarks._common import Goal, Result, fmt

    if size == "smoke":
        rows = measure(["draft"], ["720p"], [4], 1)
    else:
        rows = measure(["full", "draft"], list(SIZES), [4, 8, 12], 1)
    full720 = [r["x_real_time"] for r in rows if r["mode"] == "full" and r["size"] == "720p"]
    worst = min(full720) if full720 else float("nan")
    goal = Goal(
        "720p full renders against real time",
        f">= 4x on 2 cores (this machine: {os.cpu_count()} cores)",
        f"{fmt(worst, 1)}x (slowest clip)" if full720 else "not run",
        (worst >= 4.0) if full720 else None,
    )
    return Result(
        name=NAME,
        title=TITLE,
        headers=["mode", "size", "clip s", "render s", "x real time", "CPU s", "MB"],
        rows=[
            [
                r["mode"],
                r["size"],
                r["seconds"],
                r["render_s"],
                r["x_real_time"],
                r["cpu_s"],
                r["mb"],
            ]
            for r in rows
        ],
        goals=[goal],
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
    print(
        f"{'mode':<6} {'size':<6} {'clip s':>6} {'render s':>9} {'x real time':>12} "
        f"{'CPU s':>6} {'MB':>6}"
    )
    seconds = [int(s) for s in args.seconds.split(",")]
    for r in measure(args.modes.split(","), args.sizes.split(","), seconds, args.repeat):
        print(
            f"{r['mode']:<6} {r['size']:<6} {r['seconds']:>6} {r['render_s']:>9.2f} "
            f"{r['x_real_time']:>11.1f}x {r['cpu_s']:>6.2f} {r['mb']:>6.2f}"
        )


if __name__ == "__main__":
    main()
