"""A team on one library: ten people (processes) sending at once under one budget."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
from live_server import LiveServer

from sora_notebook import Backend, Library, Studio
from sora_notebook.emulator import create_app
from sora_notebook.library.ledger import BUDGET, DAILY_BUDGET
from sora_notebook.library.people import NotYours
from sora_notebook.protocol import Video
from sora_notebook.studio.polling import PollPolicy

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
        people = [f"p{n}" for n in range(10)]
        assert {j.person for j in jobs} <= set(people)
        assert sum(lib.billed_total(person=p) for p in people) == pytest.approx(8 * JOB_COST)
        assert lib.reserved() == 0
        left, budget, spent = lib.budget_state()
        assert budget == 3.2 and spent <= budget + 1e-9 and left == pytest.approx(0.0)


@pytest.mark.store
async def test_a_studio_refuses_to_delete_another_persons_job_before_the_server_does(
    postgres, tmp_path
):
    url = postgres.database("people_delete")
    app = create_app(speed=40, render="draft")
    with LiveServer(app) as server:
        backend = Backend.compatible(server.base_url, api_key="team-key")
        ana_lib = Library(url, media=tmp_path / "media", person="ana")
        ben_lib = Library(url, media=tmp_path / "media", person="ben")
        async with Studio(backend, library=ana_lib) as ana, Studio(backend, library=ben_lib) as ben:
            job = await ana.generate("ana's paper boat", seconds="4", size="720x1280")
            with pytest.raises(NotYours):
                await ben.delete(job.key)
            assert app.state.emulator.get(job.video_id) is not None  # still on the server
            assert ben.library.get(job.key).person == "ana"
            await ana.delete(job.key)
            assert app.state.emulator.get(job.video_id) is None
        ana_lib.close()
        ben_lib.close()


@pytest.mark.store
async def test_a_studio_hears_another_persons_new_and_finished_job_through_notify(
    postgres, tmp_path
):
    """Ben's writes reach Ana's studio as events (what her view and `wait` wake on),
    through PostgreSQL's notifications: nothing else moves her data_version."""
    url = postgres.database("people_live")
    never = PollPolicy(min_interval=600, max_interval=600, first_delay=600, first_check=600)
    backend = Backend.emulator(render="draft")
    ana_lib = Library(url, media=tmp_path / "media", person="ana")
    heard: dict[str, list[str]] = {}
    arrived = asyncio.Event()
    async with Studio(backend, library=ana_lib, poll=never) as ana:

        def note(batch) -> None:
            for event in batch:
                heard.setdefault(event.job.key, []).append(event.job.status)
                if event.job.status == "completed" and event.job.person == "ben":
                    arrived.set()

        ana.subscribe(note)
        ana.start()
        before = ana_lib.data_version()

        def ben_works() -> str:
            with Library(url, media=tmp_path / "media", person="ben") as ben:
                key = ben.add_submission(backend="emulator", prompt="ben's heron").key
                done = {"id": "video_heron", "object": "video", "status": "completed"}
                ben.record_video(key, Video.from_dict(done))
                return key

        key = await asyncio.to_thread(ben_works)
        await asyncio.wait_for(arrived.wait(), timeout=30)
        assert heard[key][-1] == "completed" and ana_lib.data_version() > before
    ana_lib.close()
    backend.app.state.emulator.close()
