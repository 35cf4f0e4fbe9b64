"""A library that already holds poison rows (imported by the code before imports were
checked) still reads, draws its tree and keeps its budget (reliability review 2: F14 and
F3 A "persists")."""

from __future__ import annotations

import json
import sqlite3

from sora_notebook.library import Library
from sora_notebook.library.ledger import BUDGET
from sora_notebook.library.lineage import build_tree


def test_poison_rows_read_as_unknown_and_reserve_nothing(tmp_path):
    root = tmp_path / "lib"
    with Library(root) as lib:
        good = lib.add_submission(backend="e", prompt="good")
        bad = lib.add_submission(backend="e", prompt="bad")
        lib.set_setting(BUDGET, 1.0)
    db = sqlite3.connect(root / "library.sqlite3")
    db.execute(
        "UPDATE jobs SET submitted_at = 'yesterday', media = ?, cost = -1000, "
        "status = 'in_progress' WHERE key = ?",
        (json.dumps([["video", "x"]]), bad.key),
    )
    db.commit()
    db.close()
    with Library(root) as lib:
        jobs = {j.key: j for j in lib.jobs()}
        assert jobs[bad.key].submitted_at == 0.0 and jobs[bad.key].media == {}
        assert set(build_tree(jobs.values()).nodes) == {good.key, bad.key}
        assert lib.reserved() == 0.0 and lib.budget_left() == 1.0
