"""The studio view driven as the page would (requests through the custom-message path),
against a real Studio on the in-process emulator."""

from __future__ import annotations

import io

from PIL import Image

from sora_notebook.widgets import StudioView

from .conftest import until


async def test_studio_panel_is_the_view(make_studio):
    studio = make_studio()
    view = studio.panel()
    assert isinstance(view, StudioView)
    assert view.backend["label"] == "Emulator" and "no model runs" in view.backend["note"]
    assert view.options["capabilities"]["remix"] is None
    view.close()


async def test_generate_progress_completion_and_media_bytes(page):
    p = page()
    seen: list[tuple[str, float]] = []
    p.view.observe(lambda c: seen.extend((j["status"], j["p"][0]) for j in c["new"]), "jobs")
    key = await p.generate("a red fox at dawn")
    job = p.job(key)
    assert job["status"] == "completed" and job["p"][0] == 1.0
    assert job["billed"] == 0.4 and job["model"] == "sora-2" and job["seconds"] == "4"
    assert job["media"]["video"] == ""  # no files/ URL here: the page asks for bytes
    assert job["media"]["grid"][2] == 4  # one spritesheet tile a second
    assert any(status in {"queued", "in_progress"} for status, _ in seen)
    reply = await p.ask("media", {"items": [[key, "video"], [key, "thumbnail"], [key, "x"]]})
    items = reply["result"]["items"]
    video, thumb = p.buffers(reply)
    assert items[0]["mime"] == "video/mp4" and video[4:8] == b"ftyp"
    assert items[1]["mime"] == "image/webp" and thumb[:4] == b"RIFF"
    assert "error" in items[2]
    assert p.view.status["text"].startswith("Sent 1 request")
    assert p.view.tree["nodes"][0][0] == key


async def test_active_jobs_carry_progress_parameters(page):
    p = page(speed=1.0)
    reply = await p.ask("generate", {"prompt": "a slow tide"})
    key = reply["result"]["keys"][0]
    await until(lambda: p.job(key)["status"] in {"queued", "in_progress"})
    fraction, left, as_of, source = p.job(key)["p"]
    assert 0 <= fraction < 1 and left is not None and left > 0
    assert source in {"server", "predicted"} and as_of > 0


async def test_problems_come_back_per_field_and_nothing_is_sent(page):
    p = page()
    reply = await p.ask("generate", {"prompt": "   "})
    assert not reply["ok"] and "prompt" in reply["problems"]
    assert p.view.plan["attempted"] and p.view.plan["problems"]["prompt"]
    assert p.view.status["kind"] == "error" and p.view.studio.jobs() == []
    reply = await p.ask("generate", {"prompt": "x" * 32_001})
    assert "32,000" in reply["problems"]["prompt"]


async def test_variants_are_clamped_visibly(page):
    p = page()
    reply = await p.ask("form", {"prompt": "a fox", "n": 9})
    assert p.view.form["n"] == 4 and "9 became 4" in p.view.form["notes"]["n"]
    assert reply["result"]["plan"]["cost"] == 1.6
    reply = await p.ask("generate", {"n": 2})
    assert reply["ok"] and len(reply["result"]["keys"]) == 2


async def test_budget_is_settable_and_blocks_generate_with_the_reason(page):
    p = page()
    await p.ask("form", {"prompt": "a fox", "n": 2})
    reply = await p.ask("budget", {"value": 0.5})
    assert reply["ok"] and p.view.studio.budget == 0.5 and p.view.money["budget"] == 0.5
    assert p.view.money["left"] == 0.5
    assert "$0.80" in p.view.plan["blocked"] and "$0.50" in p.view.plan["blocked"]
    reply = await p.ask("generate", {})
    assert not reply["ok"] and "budget" in reply["problems"] and p.view.studio.jobs() == []
    await p.ask("form", {"n": 1})
    assert p.view.plan["blocked"] == "" and p.view.plan["ok"]
    assert not (await p.ask("budget", {"value": -1}))["ok"]
    await p.ask("budget", {"value": None})
    assert p.view.studio.budget is None and p.view.money["budget"] is None
    await p.ask("budget", {"value": 0.2, "daily": True})
    assert p.view.studio.daily_budget == 0.2 and p.view.money["daily_budget"] == 0.2
    assert p.view.money["left"] == 0.2 and p.view.plan["blocked"]  # $0.40 > $0.20 today


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (250, 200, 0)).save(out, format="PNG")
    return out.getvalue()


async def test_reference_is_fitted_described_and_cleared_after_generate(page):
    p = page()
    reply = await p.ask("reference", {"name": "square.png"}, [_png(1000, 1000)])
    ref = reply["result"]["reference"]
    assert ref["describe"] == "1000x1000 -> cropped to 720x1280" and ref["count"] == 1
    await p.ask("form", {"fit": "pad", "size": "1280x720"})
    assert p.view.form["reference"]["describe"] == "1000x1000 -> padded to 1280x720"
    preview = await p.ask("media", {"items": [["@reference", "preview"]]})
    assert p.buffers(preview)[0].startswith(b"\x89PNG")
    key = await p.generate("a sunflower opens")
    assert p.job(key)["ref"] is True and p.job(key)["size"] == "1280x720"
    assert p.view.form["reference"] is None  # not kept: cleared, visibly


async def test_kept_reference_stays_for_the_next_video(page):
    p = page()
    await p.ask("reference", {}, [_png(64, 64)])
    await p.ask("form", {"keep_reference": True})
    await p.generate("first")
    assert p.view.form["reference"]["describe"].startswith("64x64")
    reply = await p.ask("reference", {})  # remove
    assert reply["result"]["reference"] is None and p.view.form["reference"] is None


async def test_unknown_method_and_bad_image_answer_with_errors(page):
    p = page()
    assert "does not answer" in (await p.ask("nope"))["error"]
    assert "cannot be used" in (await p.ask("reference", {}, [b"not an image"]))["error"]


async def test_a_second_generate_while_sending_is_refused(page):
    p = page()
    first = p.view.form_part.request_generate({"prompt": "one"}, [])  # pending coroutine
    reply = await p.ask("generate", {"prompt": "two"})
    assert not reply["ok"] and "Still sending" in reply["error"]
    await first
    assert len(p.view.studio.jobs()) == 1
