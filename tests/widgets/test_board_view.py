"""The storyboard strip's requests against the real emulator and library: a board from a
pasted script, edited, made (quoted whole, against the budget), a take picked (what
continued from it goes stale), the film stitched with every join scored and sent to the
page over the channel."""

from __future__ import annotations

import asyncio
from typing import Any

from .conftest import Page, request

SCRIPT = """# Three shots
1. A red fox trots through fresh snow at dawn | seconds=4
2. The fox stops and looks up at the pale sky | seconds=4 join=continue
3. A neon city street at night in the rain | seconds=4
"""


async def ask_long(p: Page, args: dict[str, Any], seconds: float = 180) -> dict[str, Any]:
    """`board` requests that make videos or stitch a film take longer than `ask` waits."""
    p._ids += 1
    request_id = f"b{p._ids}"
    request(p.view, "board", args, None, request_id=request_id)
    for _ in range(int(seconds / 0.01)):
        replies = [c for c, _ in p.sent.messages if c.get("id") == request_id]
        if replies:
            return replies[0]
        await asyncio.sleep(0.01)
    raise AssertionError(f"no reply to board {args}")


def shots(p: Page) -> list[dict[str, Any]]:
    return p.view.board["shots"]


async def test_a_board_is_built_made_and_stitched_in_the_view(page):
    p = page()
    assert p.view.board == {}
    none = await p.ask("board", {"op": "run"})
    assert not none["ok"] and "paste a script" in none["error"]
    assert (await p.ask("board", {"op": "new", "script": SCRIPT, "takes": 2}))["ok"]
    assert [s["id"] for s in shots(p)] == ["shot-1", "shot-2", "shot-3"]
    assert p.view.board["quote"].startswith("3 shots: $")  # the whole film, before anything
    added = await p.ask("board", {"op": "add", "prompt": "Rain runs down a shop window"})
    assert added["ok"] and shots(p)[-1]["join"] == "continue"
    await p.ask("board", {"op": "move", "shot": "shot-3", "by": 1})
    assert [s["id"] for s in shots(p)][2:] == ["shot-4", "shot-3"]
    assert (await p.ask("board", {"op": "remove", "shot": "shot-4"}))["ok"]
    assert (await p.ask("board", {"op": "join", "shot": "shot-3", "join": "cut"}))["ok"]
    bad = await p.ask("board", {"op": "join", "shot": "shot-3", "join": "dissolve"})
    assert not bad["ok"] and "cut, continue, extend" in bad["error"]
    early = await p.ask("board", {"op": "film"})
    assert not early["ok"] and "Not made yet: shot-1, shot-2, shot-3" in early["error"]

    made = await ask_long(p, {"op": "run"})
    assert made["ok"], made
    assert all(len(s["takes"]) == 2 and s["chosen"] in s["takes"] for s in shots(p))
    assert p.view.board["quote"] == ""  # nothing left to make
    keys = {k for s in shots(p) for k in s["takes"]}
    assert keys <= {j["key"] for j in p.view.jobs}  # takes are the view's own jobs (cards)

    other = next(k for k in shots(p)[0]["takes"] if k != shots(p)[0]["chosen"])
    assert (await p.ask("board", {"op": "choose", "shot": "shot-1", "key": other}))["ok"]
    assert [s["stale"] for s in shots(p)] == [False, True, False]
    assert "shot-2 (stale)" in p.view.status["text"]
    assert (await p.ask("board", {"op": "keep", "shot": "shot-2"}))["ok"]
    assert not any(s["stale"] for s in shots(p))

    stitched = await ask_long(p, {"op": "film"})
    assert stitched["ok"], stitched
    film = p.view.board["film"]
    assert 11.5 <= film["seconds"] <= 12.5 and film["size"] == "1280x720"
    assert len(film["joins"]) == 2 and film["joins"][0]["ssim"] > film["joins"][1]["ssim"]
    reply = await p.ask("media", {"items": [[film["key"], "video"]]})
    (item,) = reply["result"]["items"]
    assert item["mime"] == "video/mp4" and p.buffers(reply)[0][4:8] == b"ftyp"


async def test_a_board_over_the_budget_is_refused_before_anything_is_sent(page):
    p = page(budget=0.5)
    assert (await p.ask("board", {"op": "new", "script": SCRIPT}))["ok"]
    before = len(p.view.studio.jobs())
    refused = await ask_long(p, {"op": "run"})
    assert not refused["ok"] and "budget" in refused["error"].lower()
    assert len(p.view.studio.jobs()) == before  # nothing was sent
    bad = await p.ask("board", {"op": "new", "script": "1. | seconds=99999"})
    assert not bad["ok"] and "line 1: the shot has no prompt" in bad["error"]
