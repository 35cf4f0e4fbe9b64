"""Live across people: a studio on a team library hears another person's work through
PostgreSQL's LISTEN/NOTIFY, not by looking at the table in a loop."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

from sora_notebook import Backend, Library, Studio
from sora_notebook.studio import watch
from sora_notebook.studio.polling import PollPolicy

WORKER = Path(__file__).with_name("live_worker.py")
NEVER = PollPolicy(min_interval=600, max_interval=600, first_delay=600, first_check=600)

pytestmark = pytest.mark.store


async def _line(proc: asyncio.subprocess.Process) -> str:
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), timeout=60)
    if not line:
        assert proc.stderr is not None
        raise AssertionError((await proc.stderr.read()).decode()[-3000:])
    return line.decode().strip()


async def until(check, seconds: float = 30.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not seen in time")


@pytest.mark.slow  # two processes, a video rendered: about 11 s
async def test_another_persons_job_progress_and_video_reach_a_studio_in_another_process(
    postgres, tmp_path, monkeypatch
):
    """Ben's studio (another process, its own emulator) generates; Ana's studio sees the
    new job, its progress and its saved video as events, with her watch's safety-net
    look an hour away: only notifications can have woken it."""
    monkeypatch.setattr(watch, "SAFETY_NET", 3600.0)
    url, media = postgres.database("live_two_processes"), tmp_path / "media"
    backend = Backend.emulator(render="draft")
    ana_lib = Library(url, media=media, person="ana")
    seen: list[tuple[str, str, int, bool]] = []
    shown: list[float] = []
    async with Studio(backend, library=ana_lib, poll=NEVER) as ana:

        def note(batch) -> None:
            for e in batch:
                has_video = ana_lib.media_path(e.job) is not None if e.job.media else False
                seen.append((e.kind, e.job.status, e.job.progress, has_video))
                if e.job.status == "in_progress":
                    shown.append(ana.progress(e.job).fraction)

        ana.subscribe(note)
        ben = await asyncio.create_subprocess_exec(
            sys.executable, str(WORKER), url, str(media), "ben",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            assert await _line(ben) == "ready"
            assert ben.stdin is not None
            ben.stdin.write(b"go\n")
            await ben.stdin.drain()
            key = json.loads(await _line(ben))["key"]
            assert json.loads(await _line(ben)) == {"done": key, "status": "completed"}
            await until(lambda: any(s[3] for s in seen))
        finally:
            if ben.returncode is None:
                ben.kill()
            await ben.wait()
        job = ana.get(key)
        assert job.person == "ben" and job.status == "completed"
        assert ana.media_path(job) is not None  # her view can play his video
    assert seen[0][0] == "added"
    progress = [p for kind, status, p, _ in seen if status == "in_progress"]
    assert progress and all(0 <= p < 100 for p in progress)
    assert any(0 < p < 100 for p in progress)  # a progress report, not just the start
    assert shown and all(0 <= f < 1 for f in shown)
    assert any(status == "completed" and video for _, status, _, video in seen)
    assert ana._watch.woken >= 3  # added, progress, completed: each woke the watch
    ana_lib.close()
    backend.app.state.emulator.close()


async def test_the_watch_hears_again_after_the_server_drops_its_listening_connection(
    postgres, tmp_path, monkeypatch
):
    """The server ends the listening connection (an admin's pg_terminate_backend, a
    restart): the store listens again by itself and the next change still wakes Ana."""
    monkeypatch.setattr(watch, "SAFETY_NET", 3600.0)
    url, media = postgres.database("live_dropped"), tmp_path / "media"
    backend = Backend.emulator(render="draft")
    ana_lib = Library(url, media=media, person="ana")
    heard: list[tuple[str, str]] = []
    async with Studio(backend, library=ana_lib, poll=NEVER) as ana:
        ana.subscribe(lambda batch: heard.extend((e.kind, e.job.key) for e in batch))
        with Library(url, media=media, person="admin", admin=True) as admin:

            def listening() -> list[int]:
                with admin.store.read() as db:
                    rows = db.execute(
                        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                        " AND query LIKE 'LISTEN %'"
                    ).fetchall()
                return [row[0] for row in rows]

            await until(lambda: len(listening()) == 1)  # Ana's one listening connection
            (first,) = listening()
            with admin.store.read() as db:
                db.execute("SELECT pg_terminate_backend(?)", (first,))
            await until(lambda: len(listening()) == 1 and listening() != [first])
            job = await asyncio.to_thread(admin.add_submission, backend="emulator", prompt="x")
            await until(lambda: ("added", job.key) in heard)
    ana_lib.close()
    backend.app.state.emulator.close()
