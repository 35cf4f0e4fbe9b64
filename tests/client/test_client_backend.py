"""Backends: URLs, auth headers, quirks, environment, and keys that never leak."""

from __future__ import annotations

import logging

import httpx
import pytest
from client_fakes import FakeServer, make_client, video_json

from sora_notebook.client import AsyncSoraClient
from sora_notebook.client.backend import FLAVORS, Backend
from sora_notebook.errors import APIConnectionError, AuthenticationError, ValidationError

SECRET = "sk-proj-VERY-SECRET-abcdef123456"


def recorder():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=video_json())

    return handler, seen


async def test_openai_sends_a_bearer_key():
    handler, seen = recorder()
    client, _, _ = make_client(handler, backend=Backend.openai(SECRET))
    await client.retrieve("video_1")
    assert str(seen[0].url) == "https://api.openai.com/v1/videos/video_1"
    assert seen[0].headers["authorization"] == f"Bearer {SECRET}"


def test_openai_reads_the_environment(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("OPENAI_BASE_URL", "https://proxy.example/v1/")
    backend = Backend.openai()
    assert backend.base_url == "https://proxy.example/v1" and backend.has_key
    assert (backend.name, backend.label) == ("openai", "OpenAI")


def test_openai_without_a_key_says_what_to_do(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ValidationError, match="OPENAI_API_KEY"):
        Backend.openai()


async def test_azure_api_key_header_and_api_version():
    handler, seen = recorder()
    backend = Backend.azure("https://res1.openai.azure.com/", api_key=SECRET, api_version="preview")
    assert backend.base_url == "https://res1.openai.azure.com/openai/v1"
    assert backend.label == "Azure: res1.openai.azure.com"
    client, _, _ = make_client(handler, backend=backend)
    await client.retrieve("video_1")
    request = seen[0]
    assert request.url.path == "/openai/v1/videos/video_1"
    assert request.url.params["api-version"] == "preview"
    assert request.headers["api-key"] == SECRET and "authorization" not in request.headers


@pytest.mark.parametrize("is_async", [False, True])
async def test_azure_entra_token_is_asked_for_each_request(is_async):
    tokens = iter(["tok-1", "tok-2"])

    def sync_provider() -> str:
        return next(tokens)

    async def async_provider() -> str:
        return next(tokens)

    provider = async_provider if is_async else sync_provider
    handler, seen = recorder()
    backend = Backend.azure("https://res1.openai.azure.com", token_provider=provider)
    client, _, _ = make_client(handler, backend=backend)
    await client.retrieve("video_1")
    await client.retrieve("video_1")
    assert [r.headers["authorization"] for r in seen] == ["Bearer tok-1", "Bearer tok-2"]
    assert "api-key" not in seen[0].headers and "api-version" not in seen[0].url.params


def test_azure_needs_a_credential(monkeypatch):
    monkeypatch.delenv("AZURE_OPENAI_API_KEY", raising=False)
    with pytest.raises(ValidationError, match="token_provider"):
        Backend.azure("https://res1.openai.azure.com")
    with pytest.raises(ValidationError, match="endpoint"):
        Backend.azure("", api_key=SECRET)


def test_compatible_flavors_set_quirks():
    vllm = Backend.compatible("http://gpu:8000/v1/", flavor="vllm-omni")
    assert vllm.base_url == "http://gpu:8000/v1" and vllm.label == "vLLM-Omni: gpu:8000"
    assert vllm.multipart and not vllm.supports_remix and vllm.flavor == "vllm-omni"
    sglang = Backend.compatible("http://gpu:30000/v1", flavor="sglang")
    assert not sglang.multipart and not sglang.supports_extend
    litellm = Backend.compatible("http://proxy:4000/v1", "k", flavor="litellm")
    assert litellm.supports_remix and litellm.supports_edit and litellm.has_key
    assert not litellm.supports_list and vllm.supports_list and sglang.supports_list
    plain = Backend.compatible("http://box:9/v1")
    assert plain.label == "box:9" and not plain.check_models and not plain.has_key
    assert {"vllm-omni", "litellm", "sglang", "openrouter", "together"} <= set(FLAVORS)
    assert not litellm.supports_delete and "delete route" in litellm.capabilities.reason("delete")


async def test_compatible_without_a_key_sends_no_auth():
    handler, seen = recorder()
    client, _, _ = make_client(handler, backend=Backend.compatible("http://box/v1"))
    await client.retrieve("video_1")
    assert "authorization" not in seen[0].headers


@pytest.mark.parametrize("url", ["", "gpu:8000", "ftp://x/v1"])
def test_compatible_needs_an_http_url(url):
    with pytest.raises(ValidationError, match="http"):
        Backend.compatible(url)


def test_compatible_refuses_an_unknown_flavor():
    with pytest.raises(ValidationError, match="vllm-omni"):
        Backend.compatible("http://x/v1", flavor="comfy")


def test_with_quirks_copies():
    base = Backend.compatible("http://x/v1")
    json_only = base.with_quirks(multipart=False)
    assert base.multipart and not json_only.multipart


@pytest.mark.parametrize(
    ("env", "name", "base_url"),
    [
        (
            {"SORA_NOTEBOOK_BASE_URL": "http://gpu/v1", "OPENAI_API_KEY": SECRET},
            "compatible",
            "http://gpu/v1",
        ),
        ({"OPENAI_API_KEY": SECRET}, "emulator", None),
        ({"OPENROUTER_API_KEY": SECRET, "OPENAI_API_KEY": SECRET}, "compatible", None),
        ({"TOGETHER_API_KEY": SECRET}, "compatible", "https://api.together.ai/v2"),
        ({"LITELLM_PROXY_API_BASE": "http://proxy:4000"}, "compatible", "http://proxy:4000/v1"),
        (
            {"OPENAI_API_KEY": SECRET, "OPENAI_BASE_URL": "https://p.example/v1"},
            "openai",
            "https://p.example/v1",
        ),
        (
            {"AZURE_OPENAI_ENDPOINT": "https://r.openai.azure.com", "AZURE_OPENAI_API_KEY": SECRET},
            "azure",
            "https://r.openai.azure.com/openai/v1",
        ),
        ({}, "emulator", "http://emulator.local/v1"),
        ({"AZURE_OPENAI_ENDPOINT": "https://r.openai.azure.com"}, "emulator", None),
    ],
)
def test_from_env_order(env, name, base_url):
    backend = Backend.from_env(env)
    assert backend.name == name
    if base_url:
        assert backend.base_url == base_url


def test_from_env_reads_the_flavor_and_key():
    backend = Backend.from_env(
        {
            "SORA_NOTEBOOK_BASE_URL": "http://gpu/v1",
            "SORA_NOTEBOOK_API_KEY": SECRET,
            "SORA_NOTEBOOK_FLAVOR": "vllm-omni",
        }
    )
    assert backend.flavor == "vllm-omni" and backend.has_key


def test_client_without_backend_uses_the_environment(monkeypatch):
    for name in ("SORA_NOTEBOOK_BASE_URL", "OPENROUTER_API_KEY", "TOGETHER_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("LITELLM_PROXY_API_BASE", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("OPENAI_BASE_URL", "https://p.example/v1")
    client = AsyncSoraClient()
    assert client.backend.name == "openai" and "OPENAI_BASE_URL" in client.backend.why


def test_from_env_says_why_it_fell_back_to_the_emulator():
    retired = Backend.from_env({"OPENAI_API_KEY": SECRET})
    assert retired.name == "emulator" and "retired" in retired.why
    assert "OPENROUTER_API_KEY" in Backend.from_env({}).why
    new_name = Backend.from_env(
        {"SORA_NOTEBOOK_BASE_URL": "http://g/v1", "SORA_NOTEBOOK_DIALECT": "sglang"}
    )
    assert new_name.flavor == "sglang"


def test_from_env_configures_the_emulator_fallback(tmp_path):
    backend = Backend.from_env(
        {"SORA_NOTEBOOK_EMULATOR_SPEED": "50", "SORA_NOTEBOOK_EMULATOR_RENDER": "draft"},
        emulator_data_dir=tmp_path / "emu",
    )
    engine = backend.app.state.emulator
    assert (engine.speed, engine.render_mode, engine.root) == (50.0, "draft", tmp_path / "emu")


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"SORA_NOTEBOOK_EMULATOR_SPEED": "fast"}, "must be a number"),
        ({"SORA_NOTEBOOK_EMULATOR_SPEED": "0"}, "above 0"),
        ({"SORA_NOTEBOOK_EMULATOR_RENDER": "4k"}, "'full' or 'draft'"),
    ],
)
def test_from_env_refuses_bad_emulator_settings(env, words):
    with pytest.raises(ValidationError, match=words):
        Backend.from_env(env)


