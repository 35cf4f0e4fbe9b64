"""Two processes, one library: how soon a studio sees a job another process completed.

A writer process (`python -m benchmarks.watch write ROOT N`) adds a job to the library and
records it completed, N times with gaps of 0.3-0.7 s, printing the wall time of each
completion. A studio in this process notes when an event saying that job is completed
reaches its subscribers (what `Studio.wait` and the view wake on); the lag is the
difference. Side by side: the same studio with its library watch stopped, which is how a
studio behaved before the watch (it learns of a job only through its own polling, and it
never polls a job another process submitted).
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._common import Goal, Result, fmt, median, quantile, run_async

NAME = "watch"
TITLE = "Two processes on one library: a completion written by the other, seen by a studio"
ROOT = Path(__file__).resolve().parent.parent
WRITES = {"smoke": 3, "full": 20}
#: How long after the last write a side may still see it.
WINDOW = {"smoke": 2.0, "full": 5.0}
GOAL_SECONDS = 2.0


def _write(root: str, n: int) -> None:
    """The other process: add and complete `n` jobs, printing when each completed."""
    from sora_notebook.library import Library
    from sora_notebook.protocol import Video

    rng = random.Random(7)
    with Library(root) as library:
        for i in range(n):
            time.sleep(rng.uniform(0.3, 0.7))
            key = library.add_submission(backend="other", prompt=f"written elsewhere {i}").key
            done = {"id": f"video_other_{i}", "object": "video", "status": "completed"}
            library.record_video(key, Video.from_dict(done))
            print(json.dumps({"key": key, "at": time.time()}), flush=True)


async def _side(watch: bool, size: str) -> dict[str, Any]:
    from sora_notebook.client.backend import Backend
    from sora_notebook.studio import Studio
    from sora_notebook.studio.polling import PollPolicy

    never = PollPolicy(min_interval=600, max_interval=600, first_delay=600, first_check=600)
    seen: dict[str, float] = {}
    writes: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-watch-") as tmp:
        root = Path(tmp) / "lib"
        backend = Backend.emulator(render="draft")
        studio = Studio(backend, library=root, poll=never)

        def note(batch: Any) -> None:
            for event in batch:
                if event.job.status == "completed":
                    seen.setdefault(event.job.key, time.time())

        studio.subscribe(note)
        studio.start()
        if not watch:
            await studio._watch.stop()
        writer = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "benchmarks.watch", "write", str(root), str(WRITES[size]),
            cwd=ROOT, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert writer.stdout is not None
        async for line in writer.stdout:
            writes.append(json.loads(line))
        await writer.wait()
        await asyncio.sleep(WINDOW[size])
        await studio.aclose()
        backend.app.state.emulator.close()
    lags = [seen[w["key"]] - w["at"] for w in writes if w["key"] in seen]
    return {"writes": len(writes), "seen": len(lags), "lags": lags}


def run(size: str = "full") -> Result:
    sides = {name: run_async(_side(name == "watch", size)) for name in ("watch", "no watch")}
    rows = []
    for name, side in sides.items():
        lags = side["lags"]
        rows.append(
            [
                "studio (library watch, every 0.5 s)" if name == "watch" else "studio, watch off",
                f"{side['seen']}/{side['writes']}",
                median(lags) if lags else "-",
                quantile(lags, 0.95) if lags else "-",
                max(lags) if lags else "-",
            ]
        )
    watched = sides["watch"]
    worst = max(watched["lags"]) if watched["lags"] else float("inf")
    goal = Goal(
        "a completion by another process seen within about 2 s",
        f"every one seen, the slowest <= {GOAL_SECONDS:g} s",
        f"{watched['seen']}/{watched['writes']} seen, slowest {fmt(worst)} s (watch off: "
        f"{sides['no watch']['seen']}/{sides['no watch']['writes']} seen within "
        f"{WINDOW[size]:g} s of the last write)",
        watched["seen"] == watched["writes"] and worst <= GOAL_SECONDS,
    )
    return Result(
        name=NAME,
        title=TITLE,
        headers=["side", "seen", "median lag s", "p95 lag s", "slowest s"],
        rows=rows,
        goals=[goal],
        data={"sides": sides, "window": WINDOW[size]},
    )


if __name__ == "__main__":
    if sys.argv[1] == "write":
        _write(sys.argv[2], int(sys.argv[3]))
