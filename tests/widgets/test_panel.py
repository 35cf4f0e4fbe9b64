"""The panel driven as the frontend would, against a real Studio on the emulator."""

from __future__ import annotations

import asyncio
import datetime
import io

from PIL import Image

from sora_notebook.client.backend import Backend
from sora_notebook.widgets import Panel

from .conftest import XSS, all_widgets, png_bytes, until

NOW = datetime.datetime(2026, 11, 22, tzinfo=datetime.timezone.utc)


def _square_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (100, 100), (250, 200, 0)).save(out, format="PNG")
    return out.getvalue()


async def _generate(panel: Panel, prompt: str) -> str:
    """Type, click Generate, wait for the job to complete; return its key."""
    before = {j.key for j in panel.studio.jobs()}
    panel.form.prompt.value = prompt
    panel.form.submit.click()
    await panel.drain()
    (key,) = {j.key for j in panel.studio.jobs()} - before

    def ready() -> bool:
        player = panel._cards[key].player if key in panel._cards else None
        return bool(player and player.has_video and player.poster and player.sprite)

    await until(ready)  # video, thumbnail and spritesheet all saved
    return key


def _emulator(studio) -> object:
    return studio.backend.app.state.emulator


async def test_studio_panel_is_this_panel(make_studio):
    studio = make_studio()
    panel = studio.panel()
    assert isinstance(panel, Panel)
    assert "sn-panel" in panel._dom_classes
    assert panel.badge.value == "Backend: Emulator"
    assert "sn-badge-emulator" in panel.badge._dom_classes
    assert "emulator" in panel.badge_note.value.lower()


async def test_submit_progress_and_completion_with_media(make_studio):
    studio = make_studio()
    panel = Panel(studio)
    batches = []
    studio.subscribe(batches.append)
    seen: list[str] = []
    panel.form.prompt.value = "a paper boat on a stream"
    assert panel.form.count.value.startswith("24 / 32,000")
    panel.form.submit.click()
    await panel.drain()
    (job,) = studio.jobs()
    assert job.prompt == "a paper boat on a stream" and _emulator(studio).created == 1
    card = panel._cards[job.key]
    card.status.observe(lambda c: seen.append(c["new"]), names="value")
    assert panel.form.status.value.startswith("Sent 1 request")
    assert card.active and panel._ticker is not None  # elapsed time moves on its own
    # no cell runs and nothing calls refresh: events alone move the card
    await until(lambda: panel._cards[job.key].player.has_video)
    await until(lambda: bool(card.player.poster and card.player.sprite))
    assert len(batches) >= 2
    assert seen and seen[-1] == "completed"
    assert card.progress.value == 100 and card.progress.bar_style == "success"
    assert card.player.poster.startswith("data:image/webp;base64,")
    assert card.player.sprite["frames"] >= 1
    assert card.timing.value.startswith("took ")
    await until(lambda: panel._ticker is None)  # and stops once nothing runs
    assert panel.tree.state[job.key] == ["completed", 100]
    assert panel.tree.thumbs[job.key].startswith("data:image/webp")
    assert "sn-card-completed" in card.box._dom_classes
    assert panel.summary.value.startswith("1 video · session $0.40")


async def test_validation_messages_and_nothing_sent(make_studio):
    studio = make_studio()
    panel = Panel(studio)
    panel.form.prompt.value = "   "
    panel.form.submit.click()
    assert "empty" in panel.form.errors["prompt"].value
    panel.form.prompt.value = "x" * 32_001
    assert panel.submit() is not None
    assert "32,000" in panel.form.errors["prompt"].value
    assert studio.jobs() == [] and _emulator(studio).requests == 0
    # choices are limited to what the model makes
    assert "1792x1024" not in panel.form.size.options
    panel.form.model.value = "sora-2-pro"
    assert "1792x1024" in panel.form.size.options
    panel.form.size.value = "1792x1024"
    panel.form.model.value = "sora-2"
    assert panel.form.size.value == "720x1280"


