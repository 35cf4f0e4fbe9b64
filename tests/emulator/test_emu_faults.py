"""Faults: each kind by header, the seeded plan, and how a real socket surfaces them."""

from __future__ import annotations

import httpx
import pytest

from sora_notebook.emulator import ConnectionDropped, FaultPlan
from sora_notebook.emulator.faults import KINDS

from .conftest import KEY, asgi_client, complete

BODY = {"prompt": "a paper boat", "size": "1280x720"}


def fault(kind: str) -> dict[str, str]:
    return {"x-emulator-fault": kind}


@pytest.mark.parametrize(("kind", "status"), [("429", 429), ("500", 500), ("503", 503)])
async def test_error_faults_do_not_run_the_handler(client, app, kind, status):
    r = await client.post("/videos", json=BODY, headers=fault(kind))
    assert r.status_code == status and "emulated fault" in r.json()["error"]["message"]
    if status == 429:
        assert r.headers["retry-after-ms"] == "200" and r.headers["retry-after"] == "1"
    assert app.state.emulator.created == 0
    assert (await client.get("/videos")).json()["data"] == []


async def test_drop_before_creates_nothing(client, app):
    with pytest.raises(ConnectionDropped):
        await client.post("/videos", json=BODY, headers=fault("drop-before"))
    assert app.state.emulator.created == 0
    assert (await client.get("/videos")).json()["data"] == []


async def test_drop_after_creates_the_job_then_drops(client, app):
    with pytest.raises(ConnectionDropped):
        await client.post("/videos", json=BODY, headers=fault("drop-after"))
    assert app.state.emulator.created == 1
    listed = (await client.get("/videos")).json()["data"]
    assert [v["prompt"] for v in listed] == ["a paper boat"]


async def test_truncate_cuts_the_body_below_its_content_length(client, clock):
    job = (await client.post("/videos", json=BODY)).json()
    await complete(client, clock, job["id"])
    full = (await client.get(f"/videos/{job['id']}/content")).content
    r = await client.get(f"/videos/{job['id']}/content", headers=fault("truncate"))
    assert int(r.headers["content-length"]) == len(full)
    assert r.content == full[: len(full) // 2]


async def test_slow_still_answers(make_app):
    app = make_app(faults=FaultPlan(slow_seconds=0.01))
    async with asgi_client(app) as client:
        r = await client.post("/videos", json=BODY, headers=fault("slow"))
    assert r.status_code == 200 and app.state.emulator.created == 1


async def test_unknown_fault_kind_is_400(client, app):
    r = await client.post("/videos", json=BODY, headers=fault("explode"))
    assert r.status_code == 400 and r.json()["error"]["param"] == "x-emulator-fault"
    assert app.state.emulator.created == 0


async def test_seeded_plan_faults_requests_and_counts_only_real_creates(make_app):
    plan = FaultPlan(rate=0.5, kinds=("500", "drop-before", "drop-after"), seed=7)
    expected = FaultPlan(rate=0.5, kinds=("500", "drop-before", "drop-after"), seed=7)
    app = make_app(faults=plan)
    outcomes = []
    async with asgi_client(app) as client:
        for _ in range(30):
            kind = expected.draw()
            try:
                r = await client.post("/videos", json=BODY)
                outcomes.append((kind, r.status_code))
            except ConnectionDropped:
                outcomes.append((kind, "dropped"))
    assert {k for k, _ in outcomes} == {None, "500", "drop-before", "drop-after"}
    for kind, outcome in outcomes:
        assert outcome == {None: 200, "500": 500}.get(kind, "dropped")
    made = sum(1 for k, _ in outcomes if k in (None, "drop-after"))
    assert app.state.emulator.created == made == len(app.state.emulator.jobs)
    assert app.state.emulator.requests == 30


async def test_header_overrides_the_plan(make_app):
    app = make_app(faults=FaultPlan(rate=1.0, kinds=("500",)))
    async with asgi_client(app) as client:
        r = await client.get("/videos", headers=fault("429"))
        assert r.status_code == 429
        assert (await client.get("/videos")).status_code == 500


def test_plan_parsing_and_determinism():
    plan = FaultPlan.parse("rate=0.2,kinds=429+500+drop-after,seed=1,slow=0.5")
    assert (plan.rate, plan.kinds, plan.seed, plan.slow_seconds) == (
        0.2,
        ("429", "500", "drop-after"),
        1,
        0.5,
    )
    again = FaultPlan.parse("rate=0.2,kinds=429+500+drop-after,seed=1")
    draws = [plan.draw() for _ in range(200)]
    assert draws == [again.draw() for _ in range(200)]
    assert 10 < sum(d is not None for d in draws) < 80
    assert FaultPlan.parse("").kinds == KINDS
    assert all(FaultPlan(rate=0.0).draw() is None for _ in range(50))


@pytest.mark.parametrize(
    "spec", ["rate=2", "kinds=404", "rate", "seed=x", "colour=red", "kinds=429+nope"]
)
def test_plan_parsing_rejects_bad_specs(spec):
    with pytest.raises(ValueError):
        FaultPlan.parse(spec)


# --- over a real socket -------------------------------------------------------------


def test_socket_drop_before_is_a_transport_error(serve, clock):
    server = serve(clock=clock)
    with httpx.Client(base_url=server.base_url, headers=KEY) as client:
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            client.post("/videos", json=BODY, headers=fault("drop-before"))
        assert client.get("/videos").json()["data"] == []


def test_socket_drop_after_is_a_transport_error_after_creating(serve, clock):
    server = serve(clock=clock)
    with httpx.Client(base_url=server.base_url, headers=KEY) as client:
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            client.post("/videos", json=BODY, headers=fault("drop-after"))
        assert len(client.get("/videos").json()["data"]) == 1


def test_socket_truncate_is_a_transport_error(serve, clock):
    server = serve(clock=clock)
    with httpx.Client(base_url=server.base_url, headers=KEY) as client:
        job = client.post("/videos", json=BODY).json()
        clock.advance(300)
        assert client.get(f"/videos/{job['id']}").json()["status"] == "completed"
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(f"/videos/{job['id']}/content", headers=fault("truncate"))
        got = bytearray()
        with (
            pytest.raises(httpx.RemoteProtocolError),
            client.stream("GET", f"/videos/{job['id']}/content", headers=fault("truncate")) as r,
        ):
            for chunk in r.iter_raw():
                got += chunk
        assert 0 < len(got) < int(r.headers["content-length"])


def test_socket_slow_answer_times_the_client_out(serve, make_app):
    server = serve(make_app(faults=FaultPlan(slow_seconds=1.0)))
    timeout = httpx.Timeout(10.0, read=0.2)  # only the answer is slow
    client = httpx.Client(base_url=server.base_url, headers=KEY, timeout=timeout)
    with client, pytest.raises(httpx.ReadTimeout):
        client.get("/videos", headers=fault("slow"))
