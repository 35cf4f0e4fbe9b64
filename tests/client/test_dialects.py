"""Dialects: the README's table, field mapping there and back, ids, media addresses, costs."""

from __future__ import annotations

import base64
import re
import ssl
from pathlib import Path

import httpx
import pytest
from live_server import self_signed

from sora_notebook.client import Backend
from sora_notebook.client._http.multipart import FilePart
from sora_notebook.client.dialects import DIALECTS, OPENAI, Capabilities
from sora_notebook.client.dialects.base import size_from
from sora_notebook.client.dialects.servers import litellm_parts
from sora_notebook.client.dialects.table import compatibility_table
from sora_notebook.errors import ValidationError

README = Path(__file__).parents[2] / "README.md"


def test_the_readme_table_is_generated_from_the_dialects():
    text = README.read_text()
    found = re.search(r"<!-- compatibility:start -->\n(.*?)<!-- compatibility:end -->", text, re.S)
    assert found is not None and found.group(1) == compatibility_table()
    assert len(found.group(1).splitlines()) == 2 + len(DIALECTS)


def test_every_missing_action_has_a_reason():
    for dialect in DIALECTS.values():
        caps = dialect.capabilities
        for action in ("list", "delete", "remix", "edit", "extend", "cancel", "characters"):
            reason = caps.reason(action)
            assert (reason is None) == getattr(caps, action), (dialect.name, action)
            assert reason is None or dialect.label.split()[0] in reason or "server" in reason
        assert dialect.source  # where it was written from


def test_declared_capabilities_override_the_dialect():
    litellm = Backend.litellm("http://proxy:4000", "k").with_quirks(supports_remix=False)
    assert (
        litellm.capabilities.reason("remix") == "This backend cannot remix (switched off for it)."
    )
    assert litellm.capabilities.reason("edit") is None
    assert Capabilities().reason("thumbnail") is None
    disabled = litellm.capabilities.disabled()
    assert set(disabled) == {"remix", "list", "delete", "cancel", "thumbnail", "spritesheet"}
    assert "delete route" in disabled["delete"]
    with pytest.raises(ValueError):
        Capabilities().reason("teleport")


def test_openrouter_maps_size_and_seconds_there_and_back():
    openrouter = DIALECTS["openrouter"]
    sent = openrouter.create_fields(
        {
            "prompt": "p",
            "model": "m",
            "size": "720x1280",
            "seconds": "8",
            "input_reference": FilePart("r.png", b"\x89PNG", "image/png"),
        }
    )
    assert (sent["resolution"], sent["aspect_ratio"], sent["duration"]) == ("720p", "9:16", 8)
    assert sent["frame_images"][0]["image_url"]["url"].startswith("data:image/png;base64,")
    assert "size" not in sent and "seconds" not in sent and "input_reference" not in sent
    back = openrouter.normalize(
        {
            "id": "j",
            "status": "cancelled",
            "resolution": "720p",
            "aspect_ratio": "9:16",
            "duration": 8,
            "usage": {"cost": 0.25},
        }
    )
    assert (back["status"], back["size"], back["seconds"]) == ("failed", "720x1280", "8")
    assert back["error"]["code"] == "cancelled" and openrouter.reported_cost(back) == 0.25
    assert openrouter.normalize({"id": "j", "status": "pending"})["status"] == "queued"
    assert size_from("1080p", "16:9") == "1920x1080" and size_from("weird", "1:1") is None


def test_together_maps_size_and_reads_its_outputs():
    together = DIALECTS["together"]
    sent = together.create_fields(
        {"prompt": "p", "size": "1280x720", "input_reference": {"image_url": "https://i/x.png"}}
    )
    assert (sent["width"], sent["height"]) == (1280, 720)
    assert sent["media"] == {"frame_images": [{"input_image": "https://i/x.png", "frame": "first"}]}
    raw = together.normalize(
        {"id": "v", "status": "completed", "outputs": {"cost": 3, "video_url": "https://s/v.mp4"}}
    )
    # `outputs.cost` is an integer with no unit stated (openapi.yaml VideoJob): not dollars
    assert together.reported_cost(raw) is None and raw["outputs"]["cost"] == 3
    assert together.media_url(raw, 0) == "https://s/v.mp4"
    assert together.media_url(raw, 1) is None


