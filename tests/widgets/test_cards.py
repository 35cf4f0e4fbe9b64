"""Cards, tree and compare: failures, money as billed, notes, delete, selection, duel."""

from __future__ import annotations

import contextlib
import json

import pytest

from sora_notebook import SoraNotebookError
from sora_notebook.client.backend import Backend
from sora_notebook.widgets.judging import CAPTION_BAND

from .conftest import until


async def test_failure_is_explained_not_billed_and_compact(page):
    p = page()
    reply = await p.ask("generate", {"prompt": "pikachu dancing in the rain"})
    (key,) = reply["result"]["keys"]
    await until(lambda: p.job(key)["status"] == "failed")
    job = p.job(key)
    assert job["error"] == "Your request was blocked by our moderation system."
    assert "moderation" in job["hint"].lower()
    assert job["billed"] == 0.0 and job["cost"] == 0.4  # quoted, not billed
    assert p.view.money["session"] == 0.0


async def test_refused_requests_are_hidden_from_the_tree_until_asked(page):
    p = page()
    ok = await p.generate("a cat")
    studio = p.view.studio
    studio.backend = studio.backend.with_quirks(check_models=False)
    with contextlib.suppress(SoraNotebookError):
        await studio.submit("a cat", model="sora-3")
    p.view.flush()
    refused = next(j for j in p.view.jobs if j["key"] != ok)
    assert refused["status"] == "rejected" and refused["billed"] == 0.0 and refused["hint"]
    assert [n[0] for n in p.view.tree["nodes"]] == [ok] and p.view.tree["hidden"] == 1
    await p.ask("prefs", {"show_rejected": True})
    assert len(p.view.tree["nodes"]) == 2 and p.view.tree["hidden"] == 0


async def test_rating_note_tags_play_copy_and_delete(page):
    p = page()
    key = await p.generate("a tide pool")
    reply = await p.ask(
        "annotate", {"key": key, "rating": 4, "notes": "keep", "tags": "sea, blue,sea"}
    )
    assert reply["result"] == {"rating": 4, "notes": "keep", "tags": ["blue", "sea"]}
    assert p.job(key)["rating"] == 4 and p.job(key)["tags"] == ["blue", "sea"]
    await p.ask("annotate", {"key": key, "rating": 0})
    assert p.job(key)["rating"] is None
    assert (await p.ask("play", {"key": key}))["ok"] and p.view.playing == key
    prompt = await p.ask("prompt", {"key": key})
    assert prompt["result"]["prompt"] == "a tide pool"
    assert not (await p.ask("play", {"key": "nope"}))["ok"]
    reply = await p.ask("delete", {"key": key})
    assert reply["ok"] and reply["result"]["remote"]
    assert p.view.jobs == [] and p.view.tree["nodes"] == [] and p.view.playing == ""


async def test_long_prompts_are_short_in_state_and_whole_on_request(page):
    p = page()
    long = "a very long prompt " * 200
    key = await p.generate(long)
    assert len(p.job(key)["prompt"]) == 1200
    assert (await p.ask("prompt", {"key": key}))["result"]["prompt"] == long


async def test_select_one_plays_several_compare(page):
    p = page()
    a = await p.generate("a red fox")
    await p.ask("mode", {"mode": "remix", "key": a})
    b = await p.generate("a red fox in snow")
    await p.ask("select", {"keys": [a]})
    assert p.view.playing == a and p.view.compare == {}
    await p.ask("select", {"keys": [a, b, "unknown", a]})
    assert p.view.selected == [a, b]
    c = p.view.compare
    assert c["keys"] == [a, b] and c["letters"] == ["A", "B"]
    assert ["in snow", "+"] in c["prompts"][1]
    rows = {r["name"]: r for r in c["table"]["rows"]}
    assert rows["from"]["differs"] and not rows["model"]["differs"]
    assert rows["billed"]["values"] == ["$0.40", "$0.40"]
    await until(lambda: bool(p.view.compare["metrics"]["rows"]) and bool(p.view.compare["strip"]))
    metrics = {r["name"]: r for r in p.view.compare["metrics"]["rows"]}
    assert metrics and all(len(r["values"]) == 2 for r in metrics.values())
    assert all(0.0 <= v <= 1.0 for v in p.view.compare["strip"])
    assert any(any(curve for curve in r["curves"]) for r in metrics.values())
    await p.ask("select", {"keys": []})
    assert p.view.compare == {}


async def test_blind_duel_records_preferences_and_ranks(page):
    p = page()
    keys = [await p.generate(f"a fox, take {i}") for i in range(3)]
    assert (await p.ask("duel", {}))["ok"]
    duel = p.view.duel
    assert sorted(duel["pair"]) == sorted(set(duel["pair"])) and set(duel["pair"]) <= set(keys)
    assert "prompt" not in json.dumps(duel["pair"])  # the sides carry no labels
    assert duel["veil"] == CAPTION_BAND  # the emulator's burned-in captions are veiled
    left, right = duel["pair"]
    reply = await p.ask("prefer", {"choice": 2, "round": duel["round"]})
    assert reply["ok"] and p.view.duel["round"] == duel["round"] + 1
    board = {r["key"]: r for r in p.view.duel["ranking"]}
    assert board[right]["wins"] == 1 and board[left]["losses"] == 1
    assert board[right]["score"] > board[left]["score"]
    stale = await p.ask("prefer", {"choice": 1, "round": duel["round"]})
    assert not stale["ok"] and "no longer shown" in stale["error"]
    assert not (await p.ask("prefer", {"choice": 7, "round": p.view.duel["round"]}))["ok"]
    await p.ask("prefer", {"choice": 0, "round": p.view.duel["round"]})
    assert sum(r["ties"] for r in p.view.duel["ranking"]) == 2
    await p.ask("duel", {"stop": True})
    assert p.view.duel == {}


