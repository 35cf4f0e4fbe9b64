"""The emulator's HTTP protocol, in-process, on a fake clock."""

from __future__ import annotations

import pytest

from sora_notebook.emulator.moderation import MODERATION_MESSAGE, blocked_term

from .conftest import asgi_client, complete, data_url, png_bytes


async def create(client, **body) -> dict:
    body.setdefault("prompt", "a paper boat on a calm lake")
    body.setdefault("size", "1280x720")
    r = await client.post("/videos", json=body)
    assert r.status_code == 200, r.text
    return r.json()


async def test_job_moves_through_its_lifecycle_on_the_clock(client, clock):
    job = await create(client, seconds="8")
    assert (job["status"], job["progress"], job["object"]) == ("queued", 0, "video")
    assert job["seconds"] == "8" and job["size"] == "1280x720" and job["model"] == "sora-2"
    assert job["completed_at"] is None and job["expires_at"] is None and job["error"] is None
    seen = []
    for _ in range(8):
        clock.advance(5)
        r = await client.get(f"/videos/{job['id']}")
        body = r.json()
        seen.append((body["status"], body["progress"]))
        if body["status"] == "completed":
            assert "openai-poll-after-ms" not in r.headers
            break
        assert int(r.headers["openai-poll-after-ms"]) > 0
    statuses = [s for s, _ in seen]
    assert statuses[0] == "in_progress" and statuses[-1] == "completed"
    progresses = [p for s, p in seen if s == "in_progress"]
    assert len(progresses) >= 2 and progresses == sorted(progresses) and progresses[0] < 99
    done = body
    assert done["progress"] == 100 and done["completed_at"] >= done["created_at"]
    assert done["expires_at"] == done["completed_at"] + 3600


async def test_speed_scales_durations(make_app, clock):
    slow, fast = make_app(clock=clock), make_app(clock=clock, speed=10)
    async with asgi_client(slow) as s, asgi_client(fast) as f:
        a, b = await create(s), await create(f)
        clock.advance(1)
        assert (await s.get(f"/videos/{a['id']}")).json()["status"] == "queued"
        assert (await f.get(f"/videos/{b['id']}")).json()["status"] == "in_progress"
        clock.advance(2)
        assert (await s.get(f"/videos/{a['id']}")).json()["status"] == "in_progress"
        assert (await f.get(f"/videos/{b['id']}")).json()["status"] == "completed"


async def test_pro_and_longer_clips_take_longer(app):
    engine = app.state.emulator
    async with asgi_client(app) as client:
        short = engine.get((await create(client))["id"])
        long = engine.get((await create(client, seconds="12"))["id"])
        pro = engine.get((await create(client, model="sora-2-pro"))["id"])
    assert short.run_for < long.run_for and short.run_for < pro.run_for
    assert 10 <= short.queue_for + short.run_for <= 120  # "tens of seconds" at speed 1


async def test_multipart_create_with_bracketed_data_url_reference(client, clock):
    ref = png_bytes(1280, 720)
    files = {
        "prompt": (None, "a red kite, slow zoom"),
        "size": (None, "1280x720"),
        "seconds": (None, "4"),
        "input_reference[image_url]": (None, data_url(ref)),
    }
    r = await client.post("/videos", files=files)
    assert r.status_code == 200, r.text
    assert (await complete(client, clock, r.json()["id"]))["status"] == "completed"


async def test_multipart_create_with_uploaded_reference_file(client, clock, app):
    ref = png_bytes(720, 1280, fmt="JPEG")
    files = {
        "prompt": (None, "a lighthouse"),
        "input_reference": ("ref.jpg", ref, "image/jpeg"),
    }
    r = await client.post("/videos", files=files)
    assert r.status_code == 200, r.text
    job = app.state.emulator.get(r.json()["id"])
    assert job.render_spec.reference_sha256 is not None and job.size == "720x1280"


