"""Every emulator response body validates against the official spec plus a small overlay."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import yaml
from fakes import FakeTime
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from starlette.testclient import TestClient

from sora_notebook.emulator import create_app

from .conftest import KEY, data_url, png_bytes

SPEC = Path(__file__).resolve().parents[3] / "shared" / "spec" / "openai-videos.openapi.yaml"
OVERLAY = Path(__file__).with_name("spec_overlay.yaml")


def load_spec() -> dict[str, Any]:
    """The official spec with the overlay merged in (see spec_overlay.yaml)."""
    spec = yaml.safe_load(SPEC.read_text())
    overlay = yaml.safe_load(OVERLAY.read_text())
    for section, items in overlay["components"].items():
        spec["components"].setdefault(section, {}).update(copy.deepcopy(items))
    for path_item in spec["paths"].values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            operation["responses"].update(copy.deepcopy(overlay["x-every-operation"]["responses"]))
            extra = overlay["x-operations"].get(operation.get("operationId"), {})
            operation["responses"].update(copy.deepcopy(extra.get("responses", {})))
    return spec


class Spec:
    def __init__(self) -> None:
        self.raw = load_spec()
        self.openapi = OpenAPI.from_dict(self.raw)

    def media_types(self, method: str, path: str, status: int) -> set[str]:
        """Binary responses: the content types the spec declares (bodies are not JSON)."""
        item = self.raw["paths"]["/videos/{video_id}/content"] if path.endswith("/content") else {}
        responses = item.get(method.lower(), {}).get("responses", {})
        return set(responses.get(str(status), {}).get("content", {}))


@pytest.fixture(scope="module")
def api() -> Spec:
    return Spec()


def validate(api: Spec, response: httpx.Response) -> None:
    """Raise unless the response matches the spec for its request's operation."""
    request = response.request
    url = urlsplit(str(request.url))
    ctype = response.headers.get("content-type", "").split(";")[0]
    if ctype != "application/json":
        declared = api.media_types(request.method, url.path, response.status_code)
        assert ctype in declared, (ctype, declared)
        return
    query = dict(httpx.QueryParams(url.query))
    mock_request = MockRequest(
        "https://api.openai.com", request.method.lower(), url.path, args=query
    )
    mock_response = MockResponse(
        response.content, status_code=response.status_code, content_type=ctype
    )
    api.openapi.validate_response(mock_request, mock_response)


def test_overlay_is_strict_enough(api):
    """The validator catches what it should: a wrong field type, a bad error body."""
    good = {
        "id": "video_1", "object": "video", "model": "sora-2", "status": "queued",
        "progress": 0, "created_at": 1, "completed_at": None, "expires_at": None,
        "prompt": "x", "size": "720x1280", "seconds": "4", "remixed_from_video_id": None,
        "error": None,
    }  # fmt: skip
    req = httpx.Request("GET", "http://e/v1/videos/video_1")
    validate(api, httpx.Response(200, json=good, request=req))
    for broken in ({**good, "seconds": 4}, {**good, "status": "done"}, {"id": "video_1"}):
        with pytest.raises(Exception):  # noqa: B017 - openapi-core's error types vary
            validate(api, httpx.Response(200, json=broken, request=req))
    with pytest.raises(Exception):  # noqa: B017
        validate(api, httpx.Response(404, json={"message": "nope"}, request=req))
    content = httpx.Request("GET", "http://e/v1/videos/video_1/content")
    validate(
        api,
        httpx.Response(206, content=b"x", headers={"content-type": "video/mp4"}, request=content),
    )
    with pytest.raises(AssertionError):
        validate(
            api,
            httpx.Response(
                200, content=b"x", headers={"content-type": "image/gif"}, request=content
            ),
        )