def test_sglang_output_index_and_cloud_urls():
    sglang = DIALECTS["sglang"]
    assert sglang.media("v", "v", "video", 0).params == {}  # never `variant=video` (D2)
    assert sglang.media("v", "v", "video", 2).params == {"variant": "2"}
    assert (
        sglang.media_url({"urls": ["https://a/0.mp4", "https://a/1.mp4"]}, 1) == "https://a/1.mp4"
    )
    assert sglang.output_count({"num_outputs": 3}) == 3 and sglang.output_count({}) == 1
    assert OPENAI.media("v", "v", "video", 0).params == {}
    assert OPENAI.media("v", "v", "thumbnail", 0).params == {"variant": "thumbnail"}


def _litellm_id(upstream: str) -> str:
    """An id as LiteLLM 1.108.7's `encode_video_id_with_provider` makes it."""
    parts = [
        "litellm:custom_llm_provider:openai",
        "model_id:sora-2-pro-2025-10-06",
        f"video_id:{upstream}",
        f"deployment_id:{'ab' * 32}",
    ]
    return "video_" + base64.b64encode(";".join(parts).encode()).decode()


def test_litellm_remixed_from_is_mapped_back_to_the_proxy_id():
    litellm = DIALECTS["litellm"]
    parent = _litellm_id("video_" + "1" * 32)
    child = _litellm_id("video_" + "2" * 32)
    assert len(child) > 256 and litellm_parts(child) is not None
    mapped = litellm.normalize(
        {"id": child, "status": "queued", "remixed_from_video_id": "video_" + "1" * 32}
    )
    assert mapped["remixed_from_video_id"] == parent
    assert (
        litellm.normalize({"id": child, "status": "queued", "remixed_from_video_id": parent})[
            "remixed_from_video_id"
        ]
        == parent
    )
    assert litellm_parts("video_abc") is None and litellm_parts("plain") is None
    assert litellm.cost_from_headers(httpx.Headers({"x-litellm-response-cost": "0.4"})) == 0.4
    assert litellm.cost_from_headers(httpx.Headers({"x-litellm-response-cost": "nan"})) is None


def test_gateways_need_their_keys(monkeypatch):
    for name in ("OPENROUTER_API_KEY", "TOGETHER_API_KEY", "LITELLM_PROXY_API_BASE"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValidationError, match="OPENROUTER_API_KEY"):
        Backend.openrouter()
    with pytest.raises(ValidationError, match="TOGETHER_API_KEY"):
        Backend.together()
    with pytest.raises(ValidationError, match="LITELLM_PROXY_API_BASE"):
        Backend.litellm()


def test_backend_options_reach_httpx_and_keys_stay_out_of_reprs(tmp_path):
    cert, _ = self_signed(tmp_path)
    backend = Backend.openrouter(
        "sk-secret-1",
        app_url="https://me.example",
        app_title="Me",
        verify=str(cert),
        proxy="http://corp:3128",
    )
    options = backend.http_options()
    assert isinstance(options["verify"], ssl.SSLContext)  # the CA bundle, loaded
    assert options["verify"].cert_store_stats()["x509_ca"] == 1
    assert options["proxy"] == "http://corp:3128"
    missing = Backend.compatible("https://x/v1", verify=str(tmp_path / "none.pem"))
    with pytest.raises(ValidationError, match="CA bundle that cannot be read"):
        missing.http_options()
    assert backend.headers == {"HTTP-Referer": "https://me.example", "X-Title": "Me"}
    assert "sk-secret-1" not in repr(backend) and "openrouter" in repr(backend)
    with pytest.raises(ValidationError, match="OPENROUTER_API_KEY"):
        Backend.openrouter(None) if not __import__("os").environ.get("OPENROUTER_API_KEY") else (
            _ for _ in ()
        ).throw(ValidationError("OPENROUTER_API_KEY"))
    with pytest.raises(ValidationError, match="Unknown dialect"):
        Backend.compatible("http://x/v1", dialect="comfy")


async def test_the_emulator_offers_its_known_models():
    from sora_notebook.client import AsyncSoraClient

    async with AsyncSoraClient(Backend.emulator(render="draft")) as client:
        models = {m.id: m for m in await client.models()}
    assert "sora-2" in models and "1280x720" in models["sora-2"].sizes
    assert Backend.emulator().capabilities.disabled() == {
        "cancel": "The server does not offer cancel."
    }


async def test_a_lost_create_on_a_server_without_a_list_is_unknown_at_once():
    from sora_notebook.client import AsyncSoraClient
    from sora_notebook.errors import SubmissionUnknown

    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(502, json={"error": {"message": "bad gateway"}})

    backend = Backend.litellm("http://proxy.test:4000", "k")
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    async with AsyncSoraClient(backend, http_client=http, max_retries=0) as client:
        with pytest.raises(SubmissionUnknown):
            await client.create("lost", model="veo-3.1")
    await http.aclose()
    assert [r.method for r in seen] == ["POST"]  # the proxy's broken list is never asked


