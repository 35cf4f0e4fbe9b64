"""Rendering runs off the event loop, several at once, and only when a job is looked at."""

from __future__ import annotations

import asyncio
import threading

from sora_notebook.emulator import _render

from .conftest import asgi_client


async def test_requests_are_answered_while_a_render_runs(app, clock, monkeypatch):
    release = threading.Event()
    real = _render.render

    def held_render(spec, out, **kw):
        assert release.wait(timeout=30)
        real(spec, out, **kw)

    monkeypatch.setattr(_render, "render", held_render)
    async with asgi_client(app) as client:
        job = (await client.post("/videos", json={"prompt": "a slow one"})).json()
        clock.advance(300)
        waiting = asyncio.ensure_future(client.get(f"/videos/{job['id']}"))
        other = (await client.post("/videos", json={"prompt": "another"})).json()
        for _ in range(5):
            listed = (await client.get("/videos")).json()["data"]
            assert {v["id"]: v["status"] for v in listed}[job["id"]] == "in_progress"
            assert (await client.get(f"/videos/{other['id']}")).json()["status"] == "queued"
        assert not waiting.done()
        release.set()
        assert (await waiting).json()["status"] == "completed"


async def test_two_renders_run_at_once(app, clock, monkeypatch):
    both = threading.Barrier(2, timeout=30)
    real = _render.render

    def paired_render(spec, out, **kw):
        both.wait()  # raises BrokenBarrierError unless the other render runs meanwhile
        real(spec, out, **kw)

    monkeypatch.setattr(_render, "render", paired_render)
    async with asgi_client(app) as client:
        ids = [(await client.post("/videos", json={"prompt": p})).json()["id"] for p in "ab"]
        clock.advance(300)
        done = await asyncio.gather(*(client.get(f"/videos/{i}") for i in ids))
    assert [r.json()["status"] for r in done] == ["completed", "completed"]


async def test_unwatched_jobs_cost_nothing_and_identical_inputs_render_once(
    app, clock, monkeypatch
):
    calls = []
    real = _render.render

    def counting_render(spec, out, **kw):
        calls.append(spec.key())
        real(spec, out, **kw)

    monkeypatch.setattr(_render, "render", counting_render)
    async with asgi_client(app) as client:
        for _ in range(3):  # the same seed: identical inputs
            await client.post("/videos", json={"prompt": "same", "seed": 1})
        await client.post("/videos", json={"prompt": "never looked at"})
        assert calls == []
        same = [v for v in app.state.emulator.jobs.values() if v.prompt == "same"]
        clock.advance(300)
        for job in same:
            assert (await client.get(f"/videos/{job.id}")).json()["status"] == "completed"
    assert len(calls) == 1


async def test_a_failing_render_fails_the_job(app, clock, monkeypatch):
    def broken_render(spec, out, **kw):
        raise RuntimeError("encoder exploded")

    monkeypatch.setattr(_render, "render", broken_render)
    async with asgi_client(app) as client:
        job = (await client.post("/videos", json={"prompt": "doomed"})).json()
        clock.advance(300)
        body = (await client.get(f"/videos/{job['id']}")).json()
    assert body["status"] == "failed" and body["error"]["code"] == "internal_error"
    assert "encoder exploded" in body["error"]["message"]
