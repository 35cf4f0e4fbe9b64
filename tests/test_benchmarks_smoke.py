"""The benchmarks still run: every one at its smallest size, through the same code.

Not a timing test: nothing about speed is asserted, only that each benchmark finishes
and writes its results.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.__main__ import BENCHMARKS, main  # noqa: E402


@pytest.mark.slow  # about two minutes now that eleven benchmarks run (make test runs it)
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # openai: "the Sora API is shut down"
def test_every_benchmark_runs_at_its_smallest_size(tmp_path: Path) -> None:
    combined = main(["--smoke"], out=tmp_path)
    assert set(combined["results"]) == set(BENCHMARKS)
    for name, result in combined["results"].items():
        assert result["rows"], name
        saved = json.loads((tmp_path / f"{name}.json").read_text("utf-8"))
        assert saved["name"] == name
    assert json.loads((tmp_path / "combined.json").read_text("utf-8"))["size"] == "smoke"
