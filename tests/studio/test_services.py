"""The studio's services seen through the facade: refusals learned by the CapabilityBook,
the quote of an unknown price, and the runner's decisions over one JobStates registry."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from sora_notebook.client import Backend
from sora_notebook.errors import BadRequestError, DiskFull, NotFoundError, RateLimitError
from sora_notebook.protocol import Video
from sora_notebook.studio.money import Quote

from .fake_client import FakeClient


class RefusingClient(FakeClient):
    """A server whose remix answers `error` (one request refused, or the action itself)."""

    error: Exception = NotFoundError("Not Found", status_code=404)

    async def remix(self, video_id: str, prompt: str) -> Video:
        self._count("remix")
        raise self.error


def _backend(**kw: Any) -> Backend:
    return Backend(name="openai", base_url="http://fake.test/v1", label="Fake", **kw)


async def test_a_refused_action_is_learned_and_one_refused_request_is_not(fake_studio):
    studio, client = fake_studio(RefusingClient)
    done = await studio.generate("a fox", seconds=4)
    client.error = BadRequestError("The prompt was flagged.", status_code=400)
    with pytest.raises(BadRequestError):
        await studio.remix(done, "a fox at night")
    assert studio.capabilities.remix and studio.plan("x", mode="remix", parent=done).ok
    client.error = NotFoundError("Not Found", status_code=404)  # no such route
    with pytest.raises(NotFoundError):
        await studio.remix(done, "a fox at night")
    assert not studio.capabilities.remix
    assert "refused remix: Not Found" in studio.capabilities.reason("remix")
    plan = studio.plan("x", mode="remix", parent=done)
    assert "refused remix" in plan.disabled["remix"] and "parent" in plan.problems
    assert client.calls["remix"] == 2  # the third is refused before anything is sent


async def test_an_unknown_price_is_quoted_as_unknown_not_zero(fake_studio):
    quotes: list[Quote] = []
    studio, _ = fake_studio(backend=_backend(check_models=False), on_cost=quotes.append)
    await studio.variants("a fox", 2, model="wan", seconds=4)
    assert [(q.n, q.cost) for q in quotes] == [(2, None)]
    assert "price unknown" in str(quotes[0])
    assert [j.cost for j in studio.jobs()] == [None, None]


async def test_the_runner_decides_from_the_one_registry_of_job_states(fake_studio):
    studio, _ = fake_studio()
    job = await studio.generate("a fox", seconds=4)
    runner = studio.runner
    pending = studio.library.add_submission(
        backend=job.backend,
        backend_url=job.backend_url,
        prompt="a hare",
        owner=studio.owner,
    )
    assert runner.may_reconcile(pending)
    runner.state(pending.key).inflight = True  # its create is on the wire
    assert not runner.may_reconcile(pending) and runner.next_step(pending)[0] == "reconcile"
    gone = studio.library.update(job.key, media={})  # as if the download never happened
    state = runner.state(job.key)
    state.download_attempts = runner.ctx.max_download_attempts - 1
    assert not runner.download_done(gone) and runner.next_step(gone)[0] == "download"
    state.download_attempts += 1  # the last attempt failed: given up for this session
    assert runner.download_done(gone) and runner.next_step(gone) is None


async def test_failures_in_a_row_back_off_exponentially_up_to_the_cap(fake_studio):
    studio, _ = fake_studio(duration=600)
    job = await studio.submit("a slow fox", seconds=4)
    runner = studio.runner
    assert runner.next_step(job)[0] == "poll"
    delays = []
    for _ in range(5):
        runner.note_failure(job.key)
        delays.append(runner.next_step(job))
    # FAST: 0.05 s doubled per failure in a row, never above 0.5 s
    assert delays == [("poll", d) for d in (0.05, 0.1, 0.2, 0.4, 0.5)]


class BusyClient(FakeClient):
    """A server whose first create answers 429 (busy: nothing created)."""

    busy = 1

    async def create(self, prompt: str, **kw: Any) -> Video:
        if self.busy:
            self.busy -= 1
            self._count("create")
            raise RateLimitError("Too many requests", status_code=429)
        return await super().create(prompt, **kw)


async def test_a_busy_server_delays_a_create_and_does_not_refuse_it(fake_studio):
    studio, client = fake_studio(BusyClient)
    job = await studio.submit("a fox", seconds=4)
    assert job.status == "pending"  # not rejected: sent again once the server allows
    done = await asyncio.wait_for(studio.wait(job), 30)
    assert done.status == "completed" and client.calls["create"] == 2


async def test_a_full_disk_never_gives_up_and_lists_start_at_two_jobs(fake_studio, tmp_path):
    studio, _ = fake_studio()
    job = await studio.generate("a fox", seconds=4)
    unsaved = studio.library.update(job.key, media={})
    runner = studio.runner
    for _ in range(3 * runner.ctx.max_download_attempts):
        runner.fetcher._out_of_space(unsaved, DiskFull(tmp_path, 0))
    assert runner.next_step(unsaved)[0] == "download"  # it resumes once there is room
    assert runner.lists_for(2) and not runner.lists_for(1)
