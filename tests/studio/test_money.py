"""Money that lasts: billed per status, kept in the library, one budget for every studio."""

from __future__ import annotations

from typing import Any

import pytest
from fakes import FakeTime

from sora_notebook.errors import BadRequestError, BudgetExceeded, ValidationError, VideoFailed
from sora_notebook.protocol import Video
from sora_notebook.studio import Studio

from .conftest import FAST, engine
from .fake_client import FakeClient


@pytest.fixture
def fast(emulator):
    return emulator(speed=200)


async def test_only_completed_jobs_are_billed(fast, make_studio):
    studio = make_studio(fast)
    done = await studio.generate("a paper boat", seconds=8)
    with pytest.raises(VideoFailed):
        await studio.generate("pikachu dancing in the rain", seconds=4)  # moderated
    with pytest.raises(BadRequestError):
        await studio.submit("a dog", model="no-such-model")  # refused: nothing created
    jobs = {j.status: j for j in studio.jobs()}
    assert set(jobs) == {"completed", "failed", "rejected"}
    assert jobs["completed"].billed == pytest.approx(0.8) == done.cost
    assert jobs["failed"].billed == 0.0 and jobs["failed"].cost == pytest.approx(0.4)
    assert jobs["rejected"].billed == 0.0  # "not billed", not unknown
    spend = studio.spend
    assert (spend.total, spend.today, spend.session) == (0.8, 0.8, 0.8)
    assert studio.spent == spend.session and spend.unknown == 0


async def test_spend_and_budget_survive_a_new_studio(fast, make_studio, tmp_path):
    root = tmp_path / "shared"
    first = make_studio(fast, root, budget=2.0)
    await first.generate("a first clip", seconds=8)
    await first.aclose()
    again = make_studio(fast, root)  # no budget given: the kept one holds
    assert again.budget == 2.0
    assert again.spend.total == pytest.approx(0.8) and again.spend.session == 0
    assert again.left == pytest.approx(1.2)
    plan = again.plan("three more", seconds=4, n=4)
    assert plan.left == pytest.approx(1.2) and "budget" in plan.problems
    other = make_studio(fast, root, budget=5.0)  # given: set and kept for everyone
    assert again.budget == 5.0
    other.budget = None  # cleared for everyone sharing the library
    assert again.budget is None and again.plan("x", seconds=4, n=4).left is None
    with pytest.raises(ValidationError):
        other.budget = -1


async def test_a_budget_refuses_before_sending_with_the_numbers(fast, make_studio):
    studio = make_studio(fast, budget=1.0)
    await studio.generate("a first clip", seconds=8)
    before = engine(fast).requests
    with pytest.raises(BudgetExceeded) as info:
        await studio.variants("two more", 2, seconds=4)
    message = str(info.value)
    assert "$0.80" in message and "$1.00" in message
    assert engine(fast).requests == before and len(studio.jobs()) == 1
    studio.daily_budget = 0.5
    assert studio.left == pytest.approx(-0.3)  # the day's budget binds now
    assert "budget" in studio.plan("x", seconds=4).problems


async def test_in_flight_quotes_are_reserved(fast, make_studio):
    studio = make_studio(fast, budget=1.0)
    await studio.submit("one", seconds=8)  # 0.80 held while it runs
    with pytest.raises(BudgetExceeded):
        await studio.submit("two", seconds=4)


class PricedClient(FakeClient):
    """A server that reports what it charged on each finished job (as gateways do)."""

    def video(self, job: Any) -> Video:
        video = super().video(job)
        if video.status != "completed":
            return video
        return Video.from_dict({**video.to_dict(), "server_cost": 0.123})


async def test_unknown_prices_are_never_zero_and_the_server_cost_wins(tmp_path):
    time = FakeTime(real=0.0005)
    from sora_notebook.client import Backend

    open_server = Backend(
        name="compatible", base_url="http://gpu.test/v1", label="GPU", check_models=False
    )
    client = FakeClient(time.clock, duration=5, backend=open_server)
    studio = Studio(
        open_server, tmp_path / "l", client=client, clock=time.clock, sleep=time.sleep, poll=FAST
    )
    try:
        job = await studio.generate("a fox", model="wan-2.2", seconds=4)
        assert job.cost is None and job.billed is None
        assert studio.spend.unknown == 1 and studio.spend.total == 0
        studio.budget = 10.0
        with pytest.raises(ValidationError, match="allow_unknown_cost"):
            await studio.submit("a fox", model="wan-2.2", seconds=4)
        studio.prices["wan-2.2"] = 0.05
        assert studio.plan("a fox", model="wan-2.2", seconds=4).cost == pytest.approx(0.2)
        studio.client = studio.runner.client = studio.runner.create_client = PricedClient(
            time.clock, duration=5, backend=open_server
        )
        priced = await studio.generate("a hare", model="wan-2.2", seconds=4)
        assert priced.cost == pytest.approx(0.2) and priced.billed == pytest.approx(0.123)
        assert studio.spend.total == pytest.approx(0.123)
    finally:
        await studio.aclose()


def _backend(**kw: Any) -> Any:
    from sora_notebook.client import Backend

    return Backend(name="openai", base_url="http://fake.test/v1", label="Fake", **kw)