@pytest.mark.parametrize(
    ("body", "param", "needle"),
    [
        ({"prompt": ""}, "prompt", "empty"),
        ({"prompt": "   "}, "prompt", "empty"),
        ({}, "prompt", "prompt"),
        ({"prompt": "x" * 32_001}, "prompt", "limit"),
        ({"prompt": "x", "model": "wan-2.2"}, "model", "wan-2.2"),
        ({"prompt": "x", "size": "1920x1080"}, "size", "sora-2-pro"),
        ({"prompt": "x", "size": "big"}, "size", "WIDTHxHEIGHT"),
        ({"prompt": "x", "seconds": "5"}, "seconds", "5"),
        ({"prompt": "x", "seconds": "-4"}, "seconds", "-4"),
        ({"prompt": "x", "seconds": [4]}, "seconds", "string"),
    ],
)
async def test_invalid_create_is_400_in_the_error_envelope(client, app, body, param, needle):
    r = await client.post("/videos", json=body)
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["param"] == param and needle in error["message"]
    assert error["type"] == "invalid_request_error"
    assert app.state.emulator.created == 0


async def test_reference_must_match_size(client):
    body = {
        "prompt": "x",
        "size": "1280x720",
        "input_reference": {"image_url": data_url(png_bytes(720, 1280))},
    }
    r = await client.post("/videos", json=body)
    assert r.status_code == 400
    assert "must match the requested width and height" in r.json()["error"]["message"]
    assert r.json()["error"]["param"] == "input_reference"


@pytest.mark.parametrize(
    "ref",
    [
        {"image_url": "https://example.com/cat.png"},
        {"file_id": "file-123"},
        {"image_url": "data:image/png;base64,bm90IGFuIGltYWdl"},
    ],
)
async def test_unusable_reference_is_400(client, ref):
    r = await client.post("/videos", json={"prompt": "x", "input_reference": ref})
    assert r.status_code == 400 and r.json()["error"]["param"] == "input_reference"


async def test_sdk_style_integer_seconds_is_accepted(client):
    assert (await create(client, seconds=12))["seconds"] == "12"