async def test_budget_refusal_sends_nothing(make_studio):
    studio = make_studio(budget=0.5)
    panel = Panel(studio)
    panel.form.prompt.value = "a lighthouse"
    panel.form.seconds.value = "8"
    assert "$0.80" in panel.form.cost.value and "budget $0.50" in panel.form.cost.value
    panel.form.submit.click()
    assert "budget" in panel.form.errors["submit"].value
    assert studio.jobs() == [] and _emulator(studio).requests == 0
    panel.form.seconds.value = "4"
    panel.form.variants.value = 2
    assert panel.form.submit.description == "Generate ×2"
    assert panel.submit() is not None and "budget" in panel.form.errors["submit"].value
    panel.form.variants.value = 1
    assert panel.submit() is None
    await panel.drain()
    assert len(studio.jobs()) == 1


async def test_variants_submit_n_jobs(make_studio):
    studio = make_studio()
    panel = Panel(studio)
    panel.form.prompt.value = "three foxes"
    panel.form.variants.value = 3
    panel.form.submit.click()
    await panel.drain()
    assert len(studio.jobs()) == 3 and len(panel._cards) == 3
    assert _emulator(studio).created == 3


async def test_remix_switches_mode_and_creates_child_edge(make_studio):
    studio = make_studio()
    panel = Panel(studio)
    parent = await _generate(panel, "a red fox in snow")
    panel._cards[parent].buttons["remix"].click()
    form = panel.form
    assert form.mode == "remix" and form.parent.key == parent
    assert form.mode_text.value == "Remixing: a red fox in snow"
    assert "sn-hidden" not in form.mode_row._dom_classes
    assert "sn-hidden" in form.size._dom_classes  # a remix keeps the parent's size
    assert form.prompt.value == "a red fox in snow"
    form.prompt.value = "a blue fox in snow"
    assert form.submit.description == "Remix"
    form.submit.click()
    await panel.drain()
    child = next(j for j in studio.jobs() if j.key != parent)
    assert (child.parent_key, child.edge_kind) == (parent, "remix")
    assert form.mode == "new"
    edge = next(e for e in panel.tree.edges if e["target"] == child.key)
    assert edge["source"] == parent and edge["kind"] == "remix"
    assert ["red", "-"] in edge["diff"] and ["blue", "+"] in edge["diff"]


async def test_escape_and_cancel_leave_remix_mode(make_studio, sent):
    studio = make_studio()
    panel = Panel(studio)
    parent = await _generate(panel, "a red fox")
    panel.remix(studio.get(parent))
    panel.hotkeys.send = sent
    panel.hotkeys._handle_custom_msg({"kind": "request", "id": "k1", "method": "cancel"}, [])
    assert sent.last[0] == {"kind": "reply", "id": "k1", "ok": True, "result": {"done": "cancel"}}
    assert panel.form.mode == "new" and "sn-hidden" in panel.form.mode_row._dom_classes


async def test_hotkey_submit_replies(make_studio, sent):
    studio = make_studio()
    panel = Panel(studio)
    panel.hotkeys.send = sent
    panel.hotkeys._handle_custom_msg({"kind": "request", "id": 1, "method": "submit"}, [])
    assert sent.last[0]["ok"] is False and "Nothing was sent" in sent.last[0]["error"]
    panel.form.prompt.value = "a kite"
    panel.hotkeys._handle_custom_msg({"kind": "request", "id": 2, "method": "submit"}, [])
    assert sent.last[0] == {"kind": "reply", "id": 2, "ok": True, "result": {"done": "submit"}}
    await panel.drain()
    assert [j.prompt for j in studio.jobs()] == ["a kite"]


