"""The tracker on a fake clock with a scripted client: one task, lists, hints, rate cap."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from fakes import ManualTime

from sora_notebook.client import Backend
from sora_notebook.library import Library
from sora_notebook.protocol import Video
from sora_notebook.studio import Studio
from sora_notebook.studio.polling import PollPolicy

from .conftest import FakeTime
from .fake_client import FakeClient, FakeJob

POLICY = PollPolicy(min_interval=1.0, max_interval=20.0, first_delay=1.0)
#: The create's answer is a job's first look, so its first poll comes 2 * first_delay later.
FIRST_POLL = 2 * POLICY.first_delay


def fake_backend(**quirks):
    return Backend(name="fake", base_url="http://fake.test/v1", label="Fake", **quirks)


@pytest.fixture
async def rig(tmp_path):
    """(studio factory, fake time); studios closed after."""
    time = FakeTime(real=0.0005)
    made = []

    def make(client=None, root=None, backend=None, **kw):
        kw.setdefault("max_rps", 1000.0)
        kw.setdefault("poll", POLICY)
        backend = backend or fake_backend()
        client = client or FakeClient(time.clock, backend=backend)
        studio = Studio(
            backend,
            root or tmp_path / "lib",
            client=client,
            clock=time.clock,
            sleep=time.sleep,
            coalesce=0.0,
            **kw,
        )
        made.append(studio)
        return studio

    yield make, time
    for studio in made:
        await studio.aclose()


async def test_one_task_tracks_every_job(rig):
    make, _time = rig
    studio = make()
    jobs = [await studio.submit(f"prompt {i}") for i in range(30)]
    trackers = [t for t in asyncio.all_tasks() if t.get_name() == "sora-notebook-tracker"]
    assert len(trackers) == 1
    done = [await studio.wait(j) for j in jobs]
    assert all(j.status == "completed" and j.has_video for j in done)


async def test_one_list_request_refreshes_many_jobs(rig):
    make, time = rig
    client = FakeClient(time.clock, duration=60)
    studio = make(client)
    jobs = [await studio.submit(f"prompt {i}") for i in range(20)]
    for job in jobs:
        await studio.wait(job)
    assert client.calls["list"] >= 1
    # polling 20 jobs one GET at a time would take at least 20 requests per round
    assert client.calls["retrieve"] < 20
    polls = client.calls["list"] + client.calls["retrieve"]
    assert polls / len(jobs) < 1.0


async def test_without_list_each_job_is_retrieved(rig):
    make, time = rig
    backend = fake_backend(supports_list=False)
    client = FakeClient(time.clock, duration=30)
    studio = make(client, backend=backend)
    jobs = [await studio.submit(f"p{i}") for i in range(4)]
    for job in jobs:
        await studio.wait(job)
    assert client.calls["list"] == 0
    assert set(client.retrieve_times) == {j.video_id for j in jobs}


async def test_server_poll_hint_is_honoured(rig):
    make, time = rig
    client = FakeClient(time.clock, duration=60, hint=15.0)
    studio = make(client)
    job = await studio.generate("one job")
    stamps = client.retrieve_times[job.video_id]
    assert len(stamps) >= 2
    assert all(b - a >= 15.0 - 1e-6 for a, b in itertools.pairwise(stamps))


async def test_learned_durations_make_early_polls_sparse(rig, tmp_path):
    make, time = rig
    # history: jobs like this one took 120 s
    with Library(tmp_path / "lib", clock=time.clock) as lib:
        for i in range(3):
            key = lib.add_submission(
                backend="fake",
                backend_url="http://fake.test/v1",
                prompt="old",
                model="sora-2",
                size="720x1280",
                seconds="4",
            ).key
            lib.record_video(
                key,
                Video.from_dict(
                    {
                        "id": f"old_{i}",
                        "status": "completed",
                        "created_at": 1000,
                        "completed_at": 1120,
                    }
                ),
            )
    client = FakeClient(time.clock, duration=120)
    studio = make(client)
    job = await studio.submit("new", model="sora-2", size="720x1280", seconds=4)
    await studio.wait(job)
    stamps = [t - job.created_at for t in client.retrieve_times[job.video_id]]
    # one early check (a job the server fails at once is known within 2 s), then sparse:
    # nothing is expected soon
    assert stamps[0] == pytest.approx(2.0) and stamps[1] - stamps[0] >= 19.0
    assert sum(1 for t in stamps if t >= 100) >= sum(1 for t in stamps if t < 100)
    assert len(stamps) <= 12


async def test_requests_per_second_are_capped(rig):
    make, time = rig
    backend = fake_backend(supports_list=False)
    client = FakeClient(time.clock, duration=5)
    studio = make(client, backend=backend, max_rps=2.0)
    jobs = [await studio.submit(f"p{i}") for i in range(6)]
    for job in jobs:
        await studio.wait(job)
    stamps = sorted(client.request_times)
    burst = 2
    assert len(stamps) >= 3 * burst  # enough requests that the cap had to hold them back
    for i in range(len(stamps)):
        for j in range(i + burst, len(stamps)):
            assert stamps[j] - stamps[i] >= (j - i - burst) / 2.0 - 1e-6


async def test_a_job_the_server_forgot_is_failed_with_a_reason(rig):
    make, time = rig
    client = FakeClient(time.clock, duration=60)
    studio = make(client)
    job = await studio.submit("vanishing")
    client.jobs.clear()
    with pytest.raises(Exception, match="no longer knows"):
        await asyncio.wait_for(studio.wait(job), 30)  # real seconds: fails, never hangs
    assert studio.get(job.key).status == "failed"


class ShortListClient(FakeClient):
    """Lists every job but the ones in `hidden` (as if they were past the newest pages)."""

    hidden: frozenset[str] = frozenset()

    async def list(self, **kw):
        async for video in super().list(**kw):
            if video.id not in self.hidden:
                yield video


@pytest.fixture
async def manual(tmp_path):
    """(studio factory, manual time); studios closed after."""
    time = ManualTime()
    made = []

    def make(client, backend=None, **kw):
        studio = Studio(
            backend or fake_backend(),
            tmp_path / "lib",
            client=client,
            clock=time.clock,
            sleep=time.sleep,
            coalesce=0.0,
            max_rps=1000.0,
            poll=POLICY,
            **kw,
        )
        made.append(studio)
        return studio

    yield make, time
    for studio in made:
        await studio.aclose()


async def submit_spread(studio, time, n: int, gap: float) -> list:
    """n jobs submitted `gap` seconds apart (the tracker does not run in between)."""
    jobs = []
    for i in range(n):
        if i:
            time.now += gap
        jobs.append(await studio.submit(f"prompt {i}"))
    return jobs


async def test_jobs_due_within_the_window_share_one_list_request(manual):
    make, time = manual
    client = FakeClient(time.clock, duration=60)
    studio = make(client)
    # first polls due at +2.0, +2.25 ... +3.0 (the tracker's window: 1 s)
    jobs = await submit_spread(studio, time, 5, 0.25)
    time.now += 0.5
    late = await studio.submit("later")  # due at +3.5
    await time.advance(FIRST_POLL - 1.5)  # the first job is due
    assert client.calls["list"] == 1
    assert client.calls["retrieve"] == 0
    assert [studio.runner.state(j.key).polls for j in jobs] == [2] * 5
    assert studio.runner.state(late.key).polls == 1  # not polled yet


async def test_jobs_the_list_misses_are_retrieved_one_by_one(manual):
    make, time = manual
    client = ShortListClient(time.clock, duration=60)
    studio = make(client)
    jobs = await submit_spread(studio, time, 4, 0.25)
    client.hidden = frozenset({jobs[0].video_id})
    await time.advance(FIRST_POLL - 0.75)
    assert client.calls["list"] == 1
    assert client.retrieve_times.keys() == {jobs[0].video_id}
    assert [studio.runner.state(j.key).polls for j in jobs] == [2] * 4


async def test_without_list_no_job_is_polled_early(manual):
    make, time = manual
    client = FakeClient(time.clock, duration=60)
    studio = make(client, backend=fake_backend(supports_list=False))
    jobs = await submit_spread(studio, time, 3, 0.5)
    await time.advance(FIRST_POLL - 1.0)  # the first job is due, the others within 1 s
    assert client.calls["list"] == 0
    assert client.retrieve_times.keys() == {jobs[0].video_id}


async def test_import_remote_lets_the_loop_run_between_batches_of_rows(manual):
    make, time = manual
    client = FakeClient(time.clock, duration=60)
    for i in range(100):
        client.jobs[f"video_{i}"] = FakeJob(f"video_{i}", f"old {i}", time.now - i, 60)
    studio = make(client)
    rows_seen: list[int] = []
    importing = asyncio.create_task(studio.import_remote())
    while not importing.done():
        rows_seen.append(len(studio.jobs()))
        await asyncio.sleep(0)
    assert importing.result().imported == 100
    assert any(0 < rows < 100 for rows in rows_seen)  # other tasks ran mid-import
