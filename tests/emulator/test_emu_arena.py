"""One emulator, several models: per-job seeds, the caption switch, the model catalogue."""

from __future__ import annotations

import io

import av
import numpy as np

from sora_notebook.protocol import estimate_cost
from sora_notebook.widgets.judging import CAPTION_BAND

from .conftest import asgi_client, complete

SMALL = {"size": "1280x720", "seconds": "4"}


def first_frame(engine, video_id: str) -> np.ndarray:
    """The clip's first frame as yuv420p rows (Y on top, then U and V)."""
    data = engine.media_path(engine.jobs[video_id]).read_bytes()
    with av.open(io.BytesIO(data)) as container:
        frame = next(container.decode(container.streams.video[0]))
        return frame.to_ndarray(format="yuv420p").astype(np.int16)


async def make(client, clock, **body) -> dict:
    job = (await client.post("/videos", json={**SMALL, **body})).json()
    assert "id" in job, job
    return await complete(client, clock, job["id"])


async def test_repeated_prompts_differ_and_a_seed_pins_the_look(app, clock):
    engine = app.state.emulator
    async with asgi_client(app) as client:
        a = await make(client, clock, prompt="a fox in a meadow")
        b = await make(client, clock, prompt="a fox in a meadow")
        c = await make(client, clock, prompt="a fox in a meadow", seed=7)
        d = await make(client, clock, prompt="a fox in a meadow", seed=7)
    sha = {k: engine.media_sha256(v["id"]) for k, v in dict(a=a, b=b, c=c, d=d).items()}
    assert sha["a"] != sha["b"]  # two variants of one prompt are two pictures
    assert sha["c"] == sha["d"] and sha["c"] not in (sha["a"], sha["b"])
    assert engine.jobs[c["id"]].render_spec.key() == engine.jobs[d["id"]].render_spec.key()


async def test_the_same_run_of_requests_renders_the_same_bytes_per_engine_seed(make_app, clock):
    digests = []
    for seed in (None, None, 5, 5):
        app = make_app(clock=clock, seed=seed)
        async with asgi_client(app) as client:
            job = await make(client, clock, prompt="a boat on the ocean")
        digests.append(app.state.emulator.media_sha256(job["id"]))
    assert digests[0] == digests[1] and digests[2] == digests[3] and digests[0] != digests[2]


async def test_caption_off_removes_only_the_burned_in_prompt(make_app, clock):
    app = make_app(clock=clock)
    async with asgi_client(app) as client:
        on = await make(client, clock, prompt="a red balloon over the city", seed=3)
        off = await make(client, clock, prompt="a red balloon over the city", seed=3, caption=False)
        form = (
            await client.post(
                "/videos",
                data={
                    **SMALL,
                    "prompt": "a red balloon over the city",
                    "seed": "3",
                    "caption": "off",
                },
                headers={"content-type": "application/x-www-form-urlencoded"},
            )
        ).json()
        await complete(client, clock, form["id"])
        bad = await client.post("/videos", json={"prompt": "x", "caption": "maybe"})
        bad_seed = await client.post("/videos", json={"prompt": "x", "seed": -1})
    engine = app.state.emulator
    a, b = first_frame(engine, on["id"]), first_frame(engine, off["id"])
    band = 720 // 12 + 10 + 2  # the caption strip at the bottom of the picture
    assert band - 2 <= CAPTION_BAND * 720  # what a blind duel veils covers it
    assert np.array_equal(a[: 720 - band - 16], b[: 720 - band - 16])  # the picture is the same
    assert np.abs(a[720 - band : 720] - b[720 - band : 720]).mean() > 1.0  # the text is gone
    assert engine.media_sha256(form["id"]) == engine.media_sha256(off["id"])
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "caption"
    assert bad_seed.status_code == 400 and bad_seed.json()["error"]["param"] == "seed"


async def test_an_emulator_without_captions_and_remixes_keep_seed_and_caption(make_app, clock):
    app = make_app(clock=clock, caption=False)
    engine = app.state.emulator
    async with asgi_client(app) as client:
        plain = await make(client, clock, prompt="a deer in a forest")
        asked = await make(client, clock, prompt="a deer in a forest", caption=True)
        remix = (
            await client.post(f"/videos/{plain['id']}/remix", json={"prompt": "a deer at night"})
        ).json()
    parent, child = engine.jobs[plain["id"]].render_spec, engine.jobs[remix["id"]].render_spec
    assert parent.caption is False and engine.jobs[asked["id"]].render_spec.caption is True
    assert (child.seed, child.caption) == (parent.seed, False)


async def test_models_are_listed_with_prices_and_each_has_its_look_and_pace(app, clock):
    engine = app.state.emulator
    async with asgi_client(app) as client:
        listed = (await client.get("/models")).json()["data"]
        by_id = {m["id"]: m for m in listed}
        assert {"sora-2", "emu-amber", "emu-slate", "emu-noir"} <= set(by_id)
        assert by_id["emu-amber"]["price_per_second"]["1280x720"] == 0.05
        assert by_id["emu-noir"]["price_per_second"]["1280x720"] == 0.25
        jobs = {}
        for model in ("sora-2", "emu-amber", "emu-slate", "emu-noir"):
            jobs[model] = (
                await client.post(
                    "/videos", json={**SMALL, "prompt": "a meadow", "model": model, "seed": 1}
                )
            ).json()
        for job in jobs.values():
            await complete(client, clock, job["id"])
        refused = await client.post("/videos", json={"prompt": "x", "model": "emu-nope"})
    assert refused.status_code == 400 and "emu-amber" in refused.json()["error"]["message"]
    finish = {m: engine.jobs[j["id"]].finishes_at for m, j in jobs.items()}
    assert finish["emu-amber"] < finish["sora-2"] < finish["emu-slate"] < finish["emu-noir"]
    assert estimate_cost("emu-amber", "1280x720", 4) < estimate_cost("emu-noir", "1280x720", 4)
    # Same prompt, same seed: the same scene in each model's grade. Warm is redder and less
    # blue than cool; noir has the least colour.
    frames = {m: first_frame(engine, j["id"]) for m, j in jobs.items()}
    h = 720

    def chroma(frame: np.ndarray) -> tuple[float, float]:
        u = frame[h : h + h // 4].reshape(-1)
        v = frame[h + h // 4 :].reshape(-1)
        return float(u.mean()), float(v.mean())

    (u_warm, v_warm), (u_cool, v_cool) = chroma(frames["emu-amber"]), chroma(frames["emu-slate"])
    assert v_warm - u_warm > v_cool - u_cool + 20
    noir = frames["emu-noir"][h:]
    assert np.abs(noir - 128).mean() < np.abs(frames["sora-2"][h:] - 128).mean()
