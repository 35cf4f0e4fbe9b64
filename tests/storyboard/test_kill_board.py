"""A studio process making a storyboard is SIGKILLed while shots are running against
the emulator; a new studio reopens the board by id and finishes it: every take sent
before the kill is tracked, none is sent (or billed) twice, and the film is made."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sora_notebook.client.backend import Backend
from sora_notebook.storyboard import Production
from sora_notebook.studio import Studio

from .board_kill_script import BOARD, TAKES
from .conftest import FAST_POLL

pytestmark = pytest.mark.slow

SCRIPT = Path(__file__).with_name("board_kill_script.py")


async def test_sigkill_mid_board_then_resume(served, place, tmp_path):
    server, emu = served
    proc = subprocess.Popen(
        [sys.executable, str(SCRIPT), *place.args(), server.base_url, "board-k"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        lines: list[str] = []
        while not lines or lines[-1] != "created":
            line = proc.stdout.readline()
            assert line, f"the board's process ended early: {lines}"
            lines.append(line.strip())
        time.sleep(0.5)  # the other chain goes on sending and polling
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()

    sent_before = emu.created
    assert sent_before >= 3
    with place.open() as lib:
        kept = lib.boards.get("board-k")
        unfilled = [s for s in kept.slots if s.key is None]
        assert unfilled, "the hung take's slot was never filled"
        assert len(lib.jobs()) >= sent_before  # each recorded before it was sent

    library = place.open()
    backend = Backend.compatible(server.base_url, api_key="sk-test")
    studio = Studio(backend, library, max_rps=1000.0, poll=FAST_POLL)
    try:
        made = Production.open(studio, "board-k")
        assert made.board == BOARD and made.takes == TAKES
        assert made.unmade(), "the kill left shots to make"
        await made.run()
        assert emu.created == len(BOARD.shots) * TAKES  # nothing sent twice
        jobs = studio.jobs()
        assert len(jobs) == emu.created and len({j.video_id for j in jobs}) == len(jobs)
        assert all(j.status == "completed" and j.has_video for j in jobs)
        takes = [k for s in BOARD.shots for k in made.state[s.id].takes]
        assert sorted(takes) == sorted(j.key for j in jobs)
        assert made.state["shot-2"].made_from == made.state["shot-1"].chosen
        assert made.stale() == [] and made.unmade() == []
        film = made.film()
        assert film.seconds == pytest.approx(12, abs=0.1)
        assert made.continuity().joins[0].ssim > made.continuity().joins[1].ssim
    finally:
        await studio.aclose()
        library.close()
    with place.open() as lib:  # and a third process sees it whole
        again = lib.boards.get("board-k")
        assert all(s.key for s in again.slots) and len(again.slots) == len(takes)
        assert [f.takes for f in lib.boards.films("board-k")] == [
            tuple(made.state[s.id].chosen for s in BOARD.shots)
        ]
