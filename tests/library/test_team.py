"""A team on one library: ten people (processes) sending at once under one budget."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from live_server import LiveServer

from sora_notebook.emulator import create_app
from sora_notebook.library.ledger import BUDGET, DAILY_BUDGET

from .conftest import Place

WORKER = Path(__file__).with_name("team_worker.py")
JOB_COST = 0.4  # team_worker: $0.10/s x 4 s


@pytest.mark.slow
def test_ten_people_twenty_jobs_each_never_overspend_lose_or_double_bill(place: Place):
    with place.open() as lib:
        lib.set_setting(BUDGET, 10.0)
        lib.set_setting(DAILY_BUDGET, 3.2)  # binds: eight jobs fit
    with LiveServer(create_app(speed=40, render="draft")) as server:
        procs = [
            subprocess.Popen(
                [sys.executable, str(WORKER), *place.args(), server.base_url, f"p{n}", "20"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for n in range(10)
        ]
        for proc in procs:
            assert proc.stdout.readline().strip() == "ready", proc.stderr.read()[-3000:]
        for proc in procs:  # go: all two hundred requests race for the last dollars
            proc.stdin.write("go\n")
            proc.stdin.flush()
        outcomes = []
        for proc in procs:
            out, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, err[-3000:]
            outcomes += json.loads(out.strip().splitlines()[-1])
    assert len(outcomes) == 200
    sent = [key for status, key in outcomes if status != "refused"]
    assert all(status in {"completed", "refused"} for status, _ in outcomes)
    assert len(sent) == 8  # the budget held exactly as many as fit, no more
    with place.open() as lib:
        jobs = lib.jobs()
        assert sorted(j.key for j in jobs) == sorted(sent)  # nothing lost, nothing extra
        for job in jobs:
            assert job.status == "completed" and job.billed == pytest.approx(JOB_COST)
            assert lib.media_path(job) is not None
        assert lib.billed_total() == pytest.approx(8 * JOB_COST)  # billed once each
        assert lib.reserved() == 0
        left, budget, spent = lib.budget_state()
        assert budget == 3.2 and spent <= budget + 1e-9 and left == pytest.approx(0.0)
