"""Hosted gateways whose shapes differ from the official protocol: OpenRouter, Together.

Written from their published API references (named in each docstring); a Sora-style
`size`/`seconds` request maps to their own fields, and back for display and the tree.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sora_notebook.client._http.multipart import FilePart
from sora_notebook.client.dialects.base import (
    Capabilities,
    Dialect,
    MediaSource,
    ModelInfo,
    data_url,
    ratio_of,
    size_from,
)
from sora_notebook.protocol import parse_size

__all__ = ["OpenRouter", "Together"]

_ONLY_MP4 = ("video",)


def _first_frame_url(value: Any) -> str | None:
    """A reference image (uploaded or by URL) as a URL these gateways accept."""
    if isinstance(value, FilePart):
        return data_url(value)
    if isinstance(value, Mapping) and value.get("image_url"):
        return str(value["image_url"])
    return None


def _gateway_caps(label: str, **more: Any) -> Capabilities:
    text = f"{label} cannot remix, edit or extend videos: it makes new videos only."
    reasons = {
        "remix": text,
        "edit": text,
        "extend": text,
        "list": f"{label} has no job list, so jobs are followed one by one.",
        "delete": f"{label} has no delete: the server's copy stays until it expires.",
        "cancel": f"{label}'s API has no cancel endpoint.",
        "characters": f"{label} has no characters endpoint.",
    }
    return Capabilities(
        list=False,
        delete=False,
        remix=False,
        edit=False,
        extend=False,
        characters=False,
        variants=_ONLY_MP4,
        reasons={**reasons, **more.pop("reasons", {})},
        **more,
    )


_OPENROUTER_CAPS = _gateway_caps("OpenRouter", outputs_per_job=True)


@dataclass(frozen=True)
class OpenRouter(Dialect):
    """OpenRouter's video API, from its API reference (openrouter.ai/docs/api/api-reference/
    video-generation: create-videos, get-videos, list-videos-models; 2026).

    `POST /api/v1/videos` (JSON) answers `{id, polling_url, status: "pending"}`; statuses
    `pending`, `in_progress`, `completed`, `failed`, `cancelled`, `expired`; `error` is a
    string; cost in `usage.cost`; media at `/videos/{id}/content?index=N` (one per
    `unsigned_urls` entry); fields `duration`, `resolution`, `aspect_ratio`,
    `generate_audio`, `seed`, `frame_images[]`; models with their sizes, durations and
    audio at `/videos/models`.
    """

    name: str = "openrouter"
    label: str = "OpenRouter"
    multipart: bool = False
    json_only: bool = True
    requires_model: bool = True
    models_path: str | None = "/videos/models"
    catalogue_binds: bool = True
    capabilities: Capabilities = _OPENROUTER_CAPS
    reports_cost: bool = True
    reference_fields: str = "`frame_images` (first frame; a file goes as a data URL)"
    audio_field: str | None = "generate_audio"
    params: tuple[str, ...] = ("seed", "generate_audio")
    source: str = "OpenRouter API reference: video-generation (create, get, content, models)"

    def create_fields(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        out = super().create_fields({k: v for k, v in fields.items() if k != "input_reference"})
        out["input_reference"] = fields.get("input_reference")
        size = out.pop("size", None)
        if size:
            width, height = parse_size(size)
            out["resolution"] = f"{min(width, height)}p"
            out["aspect_ratio"] = ratio_of(width, height)
        seconds = out.pop("seconds", None)
        if seconds is not None:
            out["duration"] = int(seconds)
        url = _first_frame_url(out.pop("input_reference", None))
        if url is not None:
            frame = {"type": "image_url", "image_url": {"url": url}, "frame_type": "first_frame"}
            out["frame_images"] = [frame]
        return out

    def normalize(self, body: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(body)
        status = str(out.get("status") or "")
        error = out.get("error")
        if isinstance(error, str):
            out["error"] = {"message": error}
        if status == "pending":
            out["status"] = "queued"
        elif status in {"cancelled", "expired"}:
            out["status"] = "failed"
            out["error"] = out.get("error") or {"message": f"The job was {status} on OpenRouter."}
            out["error"].setdefault("code", status)
        if out.get("resolution") and out.get("aspect_ratio") and not out.get("size"):
            out["size"] = size_from(out["resolution"], out["aspect_ratio"])
        if out.get("duration") is not None and out.get("seconds") is None:
            out["seconds"] = str(out["duration"])
        return out

    def reported_cost(self, raw: Mapping[str, Any]) -> float | None:
        """`usage.cost` (USD), on the job once it has one."""
        usage = raw.get("usage")
        return _usd(usage.get("cost")) if isinstance(usage, Mapping) else None

    def output_count(self, raw: Mapping[str, Any]) -> int:
        urls = raw.get("unsigned_urls")
        return min(len(urls), 16) if isinstance(urls, list) and urls else 1

    def media(self, video_id: str, segment: str, variant: str, index: int) -> MediaSource:
        return MediaSource(path=f"/videos/{segment}/content", params={"index": str(index)})

    def parse_models(self, body: Any) -> list[ModelInfo]:
        items = body.get("data") if isinstance(body, Mapping) else None
        out: list[ModelInfo] = []
        for item in items or ():
            if not isinstance(item, Mapping) or not item.get("id"):
                continue
            pairs = [
                (r, a)
                for r in item.get("supported_resolutions") or ()
                for a in item.get("supported_aspect_ratios") or ()
            ][:200]
            sizes = tuple(s for r, a in pairs if (s := size_from(r, a)))
            if len(sizes) < len(pairs):  # a resolution with no known size ("1K", "2K")
                sizes = ()  # a partial list would refuse sizes the model makes
            listed = tuple(str(s)[:20] for s in item.get("supported_sizes") or ())
            sizes = listed + tuple(s for s in sizes if s not in listed) if listed else sizes
            frames = item.get("supported_frame_images")
            seconds = tuple(str(d) for d in item.get("supported_durations") or ())
            prices = _per_second(item.get("pricing_skus"))
            out.append(
                ModelInfo(
                    id=str(item["id"])[:200],
                    sizes=sizes,
                    seconds=seconds,
                    audio=item.get("generate_audio")
                    if isinstance(item.get("generate_audio"), bool)
                    else None,
                    image="first_frame" in frames if isinstance(frames, list) else None,
                    price_per_second=prices.get(""),
                    prices=prices,
                )
            )
        return out[:500]


_SKU = "per-video-second"


def _per_second(skus: Any) -> dict[str, float]:
    """OpenRouter's per-second SKUs by resolution: `per-video-second` (any resolution,
    key "") and `per-video-second-1080p` (key "1080p"), values as strings of USD."""
    if not isinstance(skus, Mapping):
        return {}
    out: dict[str, float] = {}
    for key, value in list(skus.items())[:50]:
        key = str(key).lower()
        if key != _SKU and not key.startswith(_SKU + "-"):
            continue
        try:
            price = _usd(float(value))
        except (TypeError, ValueError):
            continue
        if price is not None:
            out[key[len(_SKU) + 1 :]] = price
    return out


def _usd(value: Any) -> float | None:
    """A reported amount of USD: a finite number, 0 or more."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and value >= 0 else None