def test_the_plan_reads_the_dialect_and_the_catalogue():
    from sora_notebook.client.dialects import ModelInfo
    from sora_notebook.studio.plans import Purse, Request, make_plan

    free = Purse(prices={})
    litellm = Backend.litellm("http://proxy:4000", "k")
    plan = make_plan(litellm, Request(prompt="a fox"), free)
    assert not plan.ok and "routes by model" in plan.problems["model"]
    assert {"list", "delete", "cancel"} <= set(plan.disabled)
    veo = ModelInfo(id="veo-3.1", sizes=("1280x720",), seconds=("8",))
    wrong = make_plan(
        litellm, Request(prompt="a fox", model="veo-3.1", seconds=4), free, models=[veo]
    )
    assert "clips of 8 seconds" in wrong.problems["seconds"]
    refused = make_plan(litellm, Request(prompt="x"), free, refused={"remix": "No remix here."})
    assert refused.disabled["remix"].startswith("No remix here.")


@pytest.mark.parametrize(
    ("status", "message", "refused"),
    [
        (404, "Not Found", True),  # no such route
        (405, "Method Not Allowed", True),
        (501, "anything", True),
        (500, "Video remix is not supported by Google Veo.", True),  # LiteLLM's Veo
        (404, "No video with id video_1 (expired?)", False),  # the parent, not the route
        (400, "prompt too long", False),
    ],
)
def test_a_refusal_of_the_action_itself_is_told_apart(status, message, refused):
    from sora_notebook.errors import error_for_status
    from sora_notebook.studio.capabilities import refuses_the_action

    exc = error_for_status(status, {"error": {"message": message}}, httpx.Headers())
    assert refuses_the_action(exc) is refused


def test_litellm_names_the_provider_of_a_model_group_and_how_it_takes_a_file():
    litellm = DIALECTS["litellm"]
    assert (
        litellm.providers_path("runway gen/4.5")
        == "/model_group/info?model_group=runway%20gen%2F4.5"
    )
    answer = {"data": [{"model_group": "g", "providers": ["runwayml"]}]}
    assert litellm.provider_of(answer) == "runwayml"
    assert litellm.data_url_limit("runwayml") == 5 * 1024 * 1024
    for body in ({}, {"data": []}, {"data": [{"providers": []}]}, [], None):
        assert litellm.provider_of(body) is None
    assert litellm.data_url_limit("gemini") is None and litellm.data_url_limit(None) is None
    assert not litellm.takes_image_url and OPENAI.takes_image_url
    assert OPENAI.providers_path("m") is None and OPENAI.data_url_limit("runwayml") is None


def test_a_500_saying_not_yet_supported_is_a_refusal():
    from sora_notebook.errors import ServerError

    said = ServerError("Video remix is not yet supported by RunwayML API", status_code=500)
    assert DIALECTS["litellm"].create_refused(said)
    assert not DIALECTS["litellm"].create_refused(ServerError("upstream hiccup", status_code=500))


def test_the_catalogue_says_which_models_take_a_first_frame():
    from sora_notebook.client.dialects.base import ModelInfo, catalogue_problems

    sglang = DIALECTS["sglang"].parse_models(
        {"data": [{"id": "t2v", "task_type": "T2V", "supported_task_types": ["T2V"]}]}
    )
    assert sglang[0].image is False
    ti2v = DIALECTS["sglang"].parse_models({"data": [{"id": "m", "task_type": "TI2V"}]})
    assert ti2v[0].image is True
    assert DIALECTS["sglang"].parse_models({"data": [{"id": "m"}]})[0].image is None
    models = [*sglang, ModelInfo("i2v", image=True), ModelInfo("silent")]
    said = catalogue_problems(models, "t2v", None, None, reference=True)
    assert "text-to-video only" in said["input_reference"] and "(i2v)" in said["input_reference"]
    assert catalogue_problems(models, "t2v", None, None) == {}  # no reference given
    assert catalogue_problems(models, "silent", None, None, reference=True) == {}  # unknown
    # OpenRouter: a resolution with no known size leaves the sizes unknown, never partial
    item = {"id": "x", "supported_resolutions": ["720p", "2K"], "supported_aspect_ratios": ["16:9"]}
    assert DIALECTS["openrouter"].parse_models({"data": [item]})[0].sizes == ()
