"""What compare shows about 2-4 jobs, computed in Python: prompt word diffs against the
first job and a parameter table whose `differs` rows the page highlights. Metrics rows
and the per-frame difference strip are added by the view when the judge computes them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sora_notebook.judge.metrics import METRICS
from sora_notebook.library import Job
from sora_notebook.widgets.diff import extra_params, param_table, word_diff
from sora_notebook.widgets.state import job_params

__all__ = ["LETTERS", "compare_state", "metrics_table"]

LETTERS = "ABCD"


def _money(value: float | None) -> str:
    return "" if value is None else f"${value:,.2f}"


def _took(job: Job) -> str:
    """Seconds from sending to finished, as a person reads it ("" while unknown)."""
    if job.completed_at is None or not job.submitted_at:
        return ""
    return f"{max(0.0, job.completed_at - job.submitted_at):.0f} s"


def compare_state(jobs: Sequence[Job], targets: Sequence[str] = ()) -> dict[str, Any]:
    """`{keys, letters, prompts: [[[text, flag]]], table: {columns, rows}}` for 2-4 jobs;
    `targets`: each job's `"backend:model"` (a row of its own when given)."""
    jobs = list(jobs)[:4]
    if len(jobs) < 2:
        return {}
    base = jobs[0].prompt
    params = [job_params(j) for j in jobs]
    billed = [j.billed for j in jobs]
    rows: list[tuple[str, list[Any]]] = [
        *([("target", list(targets)[:4])] if targets else []),
        ("model", [j.model for j in jobs]),
        ("size", [j.size for j in jobs]),
        ("seconds", [j.seconds for j in jobs]),
        ("status", [j.status for j in jobs]),
        ("from", [j.edge_kind or "new" for j in jobs]),
        ("billed", ["not billed" if b == 0 else _money(b) for b in billed]),
        ("took", [_took(j) for j in jobs]),
        ("rating", [j.rating for j in jobs]),
    ]
    rows += [(name, [p.get(name) for p in params]) for name in extra_params(params)]
    letters = list(LETTERS[: len(jobs)])
    return {
        "keys": [j.key for j in jobs],
        "letters": letters,
        "prompts": [word_diff(base, j.prompt) for j in jobs],
        "table": param_table(letters, rows),
    }


def _spark(curve: Sequence[float], points: int = 48) -> list[float]:
    """A curve cut to at most `points` means (enough for a sparkline), 3 decimals."""
    values = [float(v) for v in curve]
    if len(values) > points:
        step = len(values) / points
        values = [
            sum(chunk) / len(chunk)
            for i in range(points)
            if (chunk := values[round(i * step) : round((i + 1) * step)] or values[-1:])
        ]
    return [round(v, 3) for v in values]


def metrics_table(
    values: Sequence[Mapping[str, float] | None],
) -> dict[str, Any]:
    """Rows `{name, values, differs, curves, unit, meaning}` from each job's metrics (None:
    not measured); units and meanings from `judge.metrics.METRICS`, their one home."""
    names: list[str] = []
    for metric in values:
        names += [n for n in (metric or {}) if n not in names]
    rows = []
    for name in names:
        cells = [None if m is None or name not in m else round(float(m[name]), 4) for m in values]
        curves = [_spark(getattr(m, "curves", {}).get(name, [])) if m else [] for m in values]
        shown = {c for c in cells if c is not None}
        unit, scale, meaning = METRICS.get(name, ("", "", ""))
        rows.append(
            {
                "name": name,
                "values": cells,
                "differs": len(shown) > 1,
                "curves": curves,
                "unit": unit,
                "meaning": f"{meaning} ({unit}, {scale})" if unit else meaning,
            }
        )
    return {"rows": rows}