async def test_selecting_plays_one_and_compares_several(make_studio, sent):
    studio = make_studio()
    panel = Panel(studio)
    a = await _generate(panel, "a red fox in snow")
    b = await _generate(panel, "a red fox in rain")
    panel.player.send = sent
    panel.tree.selected = [a]
    assert panel.player.has_video and "sn-hidden" not in panel.player_box._dom_classes
    assert panel.now_playing.value == "a red fox in snow"
    assert sent.last[0]["kind"] == "command" and sent.last[0]["name"] == "play"
    assert "sn-hidden" in panel.compare_box._dom_classes
    panel.tree.selected = [a, b]
    assert "sn-hidden" not in panel.compare_box._dom_classes
    assert [i["key"] for i in panel.compare.items] == [a, b]
    assert ["snow", "-"] in panel.compare.prompts[1] and ["rain", "+"] in panel.compare.prompts[1]
    assert all(i["has_video"] for i in panel.compare.items)
    panel.tree.selected = []
    assert "sn-hidden" in panel.compare_box._dom_classes


async def test_frame_as_reference_makes_a_frame_child(make_studio):
    studio = make_studio()
    panel = Panel(studio)
    parent = await _generate(panel, "a harbour at dawn")
    card = panel._cards[parent]
    card.buttons["frame"].click()
    assert card.player.picking
    card.player._handle_custom_msg(
        {"kind": "request", "id": "f", "method": "frame", "args": {"time": 2.0}}, [png_bytes()]
    )
    assert not card.player.picking
    form = panel.form
    assert form.mode == "frame" and form.parent.key == parent
    job = studio.get(parent)
    assert Image.open(io.BytesIO(form.reference)).size == tuple(int(v) for v in job.size.split("x"))
    form.prompt.value = "the harbour, now at night"
    form.submit.click()
    await panel.drain()
    child = next(j for j in studio.jobs() if j.key != parent)
    assert (child.parent_key, child.edge_kind) == (parent, "frame")


async def test_reference_upload_is_fitted_and_previewed(make_studio):
    studio = make_studio()
    panel = Panel(studio)
    form = panel.form
    form.size.value = "1280x720"
    form.upload.value = (
        {
            "name": "ref.png",
            "type": "image/png",
            "size": 10,
            "content": memoryview(_square_png()),
            "last_modified": NOW,
        },
    )
    assert Image.open(io.BytesIO(form.reference)).size == (1280, 720)
    assert form.preview.value and "sn-hidden" not in form.preview._dom_classes
    assert form.upload.value == ()  # the upload is consumed, not kept in widget state
    cropped = form.reference
    form.fit.value = "pad"
    assert form.reference != cropped
    form.size.value = "720x1280"
    assert Image.open(io.BytesIO(form.reference)).size == (720, 1280)
    form.upload.value = (
        {
            "name": "x.png",
            "type": "image/png",
            "size": 3,
            "content": memoryview(b"not"),
            "last_modified": NOW,
        },
    )
    assert form.reference is None and form.errors["reference"].value
    form.prompt.value = "from a picture"
    assert panel.submit() is not None and studio.jobs() == []
    form.clear_reference.click()
    assert form.reference is None and not form.errors["reference"].value


async def test_failure_shows_reason_and_hint(make_studio):
    studio = make_studio()
    panel = Panel(studio)
    panel.form.prompt.value = "pikachu dancing"
    panel.form.submit.click()
    await panel.drain()
    (job,) = studio.jobs()
    await until(lambda: panel._cards[job.key].job.status == "failed")
    card = panel._cards[job.key]
    assert card.error.value == "Your request was blocked by our moderation system."
    assert "moderation" in card.hint.value.lower()
    assert "sn-card-failed" in card.box._dom_classes and card.progress.bar_style == "danger"
    assert "sn-hidden" not in card.buttons["reprompt"]._dom_classes
    assert "sn-hidden" in card.buttons["remix"]._dom_classes
    card.buttons["reprompt"].click()
    assert panel.form.mode == "reprompt" and panel.form.prompt.value == "pikachu dancing"


async def test_rate_note_and_delete(make_studio):
    studio = make_studio()
    panel = Panel(studio)
    key = await _generate(panel, "a tide pool")
    card = panel._cards[key]
    card.rating.value = 4
    card.note.value = "keep this one"
    job = studio.get(key)
    assert (job.rating, job.notes) == (4, "keep this one")
    card.buttons["delete"].click()
    assert card.buttons["delete"].description == "Confirm?" and studio.jobs()
    card.buttons["delete"].click()
    await panel.drain()
    await until(lambda: key not in panel._cards)
    assert studio.jobs() == [] and panel.tree.nodes == []