class ReportingClient(FakeClient):
    """A server that reports a cost in some answers: `at_create` in the create's,
    `at_end` in a finished job's (each may be anything a server might send)."""

    def __init__(self, *args: Any, at_create: Any = None, at_end: Any = None, **kw: Any):
        super().__init__(*args, **kw)
        self.at_create, self.at_end = at_create, at_end
        self.fail = False

    def video(self, job: Any) -> Video:
        body = super().video(job).to_dict()
        if self.fail and body["status"] == "completed":
            body = {**body, "status": "failed", "error": {"code": "x", "message": "no"}}
        if body["status"] in ("completed", "failed") and self.at_end is not None:
            body["server_cost"] = self.at_end
        return Video.from_dict(body)

    async def create(self, prompt: str, **kw: Any) -> Video:
        video = await super().create(prompt, **kw)
        if self.at_create is None:
            return video
        return Video.from_dict({**video.to_dict(), "server_cost": self.at_create})


async def test_today_is_the_local_calendar_day(fake_studio):
    studio, client = fake_studio()
    await studio.generate("yesterday's fox", seconds=4)
    client.time.advance(2 * 86400)
    await studio.generate("today's fox", seconds=4)
    spend = studio.spend
    assert spend.total == pytest.approx(0.8) and spend.session == pytest.approx(0.8)
    assert spend.today == pytest.approx(0.4)  # only what was billed since midnight


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -1.0, True, "0.1"])
async def test_a_reported_cost_that_is_not_a_cost_is_ignored(fake_studio, bad):
    studio, client = fake_studio(ReportingClient)
    client.at_end = bad
    job = await studio.generate("a fox", seconds=4)
    assert job.billed == pytest.approx(0.4) == job.cost  # the quote, never NaN or -1
    assert studio.spend.total == pytest.approx(0.4)


async def test_a_cost_reported_at_create_is_billed_when_the_job_ends(fake_studio):
    studio, client = fake_studio(ReportingClient)
    client.at_create = 0.3
    job = await studio.generate("a fox", seconds=4)
    assert job.cost == pytest.approx(0.4) and job.billed == pytest.approx(0.3)


async def test_a_cost_reported_at_create_survives_a_restart(tmp_path):
    time = FakeTime(real=0.0005)
    client = ReportingClient(time.clock, duration=50, backend=_backend(), at_create=0.25)
    kw: dict[str, Any] = {"client": client, "clock": time.clock, "sleep": time.sleep}
    first = Studio(client.backend, tmp_path / "lib", poll=FAST, **kw)
    job = await first.submit("a fox", seconds=4)
    await first.aclose()  # the job's state (and the cost it holds) is gone with it
    time.advance(60)
    again = Studio(client.backend, tmp_path / "lib", poll=FAST, **kw)
    try:
        done = await again.wait(job.key)
        assert done.billed == pytest.approx(0.25)  # read back from the library
    finally:
        await again.aclose()


async def test_a_failed_job_is_billed_only_where_the_dialect_says(fake_studio):
    from dataclasses import dataclass

    from sora_notebook.client.dialects import Dialect

    @dataclass(frozen=True)
    class Billing(Dialect):
        name: str = "billing"
        failed_jobs_billed: bool = True

    billed = {}
    for dialect in (Dialect(), Billing()):
        studio, client = fake_studio(ReportingClient, backend=_backend(dialect=dialect))
        client.fail = True
        with pytest.raises(VideoFailed):
            await studio.generate("a fox", seconds=4)
        billed[dialect.name] = studio.jobs()[0].billed
    assert billed == {"openai": 0.0, "billing": pytest.approx(0.4)}


async def test_the_persons_prices_win_over_the_backends(fake_studio):
    open_server = _backend(check_models=False).priced({"wan": 0.05, "hunyuan": 0.01})
    studio, _ = fake_studio(backend=open_server)
    studio.prices["wan"] = 0.02
    assert studio.estimate("wan", seconds=5) == pytest.approx(0.1)  # the person's
    assert studio.plan("a fox", model="hunyuan", seconds=4).cost == pytest.approx(0.04)
    assert studio.estimate(None, seconds=4) is None  # no model: not OpenAI's table


async def test_a_budget_of_zero_is_a_budget(fake_studio):
    studio, _ = fake_studio()
    studio.budget = 0
    assert studio.budget == 0.0 and studio.left == 0.0
    with pytest.raises(BudgetExceeded):
        await studio.submit("a fox", seconds=4)
    for bad in (-0.01, float("nan"), True, "5"):
        with pytest.raises(ValidationError, match="0 or more"):
            studio.daily_budget = bad


async def test_the_plan_says_an_unknown_price_needs_allow_unknown_cost(fake_studio):
    studio, _ = fake_studio(backend=_backend(check_models=False))
    assert studio.plan("a fox", model="wan", seconds=4).ok  # no budget: fine
    studio.budget = 5.0
    problem = studio.plan("a fox", model="wan", seconds=4).problems["budget"]
    assert "allow_unknown_cost" in problem  # the panel shows it before anything is sent
    studio.allow_unknown_cost = True
    assert studio.plan("a fox", model="wan", seconds=4).ok