def test_emulator_backend_keeps_its_app():
    backend = Backend.emulator(render="draft")
    assert backend.name == "emulator" and backend.label == "Emulator"
    assert backend.app.state.emulator is not None
    assert isinstance(backend.transport(), httpx.AsyncBaseTransport)


async def test_emulator_transport_turns_a_dropped_connection_into_a_protocol_error():
    async def app(scope, receive, send):
        raise ConnectionResetError("dropped")

    backend = Backend(name="emulator", base_url="http://emulator.local/v1", label="E", app=app)
    async with AsyncSoraClient(backend, max_retries=0) as client:
        with pytest.raises(APIConnectionError) as info:
            await client.retrieve("video_1")
    assert isinstance(info.value.__cause__, httpx.RemoteProtocolError)


# --- keys never leak -------------------------------------------------------------------


@pytest.mark.parametrize(
    "backend",
    [
        Backend.openai(SECRET),
        Backend.azure("https://r.openai.azure.com", api_key=SECRET),
        Backend.azure("https://r.openai.azure.com", token_provider=lambda: SECRET),
        Backend.compatible("http://gpu/v1", SECRET, flavor="litellm"),
    ],
    ids=["openai", "azure-key", "azure-token", "compatible"],
)
def test_no_key_in_repr_or_str(backend):
    for text in (repr(backend), str(backend), repr(AsyncSoraClient(backend))):
        assert SECRET not in text and "key=set" in text


