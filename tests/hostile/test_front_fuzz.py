"""The emulator's dialect fronts answer 4xx, never 5xx, to malformed requests
(reliability review 2, F16): `%00` in an id on every route, type-confused `frame_images`
and `media`, and a fuzz run over every front on a real socket."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from live_server import LiveServer

from sora_notebook.emulator import create_app
from sora_notebook.emulator.fronts import DIALECT_FRONTS, dialect_front

KEY = {"authorization": "Bearer sk-test"}
JSON = {**KEY, "content-type": "application/json"}
T0 = 1_700_000_000.0


@pytest.fixture(scope="module", params=sorted(DIALECT_FRONTS))
def front(request) -> Iterator[tuple[str, httpx.Client]]:
    """(dialect, a client whose base URL is the front's API root), on a real socket."""
    dialect = request.param
    app = dialect_front(create_app(clock=lambda: T0, render="draft"), dialect)
    live = LiveServer(app).start()
    root = live.base_url.removesuffix("/v1") + DIALECT_FRONTS[dialect][1]
    limits = httpx.Limits(max_connections=20, max_keepalive_connections=20)
    with httpx.Client(base_url=root, timeout=30, limits=limits) as client:
        yield dialect, client
    live.stop()
    app.state.emulator.close()


def _routes(seg: str) -> list[str]:
    return [f"/videos/{seg}", f"/videos/{seg}/content", f"/files/{seg}.mp4"]


def test_a_nul_in_an_id_is_a_4xx_on_every_route(front):
    _, client = front
    for path in _routes("%00") + _routes("a%00b") + _routes("%2F..%2F"):
        for method in ("GET", "DELETE"):
            answer = client.request(method, path, headers=KEY)
            assert answer.status_code < 500, (method, path, answer.status_code)
    # the connection is still good afterwards
    assert client.get("/videos/video_x", headers=KEY).status_code == 404


CONFUSED = [
    {"frame_images": "x"},
    {"frame_images": 5},
    {"frame_images": {"a": 1}},
    {"frame_images": True},
    {"frame_images": ["x"]},
    {"frame_images": [{"image_url": "not an object"}]},
    {"frame_images": [{"image_url": {"url": 5}}]},
    {"media": "x"},
    {"media": [1]},
    {"media": {"frame_images": "x"}},
    {"media": {"frame_images": [{"input_image": {"url": 1}}]}},
    {"media": {"frame_images": [7]}},
]


@pytest.mark.parametrize("extra", CONFUSED, ids=[json.dumps(c) for c in CONFUSED])
def test_type_confused_frame_images_and_media_are_4xx(front, extra):
    _, client = front
    body = {"model": "openai/sora-2", "prompt": "p", **extra}
    answer = client.post("/videos", headers=JSON, content=json.dumps(body))
    assert answer.status_code < 500, answer.text


_TEXT = st.text(max_size=20) | st.sampled_from(["\x00", "../..", "%2e%2e", "é"])
_SCALAR = st.none() | st.booleans() | st.integers() | st.floats() | _TEXT
_VALUE = st.recursive(
    _SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3)
)
_FIELDS = [
    *("prompt", "model", "size", "seconds", "duration", "resolution", "aspect_ratio"),
    *("width", "height", "frame_images", "media", "reference_url", "image_reference"),
    "input_reference",
]


@st.composite
def malformed(draw) -> tuple[str, str, dict[str, str], bytes]:
    method = draw(st.sampled_from(["GET", "POST", "POST", "DELETE", "PUT"]))
    seg = draw(st.sampled_from(["video_1", "%00", "..", "%2F", "x" * 300, "é", "%ff"]))
    path = draw(
        st.sampled_from(
            [
                "/videos",
                "/videos/models",
                f"/videos/{seg}",
                f"/videos/{seg}/content?variant=" + draw(st.sampled_from(["1", "x", "%ff"])),
                f"/videos/{seg}/content?index=" + draw(st.sampled_from(["0", "-1", "x"])),
                f"/files/{seg}.mp4",
                "/videos?limit=" + draw(st.sampled_from(["-1", "abc", "100"])),
            ]
        )
    )
    kind = draw(st.sampled_from(["json", "json", "json", "bytes", "multipart"]))
    if kind == "json":
        body = json.dumps(draw(st.dictionaries(st.sampled_from(_FIELDS), _VALUE, max_size=6)))
        ctype = "application/json"
        data = body.encode()
    elif kind == "multipart":
        ctype = "multipart/form-data; boundary=b"
        field = draw(st.sampled_from(_FIELDS))
        value = draw(st.binary(max_size=60))
        data = (
            b'--b\r\nContent-Disposition: form-data; name="' + field.encode() + b'"\r\n\r\n'
            + value + b"\r\n--b--\r\n"
        )  # fmt: skip
    else:
        ctype = draw(st.sampled_from(["application/json", "text/plain"]))
        data = draw(st.binary(max_size=200))
    return method, path, {**KEY, "content-type": ctype}, data


@pytest.mark.slow
def test_a_fuzz_run_on_every_front_never_gets_a_5xx(front):
    dialect, client = front
    statuses: Counter[int] = Counter()
    fives: list[tuple[str, str, bytes]] = []

    def send(request: tuple[str, str, dict[str, str], bytes]) -> int:
        method, path, headers, body = request
        status = client.request(method, path, headers=headers, content=body).status_code
        if status >= 500:
            fives.append((method, path, body[:200]))
        return status

    @settings(
        max_examples=16, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(st.lists(malformed(), min_size=20, max_size=20))
    def batch(requests: list[tuple[str, str, dict[str, str], bytes]]) -> None:
        with ThreadPoolExecutor(max_workers=10) as pool:
            statuses.update(pool.map(send, requests))

    batch()
    assert sum(statuses.values()) >= 300 and fives == [], (dialect, statuses, fives[:5])