async def test_markup_in_prompts_stays_text(make_studio):
    studio = make_studio()
    panel = Panel(studio)
    keys = [await _generate(panel, prompt) for prompt in XSS]
    for key, prompt in zip(keys, XSS, strict=True):
        card = panel._cards[key]
        assert card.prompt.value == prompt and card.player.label == prompt
        node = next(n for n in panel.tree.nodes if n["id"] == key)
        assert node["title"] == prompt
    html_out = panel._repr_mimebundle_()["text/html"]
    assert "<img src=x" not in html_out and "&lt;img src=x onerror=alert(1)&gt;" in html_out
    assert "</script>" not in html_out and "<script>" not in html_out
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html_out
    # untrusted text is never given to a widget that parses or typesets it
    for widget in all_widgets(panel):
        assert type(widget).__name__ not in {"HTML", "HTMLMath"}
        if type(widget).__name__ == "Label":
            assert widget.value not in XSS


async def test_static_fallback_and_widget_view_in_one_bundle(make_studio):
    studio = make_studio()
    panel = Panel(studio)
    await _generate(panel, "a paper boat")
    bundle = panel._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == panel.model_id
    html_out = bundle["text/html"]
    assert "a paper boat" in html_out and "data:image/webp;base64," in html_out
    assert "History tree" in html_out and "backend: Emulator" in html_out
    assert len(html_out) < 20_000


async def test_no_key_reaches_any_widget(make_studio, tmp_path):
    secret = "sk-test-DO-NOT-SHOW-1234567890"
    backend = Backend.openai(api_key=secret)
    studio = make_studio(backend=backend)
    panel = Panel(studio)
    panel.form.prompt.value = "anything"
    for widget in all_widgets(panel):
        state = str(widget.get_state())
        assert secret not in state and "DO-NOT-SHOW" not in state
    assert secret not in panel._repr_mimebundle_()["text/html"]
    assert panel.badge.value == "Backend: OpenAI"


async def test_many_jobs_show_a_window_of_cards(make_studio):
    studio = make_studio()
    panel = Panel(studio, cards=2)
    panel.form.prompt.value = "many"
    panel.form.variants.value = 4
    panel.form.submit.click()
    await panel.drain()
    assert len(panel.cards_box.children) == 2 and len(panel.tree.nodes) == 4
    assert "sn-hidden" not in panel.more._dom_classes and "2 more" in panel.more.description
    panel.more.click()
    assert len(panel.cards_box.children) == 4 and "sn-hidden" in panel.more._dom_classes


async def test_close_unsubscribes(make_studio):
    studio = make_studio()
    panel = Panel(studio)
    panel.close()
    panel.form.prompt.value = "after close"
    await studio.submit("after close")
    await until(lambda: studio.jobs()[0].status == "completed")
    assert panel._cards == {}


async def test_edit_and_extend_from_cards(make_studio):
    studio = make_studio()
    panel = Panel(studio)
    parent = await _generate(panel, "a red fox in snow")
    card = panel._cards[parent]
    card.buttons["edit"].click()
    assert panel.form.mode == "edit" and panel.form.submit.description == "Edit"
    assert "sn-hidden" in panel.form.variants._dom_classes
    panel.form.prompt.value = "a red fox in snow, wearing a scarf"
    panel.form.submit.click()
    await panel.drain()
    card.buttons["extend"].click()
    assert panel.form.mode == "extend" and panel.form.prompt.value == ""
    assert panel.form.seconds.description == "Add (s)"
    panel.form.seconds.value = "8"
    assert "Estimate $0.80" in panel.form.cost.value
    panel.form.prompt.value = "the fox runs off"
    panel.form.submit.click()
    await panel.drain()
    kinds = {j.edge_kind: j for j in studio.jobs() if j.key != parent}
    assert set(kinds) == {"edit", "extend"}
    assert all(j.parent_key == parent for j in kinds.values())