async def test_a_duel_needs_two_finished_videos(page):
    p = page()
    await p.generate()
    reply = await p.ask("duel", {})
    assert not reply["ok"] and "two finished videos" in reply["error"]


async def test_cancel_a_job_in_flight_and_import_from_the_server(page):
    p = page(speed=0.5)
    reply = await p.ask("generate", {"prompt": "a slow glacier"})
    (key,) = reply["result"]["keys"]
    assert not (await p.ask("cancel", {"key": "nope"}))["ok"]
    reason = p.view.options["capabilities"]["cancel"]
    reply = await p.ask("cancel", {"key": key})
    if reason and hasattr(p.view.studio, "cancel"):  # the server cannot: refused, with why
        assert not reply["ok"] and reply["error"] == reason
    else:
        assert reply["ok"] and p.view.status["text"]
        await until(
            lambda: (
                p.job(key)["status"] not in {"queued", "in_progress"}
                if any(j["key"] == key for j in p.view.jobs)
                else True
            )
        )
    reply = await p.ask("import", {})
    assert reply["ok"] and reply["result"]["text"].startswith("Imported ")


async def test_play_and_select_from_code(page):
    p = page()
    a = await p.generate("one")
    b = await p.generate("two")
    p.view.play(a)
    assert p.view.playing == a
    p.view.select(p.view.studio.get(a), b)
    assert p.view.selected == [a, b] and p.view.compare["keys"] == [a, b]


async def test_a_full_disk_shows_on_the_card_with_what_to_do(page):
    p = page()
    key = await p.generate("a lighthouse")
    message = "The disk holding the library is full: the video stays on the server; free space."
    p.view.studio.library.update(key, error_code="disk_full", error_message=message)
    p.view.flush()
    job = p.job(key)
    assert job["status"] == "completed" and job["error"] == message
    assert "disk space" in job["hint"]


async def test_a_duel_across_models_is_blind_and_the_models_are_ranked(page):
    p = page(caption=False)
    studio = p.view.studio
    jobs = await studio.fan_out("a fox", ["emulator:emu-amber", "emulator:emu-noir"])
    keys = {j.key for j in jobs}
    await until(lambda: {j["key"] for j in p.view.jobs if "video" in j["media"]} >= keys)
    assert {p.job(j.key)["target"] for j in jobs} == {"emulator:emu-amber", "emulator:emu-noir"}
    assert p.view.backend["several"] is False  # one backend: cards name the model alone
    await p.ask("select", {"keys": [j.key for j in jobs]})  # compare: who made each, in what time
    rows = {r["name"]: r for r in p.view.compare["table"]["rows"]}
    assert rows["target"]["values"] == [p.job(j.key)["target"] for j in jobs]
    assert rows["target"]["differs"] and all(v.endswith(" s") for v in rows["took"]["values"])
    await p.ask("select", {"keys": []})
    assert (await p.ask("duel", {}))["ok"]
    duel = p.view.duel
    assert set(duel["pair"]) == keys
    assert "emu-" not in json.dumps(duel) and "emulator" not in json.dumps(duel)
    assert duel["veil"] == 0  # clips without a caption: nothing to veil
    left = duel["pair"][0]
    await p.ask("prefer", {"choice": 1, "round": duel["round"]})
    assert "emu-" not in json.dumps(p.view.duel)  # nothing names a model while it is on
    await p.ask("duel", {"stop": True})
    rows = p.view.duel["models"]  # the leaderboard by model, once the duel is over
    assert rows[0]["model"] == p.job(left)["target"]
    assert rows[0]["wins"] == 1 and rows[1]["losses"] == 1 and rows[0]["cost"] > 0
    await p.ask("duel", {"stop": True})
    assert p.view.duel == {}
    studio.add_backend("far", Backend.compatible("http://127.0.0.1:9/v1", "sk-far"))
    p.view.flush()
    assert p.view.backend["several"] is True  # now cards say "backend:model"


async def test_the_form_sends_one_prompt_to_several_models_quoted_whole(page):
    p = page(budget=1.0)
    assert p.view.options["backends"] == ["emulator"]
    targets = ["emulator:emu-amber", "emulator:emu-noir"]
    reply = await p.ask("form", {"prompt": "a heron", "seconds": "4", "targets": targets})
    assert reply["result"]["plan"]["cost"] == pytest.approx(0.20 + 1.00)  # both, quoted whole
    assert "budget" in reply["result"]["plan"]["problems"]  # $1.20 > the $1 budget
    assert not (await p.ask("generate", {}))["ok"]
    assert p.view.studio.jobs() == []  # nothing sent
    await p.ask("budget", {"value": "5"})
    reply = await p.ask("generate", {"targets": targets})
    assert reply["ok"], reply
    await p.view.drain()
    made = {p.view.studio.get(k).model for k in reply["result"]["keys"]}
    assert made == {"emu-amber", "emu-noir"}
    await p.ask("mode", {"mode": "new"})
    assert p.view.form["targets"] == targets  # kept for the next prompt