async def test_every_endpoint_and_error_matches_the_spec(api, make_app):
    clock = FakeTime()
    app = make_app(clock=clock, max_running=3, retention=600)
    responses: list[httpx.Response] = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://e/v1", headers=KEY) as c:

        async def call(method: str, path: str, **kw: Any) -> httpx.Response:
            r = await c.request(method, path, **kw)
            responses.append(r)
            return r

        a = (await call("POST", "/videos", json={"prompt": "a boat", "size": "1280x720"})).json()
        files = {
            "prompt": (None, "a kite"),
            "size": (None, "1280x720"),
            "input_reference[image_url]": (None, data_url(png_bytes(1280, 720))),
        }
        await call("POST", "/videos", files=files)
        await call("POST", "/videos", json={"prompt": "celebrity selfie, nsfw"})
        await call("POST", "/videos", json={"prompt": "one too many"})  # 429
        await call("GET", f"/videos/{a['id']}")
        await call("GET", f"/videos/{a['id']}/content")  # 404 not ready
        clock.advance(300)
        await call("GET", "/videos", params={"limit": 2})
        await call("GET", "/videos", params={"limit": 2, "order": "asc"})
        await call("GET", f"/videos/{a['id']}")
        for variant in ("video", "thumbnail", "spritesheet"):
            await call("GET", f"/videos/{a['id']}/content", params={"variant": variant})
        await call("GET", f"/videos/{a['id']}/content", headers={"range": "bytes=0-9"})
        await call("POST", f"/videos/{a['id']}/remix", json={"prompt": "at night"})
        await call("POST", "/videos/edits", json={"prompt": "fog", "video": {"id": a["id"]}})
        body = {"prompt": "on", "seconds": "4", "video": {"id": a["id"]}}
        await call("POST", "/videos/extensions", json=body)
        mp4 = (await c.get(f"/videos/{a['id']}/content")).content
        files = {"name": (None, "Pip"), "video": ("c.mp4", mp4, "video/mp4")}
        char = (await call("POST", "/videos/characters", files=files)).json()
        await call("GET", f"/videos/characters/{char['id']}")
        await call("POST", "/videos", json={"prompt": ""})
        await call("POST", "/videos", json={"prompt": "x", "model": "nope"})
        await call("GET", "/videos/video_missing")
        await call("GET", "/videos", headers={"authorization": ""})
        await call("GET", "/videos", params={"limit": 500})
        clock.advance(10_000)
        await call("GET", f"/videos/{a['id']}/content")  # 410 expired
        await call("DELETE", f"/videos/{a['id']}")
    statuses = {r.status_code for r in responses}
    assert statuses == {200, 206, 400, 401, 404, 410, 429}
    for r in responses:
        validate(api, r)


PROMPTS = st.one_of(st.text(max_size=60), st.sampled_from(["a cat", "", " ", "nsfw cat"]))
MODELS = st.one_of(st.sampled_from(["sora-2", "sora-2-pro", "sora-2-2025-10-06"]), st.text())
SIZES = st.one_of(
    st.sampled_from(["720x1280", "1280x720", "1920x1080", "1792x1024", "16x16", "0x0"]),
    st.text(max_size=12),
)
SECONDS = st.one_of(
    st.sampled_from(["4", "8", "12", "16", "20", "0", "-4", "4.5"]),
    st.integers(-5, 30),
    st.text(max_size=4),
    st.booleans(),
    st.none(),
)
EXTRA = st.dictionaries(st.sampled_from(["seed", "n", "quality", "fps"]), st.integers(0, 9))


@settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(prompt=PROMPTS, model=MODELS, size=SIZES, seconds=SECONDS, extra=EXTRA, form=st.booleans())
def test_create_never_answers_5xx_and_always_matches_the_spec(
    api, prompt, model, size, seconds, extra, form
):
    body: dict[str, Any] = {"prompt": prompt, "model": model, "size": size, **extra}
    if seconds is not None:
        body["seconds"] = seconds
    app = create_app(clock=FakeTime(), render="draft")
    try:
        with TestClient(app, base_url="http://e", headers=KEY) as client:
            if form:
                fields = {k: (None, str(v)) for k, v in body.items()}
                r = client.post("/v1/videos", files=fields)
            else:
                r = client.post("/v1/videos", content=json.dumps(body))
    finally:
        app.state.emulator.close()
    assert r.status_code in (200, 400), r.text
    validate(
        api,
        httpx.Response(
            r.status_code,
            content=r.content,
            headers=r.headers,
            request=httpx.Request("POST", "http://e/v1/videos"),
        ),
    )
