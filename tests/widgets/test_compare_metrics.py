"""Compare's metrics rows say their unit and what they measure, from `judge.metrics.METRICS`
(their one home), so the view never shows a bare number."""

from __future__ import annotations

from sora_notebook.judge.metrics import METRICS
from sora_notebook.widgets.compare import metrics_table


def test_every_known_metric_row_carries_its_unit_and_meaning():
    table = metrics_table([{"brightness": 0.61, "loudness": -21.7}, {"brightness": 0.19}])
    rows = {r["name"]: r for r in table["rows"]}
    assert rows["brightness"]["unit"] == "luma" and rows["brightness"]["differs"]
    assert rows["brightness"]["meaning"] == "mean BT.601 luma (luma, 0-1)"
    assert rows["loudness"]["meaning"].startswith(METRICS["loudness"][2])
    assert rows["loudness"]["values"] == [-21.7, None]


def test_an_unknown_metric_has_no_made_up_unit():
    (row,) = metrics_table([{"aesthetic": 5.0}])["rows"]
    assert row["unit"] == "" and row["meaning"] == ""
