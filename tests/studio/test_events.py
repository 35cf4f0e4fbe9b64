"""Events are coalesced: many changes in one tick reach subscribers as one batch."""

from __future__ import annotations

import asyncio
import logging

import pytest

from sora_notebook.library import Library
from sora_notebook.studio.events import EventHub


@pytest.fixture
def jobs(tmp_path):
    with Library(tmp_path / "lib") as lib:
        yield [lib.add_submission(backend="emulator", prompt=f"p{i}") for i in range(200)]


async def test_two_hundred_jobs_updating_make_one_batch(jobs):
    hub = EventHub(interval=0.01)
    batches: list[list] = []
    hub.subscribe(batches.append)
    for job in jobs:
        hub.emit("added", job)
    for _ in range(5):
        for job in jobs:
            hub.emit("updated", job)
    await asyncio.sleep(0.05)
    assert len(batches) == 1
    # `added` supersedes the updates of the same tick: 200 events, not 1,200
    assert [e.kind for e in batches[0]] == ["added"] * 200


async def test_updates_keep_the_newest_state_and_first_position(jobs, tmp_path):
    hub = EventHub(interval=0.01)
    batches: list[list] = []
    hub.subscribe(batches.append)
    a, b = jobs[0], jobs[1]
    newer_a = type(a)(**{**a.__dict__, "progress": 50})
    hub.emit("updated", a)
    hub.emit("updated", b)
    hub.emit("updated", newer_a)
    await asyncio.sleep(0.05)
    (batch,) = batches
    assert [(e.kind, e.job.key) for e in batch] == [("updated", a.key), ("updated", b.key)]
    assert batch[0].job.progress == 50


async def test_completed_drops_the_pending_update(jobs):
    hub = EventHub(interval=0.01)
    batches: list[list] = []
    hub.subscribe(batches.append)
    hub.emit("updated", jobs[0])
    hub.emit("completed", jobs[0])
    hub.emit("updated", jobs[0])
    hub.emit("media_ready", jobs[0])
    await asyncio.sleep(0.05)
    assert [e.kind for e in batches[0]] == ["completed", "media_ready"]


async def test_an_update_after_added_gives_the_added_event_its_newer_state(jobs):
    """Another person's job added and completed within one tick (a team library's
    notifications wake the watch at once): the batch says `added` with the newest state."""
    hub = EventHub(interval=0.01)
    batches: list[list] = []
    hub.subscribe(batches.append)
    job = jobs[0]
    done = type(job)(**{**job.__dict__, "status": "completed", "progress": 100})
    hub.emit("added", job)
    hub.emit("updated", done)
    hub.emit("removed", jobs[1])
    hub.emit("updated", jobs[1])
    await asyncio.sleep(0.05)
    assert [(e.kind, e.job.status) for e in batches[0]] == [
        ("added", "completed"),
        ("removed", "pending"),
    ]


async def test_a_failing_subscriber_does_not_stop_the_others(jobs, caplog):
    hub = EventHub(interval=0.0)
    got: list[int] = []

    def broken(batch):
        raise RuntimeError("boom")

    hub.subscribe(broken)
    unsubscribe = hub.subscribe(lambda batch: got.append(len(batch)))
    with caplog.at_level(logging.ERROR):
        hub.emit("added", jobs[0])
        await asyncio.sleep(0.01)
    assert got == [1] and "subscriber failed" in caplog.text
    unsubscribe()
    unsubscribe()
    hub.emit("added", jobs[1])
    await asyncio.sleep(0.01)
    assert got == [1]


def test_without_a_loop_events_are_delivered_at_once(jobs):
    hub = EventHub()
    got: list[str] = []
    hub.subscribe(lambda batch: got.extend(e.kind for e in batch))
    hub.emit("removed", jobs[0])
    assert got == ["removed"]
    with pytest.raises(ValueError):
        hub.emit("exploded", jobs[0])
