"""The view's messages in its own words (UX review 2, finding 9): what changed and
nothing else, the form's labels rather than the API's arguments, no object reprs, counts
that add up, and no empty duel left open."""

from __future__ import annotations

import io

from PIL import Image


def _png(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (9, 99, 199)).save(out, format="PNG")
    return out.getvalue()


async def test_setting_the_budget_says_so_and_not_that_the_daily_one_was_cleared(page):
    p = page()
    # what the page sends for "Set": both budgets, the daily one empty
    assert (await p.ask("budget", {"value": "5"}))["ok"]
    assert (await p.ask("budget", {"value": "", "daily": True}))["ok"]
    assert p.view.status["text"] == "Budget $5.00."
    await p.ask("budget", {"value": "2", "daily": True})
    assert p.view.status["text"] == "Daily budget $2.00."
    await p.ask("budget", {"value": "", "daily": True})
    assert p.view.status["text"] == "Daily budget cleared."


async def test_a_file_that_is_not_a_picture_is_named_so(page):
    p = page()
    reply = await p.ask("reference", {"name": "scan.png"}, [b"%PDF-1.4\n%\xe2\xe3\n1 0 obj"])
    assert not reply["ok"]
    assert "object at 0x" not in reply["error"] and "BytesIO" not in reply["error"]
    assert "PNG, JPEG" in reply["error"]


async def test_a_size_mismatch_names_the_forms_fit_menu(page):
    p = page()
    await p.ask("form", {"prompt": "a fox", "fit": "none", "size": "720x1280"})
    assert (await p.ask("reference", {"name": "photo.png"}, [_png((1000, 700))]))["ok"]
    problem = p.view.plan["problems"]["input_reference"]
    assert "Fit: crop to fill" in problem and "fit='crop'" not in problem


async def test_requests_sent_close_together_are_counted_together(page):
    p = page()
    for n in range(3):
        assert (await p.ask("generate", {"prompt": f"a fox {n}"}))["ok"]
        await p.view.drain()
    assert p.view.status["text"].startswith("Sent 1 request (3 in the last 5 seconds)")


async def test_a_duel_without_two_videos_leaves_no_empty_duel_open(page):
    p = page()
    reply = await p.ask("duel", {})
    assert not reply["ok"] and "two finished videos" in reply["error"]
    assert p.view.duel == {}


async def test_a_fifth_video_in_compare_says_the_first_was_let_go(page):
    p = page()
    keys = [await p.generate(f"a fox {n}") for n in range(5)]
    await p.ask("select", {"keys": keys})
    assert p.view.selected == keys[1:]
    assert "four videos at most" in p.view.status["text"]
