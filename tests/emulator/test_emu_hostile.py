"""One request cannot poison the emulator: unencodable text, bracket bombs and a fuzz run
of malformed requests on a real socket all end in 4xx, never 5xx (issue 12, point 4)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fakes import T0
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from live_server import LiveServer

from sora_notebook.emulator import create_app

from .conftest import KEY

JSON = {**KEY, "content-type": "application/json"}


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    # A clock that never moves: jobs stay queued, so nothing renders during the fuzz.
    live = LiveServer(create_app(clock=lambda: T0, render="draft")).start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def http(server) -> Iterator[httpx.Client]:
    limits = httpx.Limits(max_connections=50, max_keepalive_connections=50)
    with httpx.Client(base_url=server.base_url, timeout=30, limits=limits) as client:
        yield client


def test_a_lone_surrogate_prompt_is_refused_and_not_stored(http):
    before = http.get("/videos", headers=KEY).json()["data"]
    for prompt in ('"a cat \\ud800"', '"\\udfff"', '"ok \\ud83d"'):
        answer = http.post("/videos", headers=JSON, content=b'{"prompt": ' + prompt.encode() + b"}")
        assert answer.status_code == 400, answer.text
        assert "surrogate" in answer.json()["error"]["message"]
    model = http.post("/videos", headers=JSON, content=b'{"prompt": "x", "model": "\\ud800"}')
    assert model.status_code == 400
    listed = http.get("/videos", headers=KEY)
    assert listed.status_code == 200 and listed.json()["data"] == before


def test_deeply_nested_json_is_refused(http):
    bomb = b'{"a":' * 5000 + b"1" + b"}" * 5000
    answer = http.post("/videos", headers=JSON, content=bomb)
    assert answer.status_code == 400 and "nested" in answer.json()["error"]["message"]
    brackets = b'{"prompt": "p", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert http.post("/videos", headers=JSON, content=brackets).status_code == 400
    # brackets inside a string are text, not nesting
    ok = http.post("/videos", headers=JSON, content=json.dumps({"prompt": "[[[[" * 50}).encode())
    assert ok.status_code == 200, ok.text


_TEXT = st.text(max_size=40) | st.sampled_from(["\\ud800", "\\udfff", "\x00", "../..", "%2e%2e"])
_SCALAR = st.none() | st.booleans() | st.integers() | st.floats() | _TEXT
_VALUE = st.recursive(
    _SCALAR, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4)
)
_FIELDS = ["prompt", "model", "size", "seconds", "video", "input_reference", "character_ids"]


def _json_body(draw) -> bytes:
    body = draw(st.dictionaries(st.sampled_from(_FIELDS) | _TEXT, _VALUE, max_size=6))
    text = json.dumps(body)
    for raw in ("\\\\ud800", "\\\\udfff"):  # json.dumps escaped the backslash: undo it
        text = text.replace(raw, raw[1:])
    return text.encode()


@st.composite
def malformed(draw) -> tuple[str, str, dict[str, str], bytes]:
    method = draw(st.sampled_from(["GET", "POST", "POST", "POST", "DELETE", "PUT", "PATCH"]))
    seg = draw(st.sampled_from(["video_1", "%ud800", "..", "%00", "x" * 300, "%2F", "é"]))
    path = draw(
        st.sampled_from(
            [
                "/videos",
                "/videos/edits",
                "/videos/extensions",
                "/videos/characters",
                f"/videos/{seg}",
                f"/videos/{seg}/content?variant=" + draw(st.sampled_from(["video", "x", "%ff"])),
                f"/videos/{seg}/remix",
                "/videos?limit=" + draw(st.sampled_from(["-1", "1e9", "abc", "100"])),
                "/videos?after=%ff%fe&order=sideways",
            ]
        )
    )
    kind = draw(st.sampled_from(["json", "json", "bytes", "multipart", "nested", "form"]))
    ctype = {"json": "application/json", "nested": "application/json"}.get(kind, "")
    if kind == "json":
        body = _json_body(draw)
    elif kind == "nested":
        depth = draw(st.integers(30, 3000))
        body = b'{"prompt":' + b"[" * depth + b"]" * draw(st.integers(0, depth)) + b"}"
    elif kind == "multipart":
        ctype = "multipart/form-data; boundary=" + draw(st.sampled_from(["b", "", "x" * 80]))
        body = draw(st.binary(max_size=300)) + b"\r\n--b\r\nContent-Disposition: form-data\r\n"
    elif kind == "form":
        ctype = "application/x-www-form-urlencoded"
        body = draw(st.sampled_from([b"prompt=%ff%fe", b"prompt=a&prompt=b", b"=&&==", b"%"]))
    else:
        ctype = draw(st.sampled_from(["application/json", "text/plain", "application/json; x"]))
        body = draw(st.binary(max_size=500))
    headers = {**KEY, "content-type": ctype} if ctype else dict(KEY)
    return method, path, headers, body


@pytest.mark.slow
def test_a_fuzz_run_of_malformed_requests_never_gets_a_5xx(server, http):
    statuses: Counter[int] = Counter()

    def send(request: tuple[str, str, dict[str, str], bytes]) -> int:
        method, path, headers, body = request
        return http.request(method, path, headers=headers, content=body).status_code

    @settings(
        max_examples=41,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(malformed(), min_size=50, max_size=50))
    def batch(requests: list[tuple[str, str, dict[str, str], bytes]]) -> None:
        with ThreadPoolExecutor(max_workers=50) as pool:
            statuses.update(pool.map(send, requests))

    batch()
    sent = sum(statuses.values())
    server_errors = {s: n for s, n in statuses.items() if s >= 500}
    assert sent >= 2000 and server_errors == {}, statuses
    assert http.get("/videos", headers=KEY).status_code == 200