async def test_remix_refused_where_the_backend_cannot(make_studio):
    studio = make_studio()
    panel = Panel(studio)
    parent = await _generate(panel, "a red fox")
    studio.backend = studio.backend.with_quirks(supports_remix=False)
    panel.refresh()
    panel.remix(studio.get(parent))
    panel.form.submit.click()
    assert "cannot remix" in panel.form.errors["submit"].value
    assert len(studio.jobs()) == 1


def test_snapshot_is_an_html_display_object(tmp_path):
    from IPython.display import HTML

    from sora_notebook.studio import Studio

    studio = Studio(Backend.emulator(render="draft"), tmp_path / "s")
    panel = Panel(studio)
    assert isinstance(panel.snapshot(), HTML) and "sora-notebook studio" in panel.snapshot().data
    panel.close()
    studio.library.close()
    studio.backend.app.state.emulator.close()


async def test_snapshot_output_follows_the_panel_and_stays_current(make_studio, monkeypatch):
    shown: list = []
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: shown.append((a, k)))
    studio = make_studio()
    panel = Panel(studio)
    published: list = []
    updated: list = []
    panel.live_snapshot._publish = lambda bundle, **kw: published.append((bundle, kw))
    panel.live_snapshot._update = lambda bundle, **kw: updated.append((bundle, kw))
    panel._ipython_display_()  # what display(panel) and `Studio()` as a last line run
    (((panel_bundle,), panel_kw),) = shown
    assert panel_kw == {"raw": True}
    assert "application/vnd.jupyter.widget-view+json" in panel_bundle
    assert panel_bundle["text/plain"].startswith("sora-notebook studio panel")
    assert "snapshot follows" in panel_bundle["text/html"]
    ((bundle, kw),) = published
    assert bundle["text/html"].startswith('<div class="sn-snapshot">') and kw["raw"]
    await _generate(panel, XSS[0])
    await until(lambda: bool(updated) and "&lt;img src=x" in updated[-1][0]["text/html"])
    assert updated[-1][1]["display_id"] == kw["display_id"]
    assert "<img src=x" not in updated[-1][0]["text/html"]


def on_own_loop(fn) -> None:
    """Run `fn()` on a loop of this thread's own, as an ipykernel 7 subshell does.

    Not `asyncio.run`: once nest-asyncio2 is applied (the sync helpers do it), its
    `asyncio.run` leaves the loop open.
    """
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(fn())
    finally:
        loop.close()


async def test_clicks_from_a_subshell_thread_run_on_the_studio_loop(make_studio):
    """ipykernel 7 may deliver widget messages on a subshell thread with its own loop."""
    studio = make_studio()
    panel = Panel(studio)
    home = asyncio.get_running_loop()
    panel.form.prompt.value = "clicked on another thread"

    async def click() -> None:
        panel.form.submit.click()

    await asyncio.to_thread(on_own_loop, click)
    await until(lambda: len(studio.jobs()) == 1)
    await panel.drain()
    (job,) = studio.jobs()
    await until(
        lambda: panel._cards.get(job.key) is not None and panel._cards[job.key].job.is_final
    )
    assert studio.tracker.task.get_loop() is home  # no second tracker on the other loop

    async def rate() -> None:
        panel._cards[job.key].rating.value = 2

    await asyncio.to_thread(on_own_loop, rate)
    await until(lambda: studio.get(job.key).rating == 2)


async def test_anywidget_views_are_never_hidden_by_class(make_studio):
    """Visibility is toggled on plain Boxes only (see widgets/visibility.py)."""
    import anywidget

    from sora_notebook.widgets.visibility import HIDDEN

    panel = Panel(make_studio())
    parent = await _generate(panel, "a lighthouse at dusk")
    card = panel._cards[parent]
    assert HIDDEN not in card.player_box._dom_classes
    panel.remix(panel.studio.get(parent))
    await _generate(panel, "the same lighthouse in a storm")
    views = [x for x in all_widgets(panel) if isinstance(x, anywidget.AnyWidget)]
    assert views and not [x for x in views if HIDDEN in x._dom_classes]
