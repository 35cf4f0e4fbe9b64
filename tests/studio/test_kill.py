"""A studio process SIGKILLed mid-submit, mid-poll and mid-download; a new studio on
the same library finishes the job: no job lost, none duplicated, no partial file."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from live_server import LiveServer

from sora_notebook.client.backend import Backend
from sora_notebook.emulator import create_app
from sora_notebook.library import Library

pytestmark = pytest.mark.slow

SCRIPT = Path(__file__).with_name("kill_script.py")


def leftovers(root: Path) -> list[Path]:
    media = root / "media"
    return [*(media / ".tmp").glob("*"), *media.rglob("*.partial")]


@pytest.mark.parametrize("mode", ["submit", "poll", "download"])
async def test_sigkill_then_resume(served, tmp_path, mode, make_studio):
    server, emu = served
    root = tmp_path / "lib"
    proc = subprocess.Popen(
        [sys.executable, str(SCRIPT), str(root), server.base_url, mode],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        marker = {"submit": "created", "poll": "submitted", "download": "partial"}[mode]
        lines = []
        while not lines or not lines[-1].startswith(marker):
            line = proc.stdout.readline()
            assert line, f"the studio process ended early: {lines}"
            lines.append(line.strip())
        if mode == "poll":
            time.sleep(0.3)  # a few polls go by
        if mode == "download":
            assert leftovers(root), "a partial download should be on disk at the kill"
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
    assert emu.created == 1
    with Library(root) as lib:
        (before,) = lib.jobs()
    expected = {
        "submit": {"pending"},
        "poll": {"queued", "in_progress"},
        "download": {"completed"},
    }[mode]
    assert before.status in expected
    assert not before.has_video

    studio = make_studio(Backend.compatible(server.base_url, api_key="sk-test"), root)
    done = await studio.wait(before.key, timeout=60)
    assert done.status == "completed" and done.has_video
    assert emu.created == 1 and len(studio.jobs()) == 1
    assert done.sha256 == emu.media_sha256(done.video_id)
    assert leftovers(root) == [] and studio.library.check() == "ok"


def test_two_studio_processes_share_one_library(served, tmp_path):
    server, emu = served
    root = tmp_path / "shared"
    procs = [
        subprocess.Popen(
            [sys.executable, str(SCRIPT), str(root), server.base_url, "batch"],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        for proc in procs:
            out, _ = proc.communicate(timeout=120)
            assert proc.returncode == 0 and out.strip().endswith("finished")
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert emu.created == 10
    with Library(root) as lib:
        jobs = lib.jobs()
        assert len(jobs) == 10 and len({j.video_id for j in jobs}) == 10
        assert all(j.status == "completed" and j.has_video for j in jobs)
        assert all(j.sha256 == emu.media_sha256(j.video_id) for j in jobs)
        assert lib.check() == "ok" and leftovers(root) == []


async def test_sigkill_mid_fan_out_then_resume(served, tmp_path, make_studio):
    """Killed while a fan-out is being sent: server a answered, server b made its job but
    its answer never arrived. A new studio with both backends finds both jobs (b's by its
    job list), sends nothing twice and bills each once."""
    (server_a, emu_a), root = served, tmp_path / "lib"
    app_b = create_app(speed=20, render="draft")
    emu_b = app_b.state.emulator
    with LiveServer(app_b) as server_b:
        proc = subprocess.Popen(
            [
                sys.executable,
                str(SCRIPT),
                str(root),
                server_a.base_url,
                "fanout",
                server_b.base_url,
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            line = proc.stdout.readline().strip()
            assert line == "created", line
            proc.send_signal(signal.SIGKILL)
            assert proc.wait(timeout=30) == -signal.SIGKILL
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()
        with Library(root) as lib:
            sent = {j.backend_url: j for j in lib.jobs()}
        assert sent[server_b.base_url].status == "pending"  # its answer was lost
        backends = {
            "a": Backend.compatible(server_a.base_url, api_key="sk-a"),
            "b": Backend.compatible(server_b.base_url, api_key="sk-b"),
        }
        studio = make_studio(backends, root)
        done = [await studio.wait(job.key, timeout=60) for job in sent.values()]
        assert [j.status for j in done] == ["completed", "completed"]
        assert emu_a.created == 1 and emu_b.created == 1  # nothing sent twice
        assert [j.billed for j in done] == [j.cost for j in sent.values()]
        assert studio.spend.total == pytest.approx(sum(j.cost for j in sent.values()))
    emu_b.close()
