"""What the view costs the page and the saved notebook, counted (not timed): widget
models, state bytes, messages per burst of studio events; and what must never leak."""

from __future__ import annotations

import asyncio
import json
import threading

import ipywidgets
from ipywidgets.widgets import widget as widget_module

from sora_notebook.client.backend import Backend
from sora_notebook.widgets import StudioView

from .conftest import XSS, Page, until

CODE = ("_esm", "_css")


def _state_bytes(view: StudioView) -> int:
    """The saved state of the view and its layout, without the view's code (counted apart)."""
    state = ipywidgets.Widget.get_manager_state(drop_defaults=False, widgets=[view, view.layout])
    for model in state["state"].values():
        for name in CODE:
            model["state"].pop(name, None)
    return len(json.dumps(state).encode())


def test_the_views_code_stays_within_its_budget():
    """The ESM and CSS travel once per view (and are saved with widget state)."""
    code = sum(len(str(getattr(StudioView, f"{name}")).encode()) for name in CODE)
    assert code <= 128 * 1024, code


async def test_ten_videos_open_few_models_and_keep_state_small(page):
    before = set(widget_module._instances)
    p = page()
    for i in range(10):
        await p.generate(f"a paper boat, take {i}")
    opened = set(widget_module._instances) - before
    assert len(opened) <= 5, len(opened)  # the view and its layout
    assert _state_bytes(p.view) <= 32 * 1024  # ten videos' state, the code aside
    dumped = json.dumps(p.view.get_state())
    assert "base64" not in dumped and "data:image" not in dumped  # no media in the state


async def test_flushes_are_coalesced(make_studio):
    studio = make_studio()
    view = StudioView(studio, root=None, flush_interval=0.3, urgent_interval=0.1)
    calls = []
    real = view.flush
    view.flush = lambda: (calls.append(1), real())  # type: ignore[method-assign]
    try:
        for _ in range(100):
            view.schedule()
            await asyncio.sleep(0.002)
        await asyncio.sleep(0.4)
        assert 1 <= len(calls) <= 2
        calls.clear()
        view.schedule()
        view.schedule(urgent=True)  # an urgent change moves the pending flush earlier
        await asyncio.sleep(0.15)
        assert len(calls) == 1
    finally:
        view.close()


async def test_no_key_reaches_the_state_or_the_snapshot(make_studio):
    secret = "sk-test-DO-NOT-SHOW-1234567890"
    studio = make_studio(backend=Backend.openai(api_key=secret))
    view = StudioView(studio, root=None)
    try:
        dumped = json.dumps(view.get_state())
        assert "DO-NOT-SHOW" not in dumped
        data, _ = view._repr_mimebundle_()
        assert "DO-NOT-SHOW" not in json.dumps(data) and view.backend["label"] == "OpenAI"
    finally:
        view.close()


async def test_markup_stays_text_and_the_snapshot_is_escaped(page):
    p = page()
    keys = [await p.generate(prompt) for prompt in XSS]
    assert {p.job(k)["prompt"] for k in keys} == set(XSS)
    data, _ = p.view._repr_mimebundle_()
    html = data["text/html"]
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script>" not in html and "application/vnd.jupyter.widget-view+json" in data
    assert data["text/plain"].startswith("sora-notebook studio")


async def test_snapshot_output_follows_the_view(page):
    p = page()
    published, updated = [], []
    p.view.live_snapshot._publish = lambda bundle, **kw: published.append(bundle)
    p.view.live_snapshot._update = lambda bundle, **kw: updated.append(bundle)
    p.view._ipython_display_()
    assert published and '<div class="sn-snapshot">' in published[-1]["text/html"]
    await p.generate("a lantern")
    await until(lambda: bool(updated))
    assert "a lantern" in updated[-1]["text/html"]


async def test_requests_from_a_subshell_thread_run_on_the_studio_loop(page):
    """ipykernel 7 may deliver widget messages on a subshell thread with its own loop."""
    p: Page = page()
    home = asyncio.get_running_loop()
    seen: list[asyncio.AbstractEventLoop] = []
    real = p.view.router._handlers["generate"]

    def spy(args, buffers):
        seen.append(asyncio.get_running_loop())
        return real(args, buffers)

    p.view.router._handlers["generate"] = spy

    def on_own_loop() -> None:
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(_send(p))
        finally:
            loop.close()

    thread = threading.Thread(target=on_own_loop)
    thread.start()
    await asyncio.to_thread(thread.join)
    await until(lambda: len(p.view.studio.jobs()) == 1)
    await p.view.drain()
    assert seen == [home] and p.view.studio.tracker.task.get_loop() is home


async def _send(p: Page) -> None:
    from .conftest import request

    request(p.view, "generate", {"prompt": "sent from another thread"}, request_id="x")


async def test_close_stops_following_the_studio(page):
    p = page()
    p.view.close()
    await p.view.studio.submit("after close")
    await asyncio.sleep(0.3)
    assert p.view.jobs == []


async def test_failures_and_new_jobs_are_urgent_progress_is_not(page):
    """A failure reaches the page on the urgent schedule (0.2 s), a progress tick waits
    for the regular one (0.5 s): at most one state message per interval either way."""
    p = page()
    seen: list[bool] = []
    real = p.view.schedule

    def spy(*, urgent: bool = False) -> None:
        seen.append(urgent)
        real(urgent=urgent)

    p.view.schedule = spy  # type: ignore[method-assign]
    reply = await p.ask("generate", {"prompt": "pikachu dancing"})
    (key,) = reply["result"]["keys"]
    await until(lambda: p.job(key)["status"] == "failed")
    assert seen[0] is True  # added
    assert seen[-1] is True  # failed
    assert p.view._intervals == (0.5, 0.2)
