"""A team library: the library's read and write times on SQLite and PostgreSQL side by
side, and how soon another person's finished video reaches a studio (what its view and
`wait` wake on).

Times per operation: `add_submission` (a write with the budget reserved in the same
transaction), `record_video` (a write reading the old row), `get` (one row), `jobs()`
(every row) and `budget_state` (the budget's sums), each timed over N calls on a fresh
library: a folder (SQLite, WAL) and a database on a throwaway PostgreSQL server on
127.0.0.1 (Debian's, its default durability).

The second table: a writer process (another person) adds a job, records it completed
and saves its video, printing the wall time of each commit; a studio in this process
notes when the event announcing the new job, and the one saying it is completed with its
video readable, reach its subscribers (what its view and `wait` wake on). Side by side,
in one run: PostgreSQL waking the studio's library watch through LISTEN/NOTIFY (what a
team gets), the same watch looking every 0.5 s instead (what it did before), and SQLite
(`PRAGMA data_version`, looked at every 0.5 s).
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks._common import Goal, Result, fmt, median, quantile, run_async

NAME = "team"
TITLE = "Team library: SQLite vs PostgreSQL read/write, another person's video seen"
ROOT = Path(__file__).resolve().parent.parent
CALLS = {"smoke": 20, "full": 300}
WRITES = {"smoke": 3, "full": 15}
WINDOW = 3.0
GOAL_SECONDS = 1.0
VIDEO = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 2000  # 512 KiB


def _timings(lib: Any, n: int) -> dict[str, list[float]]:
    from sora_notebook.library.ledger import BUDGET, Reservation
    from sora_notebook.protocol import Video

    lib.set_setting(BUDGET, 1e9)
    out: dict[str, list[float]] = {}

    def timed(name: str, call: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        value = call()
        out.setdefault(name, []).append((time.perf_counter() - start) * 1000)
        return value

    keys = []
    for i in range(n):
        job = timed(
            "add_submission",
            lambda i=i: lib.add_submission(
                backend="emulator", prompt=f"a fox {i}", model="sora-2", cost=0.4,
                reserve=Reservation(0.4),
            ),
        )  # fmt: skip
        keys.append(job.key)
    for i, key in enumerate(keys):
        video = Video.from_dict({"id": f"video_{i}", "status": "completed", "object": "video"})
        timed("record_video", lambda key=key, video=video: lib.record_video(key, video))
    for key in keys:
        timed("get", lambda key=key: lib.get(key))
    for _ in range(max(3, n // 20)):
        timed(f"jobs() ({n} rows)", lib.jobs)
    for _ in range(n):
        timed("budget_state", lib.budget_state)
    return out


def _write(location: str, media: str, n: int) -> None:
    """Another person: add, complete and save `n` videos, printing when each is saved."""
    from sora_notebook.library import Library
    from sora_notebook.protocol import Video

    rng = random.Random(7)
    with Library(location, media=media or None, person="ben") as library:
        for i in range(n):
            time.sleep(rng.uniform(0.3, 0.7))
            key = library.add_submission(backend="emulator", prompt=f"ben's heron {i}").key
            added = time.time()
            time.sleep(0.2)
            running = {"id": f"video_heron_{i}", "object": "video", "status": "in_progress"}
            library.record_video(key, Video.from_dict({**running, "progress": 50}))
            progressed = time.time()
            time.sleep(0.2)
            done = {"id": f"video_heron_{i}", "object": "video", "status": "completed"}
            library.record_video(key, Video.from_dict(done))
            library.save_media(key, "video", VIDEO + str(i).encode())
            at = time.time()
            print(json.dumps({"key": key, "added": added, "progress": progressed, "at": at}))
            sys.stdout.flush()


async def _seen(location: str, media: str | None, size: str, *, listen: bool) -> dict[str, Any]:
    from sora_notebook.client.backend import Backend
    from sora_notebook.library import Library
    from sora_notebook.studio import Studio
    from sora_notebook.studio.polling import PollPolicy
    from sora_notebook.studio.watch import LibraryWatch

    never = PollPolicy(min_interval=600, max_interval=600, first_delay=600, first_check=600)
    added: dict[str, float] = {}
    progressed: dict[str, float] = {}
    seen: dict[str, float] = {}
    writes: list[dict[str, Any]] = []
    library = Library(location, media=media, person="ana")
    backend = Backend.emulator(render="draft")
    studio = Studio(backend, library=library, poll=never)
    if not listen:  # the watch as it was: a look every 0.5 s, notifications unheard
        await studio._watch.stop()
        studio._watch = LibraryWatch(library, studio._on_foreign_change, listen=False)
        studio._watch.start()

    def note(batch: Any) -> None:
        now = time.time()
        for event in batch:
            job = event.job
            added.setdefault(job.key, now)
            if job.status == "in_progress" and job.progress == 50:
                progressed.setdefault(job.key, now)
            fresh = job.status == "completed" and job.key not in seen and job.has_video
            if fresh and library.media_path(job) is not None:
                seen[job.key] = now

    studio.subscribe(note)
    studio.start()
    writer = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.team", "write", location, media or "",
        str(WRITES[size]), cwd=ROOT, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert writer.stdout is not None
    async for line in writer.stdout:
        writes.append(json.loads(line))
    await writer.wait()
    await asyncio.sleep(WINDOW)
    woken = studio._watch.woken
    await studio.aclose()
    library.close()
    backend.app.state.emulator.close()
    lags = [seen[w["key"]] - w["at"] for w in writes if w["key"] in seen]
    new = [added[w["key"]] - w["added"] for w in writes if w["key"] in added]
    mid = [progressed[w["key"]] - w["progress"] for w in writes if w["key"] in progressed]
    return {
        "writes": len(writes), "seen": len(lags), "lags": lags, "new": new, "progress": mid,
        "woken": woken,
    }  # fmt: skip


def run(size: str = "full") -> Result:
    from sora_notebook.library import Library
    from sora_notebook.library.local_servers import LocalPostgres

    n = CALLS[size]
    with tempfile.TemporaryDirectory(prefix="bench-team-") as tmp, LocalPostgres() as pg:
        with Library(Path(tmp) / "sqlite") as lib:
            sqlite_ms = _timings(lib, n)
        with Library(pg.database("bench_ops"), media=Path(tmp) / "pg-media") as lib:
            pg_ms = _timings(lib, n)
        seen = {
            "PostgreSQL, woken by LISTEN/NOTIFY": run_async(
                _seen(pg.database("bench_seen"), str(Path(tmp) / "pg-seen"), size, listen=True)
            ),
            "PostgreSQL, a look every 0.5 s": run_async(
                _seen(pg.database("bench_poll"), str(Path(tmp) / "pg-poll"), size, listen=False)
            ),
            "SQLite, a look every 0.5 s": run_async(
                _seen(str(Path(tmp) / "seen"), None, size, listen=True)
            ),
        }
    rows: list[list[Any]] = []
    for op in sqlite_ms:
        a, b = sqlite_ms[op], pg_ms[op]
        rows.append(
            [op, fmt(median(a), 3), fmt(quantile(a, 0.95), 3), fmt(median(b), 3),
             fmt(quantile(b, 0.95), 3), fmt(median(b) / median(a), 1)]
        )  # fmt: skip
    measured = (("new job", "new"), ("progress", "progress"), ("finished video", "lags"))
    for side_name, side in seen.items():
        for what, field in measured:
            lags = side[field]
            rows.append(
                [f"another person's {what} seen: {side_name}", f"{len(lags)}/{side['writes']} seen",
                 "", fmt(median(lags) * 1000, 0) if lags else "-",
                 fmt(max(lags) * 1000, 0) if lags else "-", "ms (median, slowest)"]
            )  # fmt: skip
    team = seen["PostgreSQL, woken by LISTEN/NOTIFY"]
    worst = max(team["lags"]) if team["lags"] else float("inf")
    goal = Goal(
        "another person's finished video reaches a studio within a second",
        f"every one seen, the slowest <= {GOAL_SECONDS:g} s",
        f"{team['seen']}/{team['writes']} seen, slowest {fmt(worst)} s",
        team["seen"] == team["writes"] and worst <= GOAL_SECONDS,
    )
    return Result(
        name=NAME,
        title=TITLE,
        headers=["operation", "SQLite ms", "p95", "PostgreSQL ms", "p95", "PG / SQLite"],
        rows=rows,
        goals=[goal],
        data={"calls": n, "sqlite_ms": sqlite_ms, "postgresql_ms": pg_ms, "seen": seen},
        notes=[
            f"{n} calls per operation; PostgreSQL on 127.0.0.1 with its default fsync",
            "a studio's events are coalesced for 0.1 s (EventHub), in every lag above",
        ],
    )


if __name__ == "__main__":
    if sys.argv[1] == "write":
        _write(sys.argv[2], sys.argv[3], int(sys.argv[4]))