async def test_no_key_in_errors_or_debug_logs(caplog):
    caplog.set_level(logging.DEBUG)
    answers = [
        httpx.Response(401, json={"error": {"message": "Incorrect API key provided"}}),
        httpx.ConnectError("refused"),
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        answer = answers.pop(0) if answers else httpx.Response(200, json=video_json())
        if isinstance(answer, Exception):
            raise answer
        return answer

    transport = httpx.MockTransport(handler)
    client = AsyncSoraClient(
        Backend.openai(SECRET),
        http_client=httpx.AsyncClient(transport=transport),
        max_retries=0,
        sleep=_no_sleep,
    )
    errors: list[Exception] = []
    for _ in range(2):
        try:
            await client.retrieve("video_1")
        except (AuthenticationError, APIConnectionError) as exc:
            errors.append(exc)
    await client.retrieve("video_1")
    assert len(errors) == 2
    assert caplog.records, "the client and httpx log at DEBUG"
    assert any(r.name.startswith("httpx") for r in caplog.records)
    assert any(r.name == "sora_notebook.client" for r in caplog.records)
    assert SECRET not in caplog.text
    for exc in errors:
        assert SECRET not in str(exc) and SECRET not in repr(exc)
        assert SECRET not in repr(vars(exc))


async def test_create_logs_no_key_and_no_prompt_body(caplog):
    caplog.set_level(logging.DEBUG)
    server = FakeServer()
    client, _, _ = make_client(server, backend=Backend.openai(SECRET))
    await client.create("a private prompt")
    assert SECRET not in caplog.text and "a private prompt" not in caplog.text


async def _no_sleep(seconds: float) -> None:
    return None
