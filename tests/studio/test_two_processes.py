"""Two studios in two processes on one library see each other's changes within about
2 s (issue 12, point 6): the library is the truth, `PRAGMA data_version` the signal."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from live_server import LiveServer

from sora_notebook.client.backend import Backend
from sora_notebook.emulator import create_app
from sora_notebook.studio import Studio
from sora_notebook.studio.polling import PollPolicy

pytestmark = pytest.mark.slow  # a second Python process

SCRIPT = Path(__file__).with_name("other_studio_script.py")
#: This studio polls once in 10 minutes: whatever it sees sooner, the other one wrote.
NEVER = PollPolicy(min_interval=600, max_interval=600, first_delay=600, first_check=600)


@pytest.fixture
def served():
    app = create_app(speed=20, render="draft")
    with LiveServer(app) as server:
        yield server
    app.state.emulator.close()


async def test_a_studio_sees_what_another_process_finishes(served, tmp_path):
    root = tmp_path / "lib"
    backend = Backend.compatible(served.base_url, "sk-this")
    studio = Studio(backend, library=root, poll=NEVER)
    events: list[tuple[str, str, str]] = []
    studio.subscribe(lambda batch: events.extend((e.kind, e.job.key, e.job.status) for e in batch))
    mine = await studio.submit("made by this process", seconds=4)
    other = subprocess.Popen(
        [sys.executable, str(SCRIPT), str(root), served.base_url],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        # the other process polls this job to completion and saves its media
        done = await studio.wait(mine, timeout=60)
        lag_mine = time.time() - done.updated_at
        assert studio.media_path(done) is not None
        line = await _readline(other)
        assert line.startswith("done "), line
        theirs = line.split()[1]
        seen = await studio.wait(theirs, timeout=10)
        assert seen.status == "completed" and studio.media_path(seen) is not None
        assert other.wait(timeout=30) == 0
        assert {j.key for j in studio.history(as_frame=False)} == {mine.key, theirs}
    finally:
        if other.poll() is None:
            other.kill()
            other.wait()
        other.stdout.close()
        await studio.aclose()
    assert lag_mine < 3.0, f"saw the other process's write {lag_mine:.2f} s late"
    kinds = {(kind, key) for kind, key, _ in events}
    assert ("added", theirs) in kinds
    assert any(k == "updated" and key == mine.key and s == "completed" for k, key, s in events)
    assert studio.runner.requests <= 2  # this studio only sent its create (and a list)


async def _readline(proc: subprocess.Popen) -> str:
    import asyncio

    assert proc.stdout is not None
    return (await asyncio.to_thread(proc.stdout.readline)).strip()
