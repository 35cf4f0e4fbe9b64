"""Import time of `sora_notebook` (and what the quickstart imports) against `openai`.

Each import runs in a fresh interpreter, several times, alternating between modules;
reported: the median wall time of `python -c "import X"` minus that of `python -c pass`,
and the median cumulative time `-X importtime` attributes to the top-level module.
"""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

from benchmarks._common import Goal, Result, fmt, median, ratio

NAME = "imports"
TITLE = "import time in a fresh interpreter: sora_notebook vs openai"
MODULES = ("sora_notebook", "sora_notebook.studio", "sora_notebook.widgets", "openai")
REPEAT = {"smoke": 1, "full": 7}


BARE = ""


def _once(module: str) -> tuple[float, float]:
    """(wall seconds, `-X importtime` cumulative seconds of the module; "" for none)."""
    code = f"import {module}" if module else "pass"
    start = time.perf_counter()
    done = subprocess.run(  # our own interpreter, fixed arguments
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    wall = time.perf_counter() - start
    cumulative = 0.0
    for line in done.stderr.splitlines():
        parts = [p.strip() for p in line.removeprefix("import time:").split("|")]
        if module and len(parts) == 3 and parts[2] == module:
            cumulative = int(parts[1]) / 1e6
    return wall, cumulative


def run(size: str = "full") -> Result:
    repeat = REPEAT[size]
    walls: dict[str, list[float]] = {m: [] for m in (BARE, *MODULES)}
    cumulative: dict[str, list[float]] = {m: [] for m in MODULES}
    for _ in range(repeat):
        for module in (BARE, *MODULES):
            wall, cum = _once(module)
            walls[module].append(wall)
            if module:
                cumulative[module].append(cum)
    bare = median(walls[BARE])
    wall_ms = {m: 1000 * (median(walls[m]) - bare) for m in MODULES}
    cum_ms = {m: 1000 * median(cumulative[m]) for m in MODULES}
    rows: list[list[Any]] = [
        [m, wall_ms[m], cum_ms[m], ratio(cum_ms[m], cum_ms["openai"])] for m in MODULES
    ]
    rows.append(["(bare interpreter)", 1000 * bare, "", ""])
    return Result(
        name=NAME,
        title=TITLE,
        headers=["module", "wall ms (minus bare)", "-X importtime ms", "vs openai"],
        rows=rows,
        goals=[
            Goal(
                "import sora_notebook against import openai",
                "no number in the issue (report)",
                f"{fmt(cum_ms['sora_notebook'], 0)} ms vs {fmt(cum_ms['openai'], 0)} ms "
                f"({fmt(ratio(cum_ms['sora_notebook'], cum_ms['openai']))}x)",
                None,
            )
        ],
        data={
            "repeat": repeat,
            "wall_ms": wall_ms,
            "importtime_ms": cum_ms,
            "bare_ms": 1000 * bare,
        },
        notes=[f"median of {repeat} fresh interpreters per module"],
    )
