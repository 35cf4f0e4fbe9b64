"""Two processes sharing one library; a process killed mid-write."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import Place, new_place
from .writer_script import payload

pytestmark = pytest.mark.slow

SCRIPT = Path(__file__).with_name("writer_script.py")


def spawn(place: Place, tag: str, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(SCRIPT), *place.args(), tag, str(count)],
        stdout=subprocess.PIPE,
        text=True,
    )


def test_two_processes_write_one_library(place):
    procs = [spawn(place, tag, 40) for tag in ("alpha", "beta")]
    for proc in procs:
        assert proc.wait(timeout=120) == 0
        proc.stdout.close()
    with place.open() as lib:
        jobs = lib.jobs()
        assert len(jobs) == 80
        assert {j.video_id for j in jobs} == {
            f"{t}_{i}" for t in ("alpha", "beta") for i in range(40)
        }
        for job in jobs:
            tag, i = job.video_id.split("_")
            assert job.sha256 == hashlib.sha256(payload(tag, int(i))).hexdigest()
            assert hashlib.sha256(lib.media_path(job).read_bytes()).hexdigest() == job.sha256
        assert lib.check() == "ok"


def test_kill_mid_write_leaves_consistent_library(place):
    proc = spawn(place, "k", 0)
    assert proc.stdout.readline().strip() == "ready"
    with place.open() as watcher:
        deadline = time.monotonic() + 60
        while len(watcher.jobs()) < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    with place.open() as lib:  # opening sweeps the dead process's temp files
        assert lib.check() == "ok"
        assert not list((lib.media_dir / ".tmp").glob("*"))
        jobs = lib.jobs()
        assert len(jobs) >= 5
        for job in jobs:
            if job.video_id is None:  # killed between recording the submission and its id
                assert job.status == "pending" and not job.media
                continue
            if job.sha256 is not None:
                assert hashlib.sha256(lib.media_path(job).read_bytes()).hexdigest() == job.sha256
        # Every file in place is complete, recorded or not (rename is atomic).
        for path in lib.media_dir.glob("k_*.mp4"):
            i = int(path.name.split(".")[0].split("_")[1])
            assert path.read_bytes() == payload("k", i)


def test_processes_creating_one_library_at_once(place, tmp_path, request):
    for round_ in range(3):
        fresh = new_place(place.kind, tmp_path / f"fresh{round_}", request)
        location, media, cache = (w or None for w in fresh.args())
        code = (
            "from sora_notebook.library import Library; "
            f"Library({location!r}, media={media!r}, cache={cache!r}).close()"
        )
        procs = [
            subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True)
            for _ in range(3)
        ]
        for proc in procs:
            _, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err
        with fresh.open() as lib:
            assert lib.check() == "ok" and lib.jobs() == []
