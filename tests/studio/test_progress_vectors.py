"""`studio/progress.py` against `tests/vectors/progress.json`, the numbers and words the
page's copy (`widgets/static/progress.js`, `tests/js/progress.test.js`) is held to too."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from sora_notebook.library import Job
from sora_notebook.protocol import Video
from sora_notebook.studio.progress import CEILING, MAX_STEP, Progress, ProgressBook, estimate

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "progress.json").read_text("utf-8"))
TOL = VECTORS["tolerance"]


def test_the_constants_are_the_pages():
    assert (VECTORS["ceiling"], VECTORS["max_step"]) == (CEILING, MAX_STEP)


@pytest.mark.parametrize("case", VECTORS["at"], ids=lambda c: f"{c['p']}@{c['t']}")
def test_at(case: dict[str, Any]):
    fraction, left, as_of = case["p"]
    assert Progress(fraction, left, "server", as_of).at(case["t"]) == pytest.approx(
        case["expect"], abs=TOL
    )


@pytest.mark.parametrize("case", VECTORS["estimate"], ids=lambda c: c["name"])
def test_estimate(case: dict[str, Any]):
    got = estimate(
        now=case["now"],
        started=case["started"],
        predicted=case["predicted"],
        reports=[tuple(r) for r in case["reports"]],
        zero_at=case["zero_at"],
    )
    fraction, left, overdue = case["expect"]
    assert got == (pytest.approx(fraction, abs=TOL), pytest.approx(left, abs=TOL), overdue)


def replay(run: dict[str, Any]) -> list[Progress]:
    """The run's server answers heard and its reads made, in time order."""
    now = [0.0]
    book = ProgressBook(lambda: now[0])
    start = run["reads"][0]
    job = Job(
        "k", "video_1", "emulator", "queued", 0, "a fox", "sora-2", "720x1280", run["seconds"],
        submitted_at=start, created_at=start, updated_at=start,
    )  # fmt: skip
    events = sorted([(t, 0, pct) for t, pct in run["answers"]] + [(t, 1, 0) for t in run["reads"]])
    read: list[Progress] = []
    for t, kind, pct in events:
        now[0] = t
        if kind == 1:
            read.append(book.of(job, run["history"]))
            continue
        status = "in_progress" if pct > 0 else "queued"
        body = {"id": "video_1", "status": status, "progress": pct, "created_at": int(start)}
        book.heard("k", t, Video.from_dict(body))
        job = Job(**{**job.__dict__, "status": status, "progress": pct, "updated_at": t})
    return read


@pytest.mark.parametrize("run", VECTORS["runs"], ids=lambda r: r["name"])
def test_runs_give_the_vectors_and_never_lie(run: dict[str, Any]):
    read = replay(run)
    for got, (fraction, left, as_of, basis) in zip(read, run["expect"], strict=True):
        assert got.fraction == pytest.approx(fraction, abs=TOL)
        assert got.seconds_left == pytest.approx(left, abs=TOL) and got.as_of == as_of
        assert got.source == basis
    for before, after in itertools.pairwise(read):
        assert after.fraction >= before.at(after.as_of) - 1e-9  # never back
        assert after.fraction - before.at(after.as_of) <= MAX_STEP + 1e-9  # no jump
    bases = [p.source for p in read]
    if run["history"] is None:
        assert "history" not in bases and bases[0] == "pace"  # no evidence claimed
    if "overdue" in bases:  # once past its estimate it says so until it ends
        assert set(bases[bases.index("overdue") :]) == {"overdue"}
