"""Self-hosted servers and LiteLLM's proxy: near the official protocol, each with gaps.

Each dialect names, in its docstring, the version and the files of the server's own
source it was written from (PROTOCOL.md, "Differences"; reviews/interop-review.md).
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar
from urllib.parse import quote

from sora_notebook.client.dialects.base import Capabilities, Dialect, MediaSource, ModelInfo
from sora_notebook.errors import APIError, SoraNotebookError

__all__ = ["LiteLLM", "SGLang", "VLLMOmni"]

_ONLY_MP4 = ("video",)
_NO_DERIVE = (
    "{label} cannot remix, edit or extend videos: it makes new videos only (no such endpoints)."
)


def _no_derive(label: str) -> dict[str, str]:
    text = _NO_DERIVE.format(label=label)
    return {"remix": text, "edit": text, "extend": text}


_VLLMOMNI_CAPS = Capabilities(
    cancel=True,
    characters=False,
    remix=False,
    edit=False,
    extend=False,
    variants=_ONLY_MP4,
    reasons={
        **_no_derive("vLLM-Omni"),
        "characters": "vLLM-Omni has no characters endpoint.",
        "outputs_per_job": "vLLM-Omni's async API keeps only the first of several outputs.",
    },
)


@dataclass(frozen=True)
class VLLMOmni(Dialect):
    """vLLM-Omni 0.30.0 (`vllm_omni/entrypoints/openai/api_server.py` routes `/v1/videos`,
    `video/generation/helpers.py` `_parse_video_form`, `protocol/videos.py`).

    Multipart only; a reference by URL goes in `image_reference` as a JSON string;
    content has no `variant` (always the MP4) and answers 422 for a failed job; a failed
    job is read from a non-2xx body; delete aborts a running job (so cancel = delete);
    `num_outputs_per_prompt` renders several outputs but the async API keeps only the
    first (`serving_video.py`: "returning only the first"); `generate_sound` is off by
    default.
    """

    name: str = "vllm-omni"
    label: str = "vLLM-Omni"
    capabilities: Capabilities = _VLLMOMNI_CAPS
    reference_fields: str = "`input_reference` file, `image_reference` URL"
    audio_field: str | None = "generate_sound"
    params: tuple[str, ...] = (
        "seed",
        "negative_prompt",
        "num_inference_steps",
        "guidance_scale",
        "fps",
        "num_frames",
        "generate_sound",
        "sound_duration",
        "quality",
        "flow_shift",
    )
    source: str = "vllm-omni 0.30.0: vllm_omni/entrypoints/openai/api_server.py"

    def image_url_fields(self, url: str) -> dict[str, Any]:
        import json

        return {"image_reference": json.dumps({"image_url": url})}

    def media(self, video_id: str, segment: str, variant: str, index: int) -> MediaSource:
        return MediaSource(path=f"/videos/{segment}/content")


_SGLANG_CAPS = Capabilities(
    characters=False,
    remix=False,
    edit=False,
    extend=False,
    variants=_ONLY_MP4,
    outputs_per_job=True,
    reasons={
        **_no_derive("SGLang"),
        "characters": "SGLang has no characters endpoint.",
        "cancel": "SGLang's delete forgets a job without stopping it, so it cannot cancel.",
    },
)


@dataclass(frozen=True)
class SGLang(Dialect):
    """SGLang 0.5.23 (`sglang/multimodal_gen/runtime/entrypoints/openai/video_api.py`,
    `protocol.py`, `video_progress.py`).

    JSON or multipart; `n` outputs per job, fetched by an integer `variant` (0 when left
    out; `variant=video` answers 404); when outputs went to cloud storage the job has
    `url`/`urls` and content answers 400; delete removes the record and answers the job
    with `status: "deleted"` without stopping it; no `prompt` echo; no remix, edit,
    extensions or characters.
    """

    name: str = "sglang"
    label: str = "SGLang"
    catalogue_binds: bool = True  # task types: a text-only model takes no image
    multipart: bool = False
    needs_job_for_media: bool = True
    capabilities: Capabilities = _SGLANG_CAPS
    reference_fields: str = "`input_reference` file, `reference_url` URL"
    params: tuple[str, ...] = (
        "seed",
        "negative_prompt",
        "num_inference_steps",
        "guidance_scale",
        "fps",
        "num_frames",
        "enhance_prompt",
        "n",
    )
    source: str = "sglang 0.5.23: sglang/multimodal_gen/runtime/entrypoints/openai/video_api.py"

    def image_url_fields(self, url: str) -> dict[str, Any]:
        return {"reference_url": url}

    def parse_models(self, body: Any) -> list[ModelInfo]:
        """The served model, with whether it takes a first frame: `/v1/models` reports
        `task_type` and `supported_task_types` (`common_api.py:218-229`, e.g. `["T2V"]`,
        `["TI2V"]`), and a T2V model refuses `input_reference`
        (`configs/sample/sampling_params.py:848`)."""
        items = body.get("data") if isinstance(body, Mapping) else None
        kinds = {
            str(i["id"])[:200]: i.get("supported_task_types") or [i.get("task_type")]
            for i in (items if isinstance(items, list) else [])[:500]
            if isinstance(i, Mapping) and i.get("id")
        }
        out = []
        for info in super().parse_models(body):
            found = kinds.get(info.id)
            known = [str(k).upper() for k in found if isinstance(k, str)][:20] if found else []
            out.append(replace(info, image=any("I2V" in k for k in known) if known else None))
        return out

    def outputs_field(self, n: int) -> dict[str, Any]:
        return {"n": n}

    def output_count(self, raw: Mapping[str, Any]) -> int:
        count = raw.get("num_outputs")
        return count if isinstance(count, int) and 1 <= count <= 16 else 1

    def media(self, video_id: str, segment: str, variant: str, index: int) -> MediaSource:
        params = {"variant": str(index)} if index else {}
        return MediaSource(path=f"/videos/{segment}/content", params=params)

    def media_url(self, raw: Mapping[str, Any], index: int) -> str | None:
        urls = raw.get("urls")
        url = urls[index] if isinstance(urls, list) and 0 <= index < len(urls) else None
        if isinstance(url, str):
            return url
        url = raw.get("url")
        return url if index == 0 and isinstance(url, str) and url else None


_FAILED_JOB = re.compile(r"""['"]status['"]\s*:\s*['"]failed['"]""")
_MESSAGE = re.compile(r"""['"]message['"]\s*:\s*['"]([^'"]{1,500})['"]""")
_LITELLM_PREFIX = "video_"
_LITELLM_TAG = "litellm:custom_llm_provider:"


def litellm_parts(video_id: str) -> list[str] | None:
    """The `;`-separated parts a LiteLLM proxy encodes into its ids, or None."""
    if not video_id.startswith(_LITELLM_PREFIX):
        return None
    text = video_id[len(_LITELLM_PREFIX) :]
    try:
        decoded = base64.b64decode(text + "=" * (-len(text) % 4), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    parts = decoded.split(";")
    if len(parts) < 3 or not parts[0].startswith(_LITELLM_TAG):
        return None
    if not parts[2].startswith("video_id:"):
        return None
    return parts


_LITELLM_CAPS = Capabilities(
    list=False,
    delete=False,
    variants=_ONLY_MP4,
    reasons={
        "list": "LiteLLM's proxy sends list requests to the provider's default host, "
        "not to your deployment, so jobs are followed one by one.",
        "delete": "LiteLLM's proxy has no delete route: the server's copy stays until it expires.",
        "cancel": "LiteLLM's proxy cannot cancel a job.",
    },
)


@dataclass(frozen=True)
class LiteLLM(Dialect):
    """LiteLLM proxy 1.108.7 (`litellm/proxy/video_endpoints/`, `litellm/types/videos/
    utils.py` `encode_video_id_with_provider`).

    Routes by `model` (400 without it; its models are at `GET /v1/models`); ids are
    `video_` + base64 of provider, model group, upstream id and deployment (240+
    characters); no DELETE route (405); its list skips the deployment's `api_base`;
    content drops `variant` (always the MP4); `remixed_from_video_id` is the upstream
    id; no `prompt` echo; cost in the `x-litellm-response-cost` header. A first frame
    goes only as an uploaded file: the video route takes `input_reference` as an
    `UploadFile` (`proxy/video_endpoints/endpoints.py:56,93-96`) and the form parser folds
    only `key[]` fields (`proxy/common_utils/http_parsing_utils.py:537`), so a
    `input_reference[image_url]` field reaches no provider; the client fetches a URL and
    uploads its bytes. Runway's config puts the upload itself into its JSON body
    (`llms/runwayml/videos/transformation.py:170`: 500 "BytesIO is not JSON serializable"),
    while a `data:` URL string in a JSON create reaches Runway's `promptImage` (Runway
    takes data URIs under 5 MB): the provider of a model group is read from the proxy's
    `GET /model_group/info?model_group=` (`proxy/proxy_server.py` `model_group_info`).
    """

    name: str = "litellm"
    label: str = "LiteLLM"
    requires_model: bool = True
    capabilities: Capabilities = _LITELLM_CAPS
    reports_cost: bool = True
    #: LiteLLM prices a video once, at create: its cost calculator prices only the
    #: create, edit and remix calls (`cost_calculator.py:177-185`), from the requested
    #: duration (`:1813-1855`), and the proxy sends that figure on the create answer
    #: (`proxy/common_request_processing.py:1746`); status and content calls cost
    #: nothing and no code path takes a video's spend back when the job fails. So on the
    #: gateway's ledger (and its budgets) a failed job keeps its create-time cost.
    failed_jobs_billed: bool = True
    reference_fields: str = "`input_reference` file (a URL is fetched and uploaded)"
    takes_image_url: bool = False
    source: str = "litellm[proxy] 1.108.7: litellm/types/videos/utils.py"

    #: LiteLLM's proxy answers 500 for errors raised before it calls the upstream: an
    #: unsupported action (`llms/gemini/videos/transformation.py:501`) or a body it cannot
    #: serialise (`llms/runwayml/videos/transformation.py:170`).
    REFUSAL: ClassVar[re.Pattern[str]] = re.compile(
        Dialect.REFUSAL.pattern + r"|not json serializable", re.IGNORECASE
    )
    #: Status errors in a row after which a job LiteLLM cannot report is failed.
    STATUS_TRIES = 3
    #: Content errors in a row after which a `completed` job without media is failed.
    MEDIA_TRIES = 2

    #: Providers whose LiteLLM config takes a first frame only as a string in JSON, and
    #: the longest data URI each takes (Runway: under 5 MB, docs.dev.runwayml.com/assets/
    #: inputs, read 2026-12-04).
    DATA_URL_PROVIDERS: ClassVar[Mapping[str, int]] = {"runwayml": 5 * 1024 * 1024}

    def media(self, video_id: str, segment: str, variant: str, index: int) -> MediaSource:
        return MediaSource(path=f"/videos/{segment}/content")

    def providers_path(self, model: str) -> str | None:
        return f"/model_group/info?model_group={quote(model, safe='')}"

    def derive_refused(self, kind: str, video_id: str) -> str | None:
        """A job made through the `hosted_vllm` provider (its id names it) is a vLLM
        server's, e.g. vLLM-Omni, which makes new videos only; and LiteLLM sends such a
        remix to OpenAI's default host, not to the deployment (seen with 1.108.7 in
        front of vLLM-Omni 0.30.0's real HTTP layer: tests/thirdparty/real_servers)."""
        parts = litellm_parts(video_id)
        if parts is None or parts[0] != f"{_LITELLM_TAG}hosted_vllm":
            return None
        return (
            f"LiteLLM's hosted_vllm provider cannot {kind} this job: vLLM-Omni makes new "
            "videos only, and LiteLLM would send the request to api.openai.com instead of "
            "your deployment."
        )

    def provider_of(self, body: Any) -> str | None:
        data = body.get("data") if isinstance(body, Mapping) else None
        first = data[0] if isinstance(data, list) and data else None
        found = first.get("providers") if isinstance(first, Mapping) else None
        return str(found[0])[:100] if isinstance(found, list) and found else None

    def data_url_limit(self, provider: str | None) -> int | None:
        return self.DATA_URL_PROVIDERS.get(provider or "")

    def status_word(self, status: str) -> str:
        """LiteLLM's Veo config answers `processing` for every running operation
        (`llms/gemini/videos/transformation.py:343,433`)."""
        return "in_progress" if status == "processing" else status

    def failed_status(self, error: SoraNotebookError, tries: int) -> str | None:
        """LiteLLM's known defects, read from the 5xx it answers a status with:
        - a safety-filtered Veo operation (no `generatedSamples`) fails LiteLLM's own model
          (`types/llms/gemini.py:318`), so every status is a 500 naming that field;
        - a failed vLLM-Omni job (HTTP 500 + the job) behind `hosted_vllm` becomes LiteLLM's
          500 with the job's text (`llms/custom_httpx/llm_http_handler.py:9154`);
        - any other 5xx: failed after `STATUS_TRIES` in a row, with the proxy's words."""
        if not isinstance(error, APIError) or error.status_code < 500:
            return None
        text = error.message
        if "generatedSamples" in text or "raiMediaFiltered" in text:
            return (
                "Veo made no video: the operation ended without samples (Google's safety "
                f"filter, as LiteLLM relays it: {text[:300]})"
            )
        if _FAILED_JOB.search(text):
            found = _MESSAGE.search(text)
            return f"The upstream job failed: {found.group(1) if found else text[:300]}"
        if tries >= self.STATUS_TRIES:
            return f"LiteLLM answered {tries} status requests in a row with: {text[:300]}"
        return None

    def failed_media(self, error: SoraNotebookError, tries: int) -> str | None:
        """A Veo operation done with an `error` is reported `completed`
        (`llms/gemini/videos/transformation.py:433` ignores it); its content is then a 500
        "No response data in completed operation" (`:468`). Failed at once for that text,
        else after `MEDIA_TRIES` content 5xx in a row."""
        if not isinstance(error, APIError) or error.status_code < 500:
            return None
        if "no response data" in error.message.lower():
            return (
                "The upstream operation ended with an error and no video (LiteLLM reported it "
                f"completed): {error.message[:300]}"
            )
        if tries >= self.MEDIA_TRIES:
            return f"LiteLLM answered {tries} downloads in a row with: {error.message[:300]}"
        return None

    def read_headers(self) -> Mapping[str, str]:
        """No retries by the proxy on a read: its router retries a status whose upstream
        answer it cannot parse (a failed or safety-filtered Veo operation) twice, with
        back-off, before its 500 (`proxy/litellm_pre_call_utils.py:1392-1398, 1619-1621`
        read `x-litellm-num-retries`). Measured through the real proxy 1.108.7: failure to
        red 4.6 s with its retries, 0.14 s without (benchmarks/gateways.py). The studio
        polls and retries reads itself; creates keep the proxy's retries."""
        return {"x-litellm-num-retries": "0"}

    def cost_from_headers(self, headers: Mapping[str, str]) -> float | None:
        try:
            value = float(headers.get("x-litellm-response-cost", ""))
        except ValueError:
            return None
        return value if math.isfinite(value) and value >= 0 else None

    def remixed_from(self, raw: Mapping[str, Any], own_id: str) -> str | None:
        """The proxy answers the parent's upstream id: encode it as the proxy names it
        (same provider, model group and deployment as this job)."""
        parent = super().remixed_from(raw, own_id)
        if parent is None or litellm_parts(parent) is not None:
            return parent
        parts = litellm_parts(own_id)
        if parts is None:
            return parent
        parts[2] = f"video_id:{parent}"
        return _LITELLM_PREFIX + base64.b64encode(";".join(parts).encode()).decode()

    def normalize(self, body: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(body)
        own = out.get("id")
        if isinstance(own, str):
            out["remixed_from_video_id"] = self.remixed_from(body, own)
        return out