_TOGETHER_CAPS = _gateway_caps(
    "Together", reasons={"outputs_per_job": "Together returns one video per job."}
)


@dataclass(frozen=True)
class Together(Dialect):
    """Together AI's videos API, from its OpenAPI (togethercomputer/openapi `openapi.yaml`,
    `CreateVideoBody`, `VideoJob`; base `https://api.together.ai/v2`).

    `POST /videos` (JSON; `model` required; `width`/`height`, `seconds`, `seed`,
    `negative_prompt`, `generate_audio`, `media.frame_images[{input_image, frame}]`);
    `GET /videos/{id}` with statuses `in_progress`/`completed`/`failed`; the media is a
    signed `outputs.video_url` with the charged `outputs.cost`; no content route, list,
    delete or remix.
    """

    name: str = "together"
    label: str = "Together"
    multipart: bool = False
    json_only: bool = True
    requires_model: bool = True
    models_path: str | None = None
    needs_job_for_media: bool = True
    capabilities: Capabilities = _TOGETHER_CAPS
    reports_cost: bool = False  # `outputs.cost` has no stated unit (see reported_cost)
    reference_fields: str = "`media.frame_images` (a file goes as a data URL)"
    audio_field: str | None = "generate_audio"
    params: tuple[str, ...] = (
        "seed",
        "negative_prompt",
        "steps",
        "guidance_scale",
        "fps",
        "generate_audio",
    )
    source: str = "togethercomputer/openapi openapi.yaml: CreateVideoBody, VideoJob"

    def create_fields(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        out = super().create_fields({k: v for k, v in fields.items() if k != "input_reference"})
        out["input_reference"] = fields.get("input_reference")
        size = out.pop("size", None)
        if size:
            out["width"], out["height"] = parse_size(size)
        url = _first_frame_url(out.pop("input_reference", None))
        if url is not None:
            out["media"] = {"frame_images": [{"input_image": url, "frame": "first"}]}
        return out

    def reported_cost(self, raw: Mapping[str, Any]) -> float | None:
        """None: `outputs.cost` is an integer "charged" with no unit stated (openapi.yaml
        `VideoJob.outputs.cost`), so it is not taken as dollars; the job keeps it in `raw`
        and the project's table prices it."""
        return None

    def media(self, video_id: str, segment: str, variant: str, index: int) -> MediaSource:
        return MediaSource()

    def media_url(self, raw: Mapping[str, Any], index: int) -> str | None:
        outputs = raw.get("outputs")
        url = outputs.get("video_url") if isinstance(outputs, Mapping) else None
        return url if index == 0 and isinstance(url, str) and url else None
