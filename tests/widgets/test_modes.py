"""Remix, edit, extend, retry with changes, a frame as reference: what the form shows
and what each sends."""

from __future__ import annotations

from .conftest import png_bytes, until


async def test_remix_prefills_explains_and_makes_a_child_edge(page):
    p = page()
    parent = await p.generate("a red fox")
    reply = await p.ask("mode", {"mode": "remix", "key": parent})
    form = p.view.form
    assert reply["ok"] and form["mode"] == "remix" and form["parent"] == parent
    assert form["prompt"] == "a red fox" and form["action"] == "Remix"
    assert "keeps its model, size and length" in form["banner"]
    assert p.view.status["text"] == ""  # a new mode clears the status line
    child = await p.generate("a blue fox")
    assert p.job(child)["parent"] == parent and p.job(child)["from"] == "from a remix"
    assert p.view.tree["edges"][0][:3] == [parent, child, "remix"]
    assert p.view.form["mode"] == "new" and p.view.form["parent"] is None


async def test_extend_adds_seconds_without_touching_generates_seconds(page):
    p = page()
    parent = await p.generate("a river")
    await p.ask("mode", {"mode": "extend", "key": parent})
    form = p.view.form
    assert form["prompt"] == "" and form["placeholder"] == "What happens next…"
    assert "continues this video" in form["banner"]
    await p.ask("form", {"prompt": "the river reaches the sea", "add_seconds": "8"})
    assert p.view.plan["cost"] == 0.8
    child = await p.generate("the river reaches the sea", add_seconds="8")
    assert p.job(child)["from"] == "from an extension"
    assert p.view.form["seconds"] == "4" and p.view.form["mode"] == "new"
    assert p.view.form["prompt"] == ""
    await p.ask("form", {"prompt": "next"})
    assert p.view.plan["cost"] == 0.4  # Generate still quotes 4 s


async def test_edit_says_how_it_differs_and_links_the_child(page):
    p = page()
    parent = await p.generate("a city street")
    await p.ask("mode", {"mode": "edit", "key": parent})
    assert "one change" in p.view.form["banner"] and p.view.form["action"] == "Edit"
    assert p.view.form["prompt"] == "" and "What to change" in p.view.form["placeholder"]
    child = await p.generate("make it night")
    assert p.job(child)["from"] == "from an edit"


async def test_retry_with_changes_after_a_failure(page):
    p = page()
    reply = await p.ask("generate", {"prompt": "pikachu dancing"})
    (key,) = reply["result"]["keys"]
    await until(lambda: p.job(key)["status"] == "failed")
    await p.ask("mode", {"mode": "reprompt", "key": key})
    assert p.view.form["prompt"] == "pikachu dancing" and p.view.form["mode"] == "reprompt"
    child = await p.generate("a yellow cartoon mouse dancing")
    assert p.job(child)["parent"] == key


async def test_escape_cancels_a_mode(page):
    p = page()
    parent = await p.generate()
    await p.ask("mode", {"mode": "remix", "key": parent})
    await p.ask("mode", {"mode": "new"})
    assert p.view.form["mode"] == "new" and p.view.form["banner"] == ""
    assert not (await p.ask("mode", {"mode": "remix"}))["ok"]  # needs its video
    assert not (await p.ask("mode", {"mode": "sideways", "key": parent}))["ok"]


async def test_a_picked_frame_becomes_the_reference_of_a_frame_child(page):
    p = page()
    parent = await p.generate("a lighthouse")
    reply = await p.ask("frame", {"key": parent, "time": 1.5}, [png_bytes()])
    assert reply["ok"] and p.view.form["mode"] == "frame"
    assert p.view.form["reference"]["name"] == "frame at 1.50 s"
    assert p.view.form["reference"]["describe"] == "64x36 -> cropped to 720x1280"
    child = await p.generate("the lighthouse at night")
    assert p.job(child)["from"] == "from a frame" and p.job(child)["ref"]
    assert not (await p.ask("frame", {"key": parent}, [b"GIF89a"]))["ok"]


async def test_actions_a_server_cannot_do_are_disabled_with_the_reason(page):
    p = page()
    parent = await p.generate()
    studio = p.view.studio
    studio.backend = studio.backend.with_quirks(supports_remix=False)
    from sora_notebook.widgets import StudioView

    view = StudioView(studio, root=None)
    try:
        assert "cannot remix" in view.options["capabilities"]["remix"]
        view.send = p.sent
        p.view = view
        reply = await p.ask("mode", {"mode": "remix", "key": parent})
        assert not reply["ok"] and "cannot remix" in reply["error"]
    finally:
        view.close()