async def test_auth_missing_and_wrong_key(make_app):
    open_app, locked = make_app(), make_app(api_key="sk-right")
    async with asgi_client(open_app) as c:
        r = await c.get("/videos", headers={"authorization": ""})
        assert r.status_code == 401 and r.json()["error"]["code"] == "missing_api_key"
        assert (await c.get("/videos", headers={"authorization": "Bearer anything"})).is_success
    async with asgi_client(locked) as c:
        r = await c.get("/videos", headers={"authorization": "Bearer sk-wrong"})
        assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key"
        assert (await c.get("/videos", headers={"authorization": "Bearer sk-right"})).is_success
        assert (
            await c.get("/videos", headers={"authorization": "", "api-key": "sk-right"})
        ).is_success


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/videos/video_nope"),
        ("DELETE", "/videos/video_nope"),
        ("GET", "/videos/video_nope/content"),
        ("POST", "/videos/video_nope/remix"),
    ],
)
async def test_unknown_id_is_404(client, method, path):
    r = await client.request(method, path, json={"prompt": "x"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "video_not_found"


async def test_list_pagination_and_order(client, clock):
    ids = []
    for i in range(5):
        ids.append((await create(client, prompt=f"clip {i}"))["id"])
        clock.advance(1)
    page = (await client.get("/videos", params={"limit": 2})).json()
    assert [v["id"] for v in page["data"]] == ids[::-1][:2]
    assert page["has_more"] is True and page["object"] == "list"
    assert (page["first_id"], page["last_id"]) == (ids[4], ids[3])
    seen, after = [], None
    while True:
        params = {"limit": 2, "order": "asc", **({"after": after} if after else {})}
        page = (await client.get("/videos", params=params)).json()
        seen += [v["id"] for v in page["data"]]
        if not page["has_more"]:
            break
        after = page["last_id"]
    assert seen == ids
    # A deleted job still works as a cursor.
    await client.delete(f"/videos/{ids[2]}")
    rest = (await client.get("/videos", params={"after": ids[2], "order": "asc"})).json()
    assert [v["id"] for v in rest["data"]] == ids[3:]
    rest = (await client.get("/videos", params={"after": ids[2]})).json()
    assert [v["id"] for v in rest["data"]] == ids[1::-1]
    empty = (await client.get("/videos", params={"limit": 0})).json()
    assert empty["data"] == [] and empty["has_more"] is True and empty["first_id"] is None


@pytest.mark.parametrize(
    "params", [{"limit": 101}, {"limit": -1}, {"limit": "x"}, {"order": "up"}, {"after": "zz"}]
)
async def test_list_rejects_bad_query(client, params):
    r = await client.get("/videos", params=params)
    assert r.status_code == 400 and r.json()["error"]["param"] in params


async def test_content_variants_before_and_after_completion(client, clock):
    job = await create(client)
    r = await client.get(f"/videos/{job['id']}/content")
    assert r.status_code == 404 and r.json()["error"]["message"].startswith("Video is not ready")
    await complete(client, clock, job["id"])
    expected = {"video": "video/mp4", "thumbnail": "image/webp", "spritesheet": "image/jpeg"}
    for variant, ctype in expected.items():
        r = await client.get(f"/videos/{job['id']}/content", params={"variant": variant})
        assert r.status_code == 200 and r.headers["content-type"] == ctype
        assert int(r.headers["content-length"]) == len(r.content) > 0
    r = await client.get(f"/videos/{job['id']}/content", params={"variant": "gif"})
    assert r.status_code == 400 and r.json()["error"]["param"] == "variant"


async def test_content_range_request_gets_206_with_exact_bytes(client, clock):
    job = await complete(client, clock, (await create(client))["id"])
    full = (await client.get(f"/videos/{job['id']}/content")).content
    r = await client.get(f"/videos/{job['id']}/content", headers={"range": "bytes=100-1099"})
    assert r.status_code == 206 and r.content == full[100:1100]
    assert r.headers["content-range"] == f"bytes 100-1099/{len(full)}"


async def test_media_expires_after_retention(make_app, clock):
    app = make_app(clock=clock, retention=600)
    async with asgi_client(app) as client:
        job = await complete(client, clock, (await create(client))["id"])
        assert (await client.get(f"/videos/{job['id']}/content")).status_code == 200
        clock.now = job["expires_at"] + 1
        r = await client.get(f"/videos/{job['id']}/content")
        assert r.status_code == 410 and r.json()["error"]["code"] == "video_expired"
        assert (await client.get(f"/videos/{job['id']}")).json()["status"] == "completed"


async def test_delete(client, app):
    job = await create(client)
    r = await client.delete(f"/videos/{job['id']}")
    assert r.json() == {"id": job["id"], "object": "video.deleted", "deleted": True}
    assert (await client.get(f"/videos/{job['id']}")).status_code == 404
    assert (await client.get("/videos")).json()["data"] == []
    assert app.state.emulator.created == 1


async def test_remix_needs_a_completed_source_and_keeps_its_shape(client, clock):
    source = await create(client, seconds="8", size="720x1280")
    r = await client.post(f"/videos/{source['id']}/remix", json={"prompt": "at night"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "video_not_completed"
    await complete(client, clock, source["id"])
    r = await client.post(f"/videos/{source['id']}/remix", json={"prompt": "at night"})
    remix = r.json()
    assert remix["remixed_from_video_id"] == source["id"] and remix["prompt"] == "at night"
    assert (remix["size"], remix["seconds"], remix["status"]) == ("720x1280", "8", "queued")
    r = await client.post(f"/videos/{source['id']}/remix", json={"prompt": ""})
    assert r.status_code == 400


async def test_edit_by_id_and_by_upload(client, clock):
    source = await complete(client, clock, (await create(client))["id"])
    r = await client.post(
        "/videos/edits", json={"prompt": "make it snow", "video": {"id": source["id"]}}
    )
    edit = r.json()
    assert r.status_code == 200 and edit["size"] == source["size"] and edit["seconds"] == "4"
    mp4 = (await client.get(f"/videos/{source['id']}/content")).content
    files = {"prompt": (None, "sepia"), "video": ("in.mp4", mp4, "video/mp4")}
    r = await client.post("/videos/edits", files=files)
    assert r.status_code == 200, r.text
    assert (r.json()["size"], r.json()["seconds"]) == ("1280x720", "4")
    r = await client.post("/videos/edits", files={"prompt": (None, "x"), "video": ("a", b"junk")})
    assert r.status_code == 400 and r.json()["error"]["param"] == "video"
    form = {"prompt": (None, "x"), "video[id]": (None, source["id"])}
    assert (await client.post("/videos/edits", files=form)).status_code == 200


async def test_extension_seconds_is_the_stitched_total(client, clock):
    source = await complete(client, clock, (await create(client, seconds="8"))["id"])
    body = {"prompt": "the boat sails on", "seconds": "4", "video": {"id": source["id"]}}
    r = await client.post("/videos/extensions", json=body)
    assert r.status_code == 200 and r.json()["seconds"] == "12"
    body["seconds"] = "5"
    r = await client.post("/videos/extensions", json=body)
    assert r.status_code == 400 and r.json()["error"]["param"] == "seconds"
    r = await client.post("/videos/extensions", json={"prompt": "x", "video": {"id": source["id"]}})
    assert r.status_code == 400 and r.json()["error"]["param"] == "seconds"


async def test_moderation_fails_in_band(client, clock, app):
    job = await create(client, prompt="Mickey Mouse dancing on a table")
    assert job["status"] == "queued"
    done = await complete(client, clock, job["id"])
    assert done["status"] == "failed"
    assert done["error"] == {"code": "moderation_blocked", "message": MODERATION_MESSAGE}
    r = await client.get(f"/videos/{job['id']}/content")
    assert r.status_code == 404 and "failed" in r.json()["error"]["message"]
    assert app.state.emulator.created == 1


@pytest.mark.parametrize(
    ("prompt", "term"),
    [
        ("NSFW scene", "nsfw"),
        ("a portrait of taylor swift", "taylor swift"),
        ("Spider-Man swinging", "spider-man"),
        ("a gorge at dawn", None),
        ("a nudibranch", None),
        ("a calm lake", None),
    ],
)
def test_moderation_terms_are_whole_words(prompt, term):
    assert blocked_term(prompt) == term


async def test_max_running_answers_429_with_retry_after(make_app, clock):
    app = make_app(clock=clock, max_running=2)
    async with asgi_client(app) as client:
        await create(client)
        await create(client)
        r = await client.post("/videos", json={"prompt": "third"})
        assert r.status_code == 429 and r.json()["error"]["code"] == "too_many_running_tasks"
        assert int(r.headers["retry-after"]) >= 1 and int(r.headers["retry-after-ms"]) >= 1000
        assert app.state.emulator.created == 2
        clock.advance(10_000)
        assert (await client.post("/videos", json={"prompt": "third"})).status_code == 200


async def test_counters(client, app):
    engine = app.state.emulator
    await create(client)
    await client.get("/videos")
    await client.post("/videos", json={"prompt": ""})
    assert (engine.created, engine.requests) == (1, 3)


async def test_unknown_route_is_404_envelope(client):
    r = await client.get("/nothing")
    assert r.status_code == 404 and "error" in r.json()


async def test_characters(client, clock):
    source = await complete(client, clock, (await create(client))["id"])
    mp4 = (await client.get(f"/videos/{source['id']}/content")).content
    r = await client.post(
        "/videos/characters", files={"name": (None, "Pip"), "video": ("c.mp4", mp4)}
    )
    character = r.json()
    assert (
        r.status_code == 200 and character["name"] == "Pip" and character["id"].startswith("char_")
    )
    assert (await client.get(f"/videos/characters/{character['id']}")).json() == character
    assert (await client.get("/videos/characters/char_nope")).status_code == 404
    bad = {"name": (None, "Pip"), "video": ("c.mp4", b"junk")}
    assert (await client.post("/videos/characters", files=bad)).json()["error"]["param"] == "video"
    unnamed = {"name": (None, ""), "video": ("c.mp4", mp4)}
    assert (await client.post("/videos/characters", files=unnamed)).json()["error"][
        "param"
    ] == "name"
