"""What keeping a storyboard costs: the library writes of one take (its slot written
before sending, the job's key once recorded, the round settled with the chosen take),
side by side with the job's own record (`add_submission` with the budget reserved), on
SQLite and on PostgreSQL, and the reads a resumed board makes (`open_round` per shot,
`get` of the whole board).

Times per operation in milliseconds over N takes of one shot each (one slot per round),
on a fresh library: a folder (SQLite, WAL) and a database on a throwaway PostgreSQL server
on 127.0.0.1 (Debian's, its default durability). The goal: a take's bookkeeping stays a
small share of what recording the job already costs, so crash safety is not what slows a
board down (its clips take seconds to minutes).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks._common import Goal, Result, fmt, median, quantile

NAME = "board_records"
TITLE = "Storyboard bookkeeping per take against the job's own record, SQLite vs PostgreSQL"
CALLS = {"smoke": 10, "full": 200}
OPS = ("add_submission (the job)", "begin (slot)", "fill (key)", "settle (chosen)", "open_round")


def _timings(lib: Any, n: int) -> dict[str, list[float]]:
    from sora_notebook.library.boards import ShotRecord
    from sora_notebook.library.ledger import BUDGET, Reservation

    lib.set_setting(BUDGET, 1e9)
    boards = lib.boards
    boards.save("bench", {"title": "bench", "shots": []}, takes=1, fit="crop")
    out: dict[str, list[float]] = {}

    def timed(name: str, call: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        value = call()
        out.setdefault(name, []).append((time.perf_counter() - start) * 1000)
        return value

    for i in range(n):
        shot = f"shot-{i}"
        (slot,) = timed("begin (slot)", lambda shot=shot: boards.begin("bench", shot, 1, None, 0.0))
        job = timed(
            "add_submission (the job)",
            lambda i=i: lib.add_submission(
                backend="emulator", prompt=f"a fox {i}", model="sora-2", cost=0.4,
                reserve=Reservation(0.4),
            ),
        )  # fmt: skip
        timed("fill (key)", lambda slot=slot, job=job: boards.fill(slot, job.key))
        timed("open_round", lambda shot=shot: boards.open_round("bench", shot))
        timed(
            "settle (chosen)",
            lambda shot=shot, job=job: boards.settle("bench", shot, 1, ShotRecord(chosen=job.key)),
        )
    for _ in range(max(3, n // 20)):
        timed(f"get (board of {n} shots)", lambda: boards.get("bench"))
    return out


def run(size: str = "full") -> Result:
    from sora_notebook.library import Library
    from sora_notebook.library.local_servers import LocalPostgres

    n = CALLS[size]
    with tempfile.TemporaryDirectory(prefix="bench-boards-") as tmp, LocalPostgres() as pg:
        with Library(Path(tmp) / "sqlite") as lib:
            sqlite_ms = _timings(lib, n)
        with Library(pg.database("bench_boards"), media=Path(tmp) / "pg-media") as lib:
            pg_ms = _timings(lib, n)
    rows = []
    for op in sqlite_ms:
        a, b = sqlite_ms[op], pg_ms[op]
        rows.append([op, median(a), quantile(a, 0.95), median(b), quantile(b, 0.95)])
    stores = (("sqlite", sqlite_ms), ("postgresql", pg_ms))
    per_take = {name: sum(median(ms[op]) for op in OPS[1:4]) for name, ms in stores}
    job = {"sqlite": median(sqlite_ms[OPS[0]]), "postgresql": median(pg_ms[OPS[0]])}
    share = max(per_take[k] / job[k] for k in job)
    return Result(
        name=NAME,
        title=TITLE,
        headers=["operation", "SQLite median ms", "SQLite p95 ms", "PG median ms", "PG p95 ms"],
        rows=rows,
        goals=[
            Goal(
                name="a take's bookkeeping (begin + fill + settle) against its job's record",
                target="<= 3x the job's own add_submission",
                value=f"SQLite {fmt(per_take['sqlite'])} ms vs {fmt(job['sqlite'])} ms; "
                f"PostgreSQL {fmt(per_take['postgresql'])} ms vs {fmt(job['postgresql'])} ms",
                met=share <= 3 if size == "full" else None,
            )
        ],
        notes=[f"{n} takes, one shot each; medians and 95th percentiles per call"],
        data={"sqlite_ms": sqlite_ms, "postgresql_ms": pg_ms},
    )
