"""The view's pure JS helpers under `node --test` (tests/js/*.test.js), from pytest so
that `make test` runs them; a failure shows node's report."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

NODE = shutil.which("node")
HERE = Path(__file__).parent


@pytest.mark.skipif(NODE is None, reason="node is not installed (scripts/install-js-tools.sh)")
def test_node_unit_tests_pass():
    files = sorted(str(p) for p in HERE.glob("*.test.js"))
    assert files, f"no *.test.js in {HERE}"
    try:
        run = subprocess.run(
            [str(NODE), "--test", "--test-reporter=tap", *files],
            capture_output=True, text=True, timeout=60, cwd=HERE.parents[1],
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:  # a test left a timer or a handle open
        pytest.fail(f"node --test did not end within 60 s:\n{exc.stdout!r}")
    report = run.stdout + run.stderr
    assert run.returncode == 0, report
    assert "# fail 0" in report and "# pass 0" not in report, report
