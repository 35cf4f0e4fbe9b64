"""The studio view driven as the page would (requests through the custom-message path),
against a real Studio on the in-process emulator."""

from __future__ import annotations

from sora_notebook.widgets import StudioView

from .conftest import request, until


async def _generate(view: StudioView, sent, prompt: str = "a red fox", **fields) -> str:
    before = {j.key for j in view.studio.jobs()}
    request(view, "generate", {"prompt": prompt, **fields})
    await view.drain()
    content, _ = sent.last
    assert content["ok"], content
    (key,) = {j.key for j in view.studio.jobs()} - before
    return key


async def test_studio_panel_is_the_view_and_submits(make_studio, sent):
    studio = make_studio()
    view = studio.panel()
    assert isinstance(view, StudioView)
    view.send = sent
    assert view.backend["label"] == "Emulator" and "emulator" in view.backend["note"].lower()
    key = await _generate(view, sent)
    await until(lambda: any(j["key"] == key and j["status"] == "completed" for j in view.jobs))
    await until(lambda: "video" in next(j for j in view.jobs if j["key"] == key)["media"])
    assert view.tree["nodes"][0][0] == key
    view.close()
