"""Stand-ins for hosted gateways, from their published API references (named per app)."""

from __future__ import annotations

import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .media import tiny_mp4
from .standin_jobs import StandinJob, Store

OPENROUTER_MODELS = [
    {
        "id": "google/veo-3.1",
        "canonical_slug": "google/veo-3.1",
        "name": "Veo 3.1",
        "created": 1700000000,
        "generate_audio": True,
        "seed": None,
        "supported_aspect_ratios": ["16:9", "9:16"],
        "supported_durations": [4, 6, 8],
        "supported_frame_images": ["first_frame", "last_frame"],
        "supported_resolutions": ["720p", "1080p"],
        "supported_sizes": None,
        "allowed_passthrough_parameters": [],
        "pricing_skus": {"per-video-second": "0.40", "per-video-second-1080p": "0.50"},
    },
    {
        "id": "alibaba/wan-2.6",
        "canonical_slug": "alibaba/wan-2.6",
        "name": "Wan 2.6",
        "created": 1700000000,
        "generate_audio": False,
        "seed": None,
        "supported_aspect_ratios": ["16:9"],
        "supported_durations": [5],
        "supported_frame_images": ["first_frame"],
        "supported_resolutions": ["720p"],
        "supported_sizes": None,
        "allowed_passthrough_parameters": [],
    },
    {  # text-to-video only, sized in "1K"/"2K" with exact sizes listed
        "id": "example/t2v-only",
        "canonical_slug": "example/t2v-only",
        "name": "A text-to-video model",
        "created": 1700000000,
        "generate_audio": False,
        "seed": None,
        "supported_aspect_ratios": ["16:9", "1:1"],
        "supported_durations": [5, 10],
        "supported_frame_images": [],
        "supported_resolutions": ["1K", "2K"],
        "supported_sizes": ["1920x1080", "1440x1440"],
        "allowed_passthrough_parameters": [],
        "pricing_skus": {"per-video-second": "0.10"},
    },
]


def _auth(request: Request) -> bool:
    return request.headers.get("authorization", "").startswith("Bearer ")


class OpenRouterStandin:
    """OpenRouter video generation, from its API reference (openrouter.ai/docs/api/
    api-reference/video-generation: create-videos, get-videos, get-video-content,
    list-videos-models; SDK models `VideoGenerationResponse`, `VideoModel`). JSON only;
    202 `{id, polling_url, status: "pending"}`; `error` a string; cost in `usage.cost`;
    `unsigned_urls` per output; content `?index=`; no list or delete route."""

    def __init__(self, *, outputs: int = 1) -> None:
        self.store = Store("job-")
        self.outputs = outputs

    def body(self, job: StandinJob) -> dict[str, Any]:
        status, _ = job.state()
        out: dict[str, Any] = {
            "id": job.id,
            "polling_url": f"/api/v1/videos/{job.id}",
            "status": "pending" if status == "queued" else status,
        }
        if status == "completed":
            out["generation_id"] = f"gen-{job.id}"
            out["unsigned_urls"] = [
                f"/api/v1/videos/{job.id}/content?index={i}" for i in range(job.outputs)
            ]
            out["usage"] = {"cost": 0.5, "is_byok": False}
        if status == "failed":
            out["error"] = "The provider refused the prompt (stand-in)."
        return out

    async def create(self, request: Request) -> Response:
        if not _auth(request):
            return JSONResponse({"error": {"code": 401, "message": "No auth"}}, status_code=401)
        data = json.loads(await request.body() or b"{}")
        self.store.seen.append({"body": data, "headers": dict(request.headers)})
        if not data.get("model") or not data.get("prompt"):
            return JSONResponse(
                {"error": {"code": 400, "message": "model and prompt are required"}},
                status_code=400,
            )
        res, ratio = data.get("resolution", "720p"), data.get("aspect_ratio", "16:9")
        job = self.store.add(
            prompt=data["prompt"],
            model=data["model"],
            size=f"{res} {ratio}",
            seconds=str(data.get("duration", 8)),
            outputs=self.outputs,
            fields=data,
        )
        return JSONResponse(self.body(job), status_code=202)

    async def retrieve(self, request: Request) -> Response:
        job = self.store.jobs.get(request.path_params["job_id"])
        if job is None:
            return JSONResponse({"error": {"code": 404, "message": "Not found"}}, status_code=404)
        return JSONResponse(self.body(job))

    async def content(self, request: Request) -> Response:
        job = self.store.jobs.get(request.path_params["job_id"])
        index = int(request.query_params.get("index", "0"))
        if job is None or job.state()[0] != "completed" or index >= job.outputs:
            return JSONResponse({"error": {"code": 404, "message": "Not found"}}, status_code=404)
        return Response(tiny_mp4(index), media_type="video/mp4")

    async def models(self, request: Request) -> Response:
        return JSONResponse({"data": OPENROUTER_MODELS})

    def app(self) -> Starlette:
        app = Starlette(
            routes=[
                Route("/api/v1/videos/models", self.models, methods=["GET"]),
                Route("/api/v1/videos", self.create, methods=["POST"]),
                Route("/api/v1/videos/{job_id}", self.retrieve, methods=["GET"]),
                Route("/api/v1/videos/{job_id}/content", self.content, methods=["GET"]),
            ]
        )
        app.state.store = self.store
        return app


def openrouter_app(*, outputs: int = 1) -> Starlette:
    """The stand-in as an ASGI app (`app.state.store` holds what it saw)."""
    return OpenRouterStandin(outputs=outputs).app()


class TogetherStandin:
    """Together AI videos, from togethercomputer/openapi `openapi.yaml` (`createVideo`,
    `retrieveVideo`, schemas `CreateVideoBody`, `VideoJob`, `VideoStatus`, `VideoMedia`).
    JSON; `model` required; `in_progress`/`completed`/`failed`; media and cost in
    `outputs.video_url`/`outputs.cost` (a signed URL: here on this host, under /files)."""

    def __init__(self) -> None:
        self.store = Store("")

    def body(self, job: StandinJob, base: str) -> dict[str, Any]:
        status, _ = job.state()
        out: dict[str, Any] = {
            "id": job.id,
            "object": "video",
            "model": job.model,
            "status": "in_progress" if status == "queued" else status,
            "created_at": job.created,
            "size": job.size,
            "seconds": job.seconds,
        }
        if status == "completed":
            out["completed_at"] = job.created + 1
            out["outputs"] = {"cost": 2, "video_url": f"{base}/files/{job.id}.mp4?sig=abc"}
        if status == "failed":
            out["error"] = {"code": "invalid_request", "message": "Prompt refused (stand-in)"}
        return out

    def base_of(self, request: Request) -> str:
        return str(request.base_url).rstrip("/")

    async def create(self, request: Request) -> Response:
        data = json.loads(await request.body() or b"{}")
        self.store.seen.append({"body": data})
        if not data.get("model"):
            return JSONResponse({"error": {"message": "model is required"}}, status_code=400)
        size = f"{data.get('width', 1280)}x{data.get('height', 720)}"
        job = self.store.add(
            prompt=str(data.get("prompt", "")),
            model=data["model"],
            size=size,
            seconds=str(data.get("seconds") or "5"),
            fields=data,
        )
        return JSONResponse(self.body(job, self.base_of(request)))

    async def retrieve(self, request: Request) -> Response:
        job = self.store.jobs.get(request.path_params["video_id"])
        if job is None:
            return JSONResponse({"error": {"message": "not found"}}, status_code=404)
        return JSONResponse(self.body(job, self.base_of(request)))

    async def files(self, request: Request) -> Response:
        self.store.seen.append({"media_headers": dict(request.headers)})
        job = self.store.jobs.get(request.path_params["video_id"])
        if job is None:
            return Response(status_code=404)
        return Response(tiny_mp4(0), media_type="video/mp4")

    def app(self) -> Starlette:
        app = Starlette(
            routes=[
                Route("/v2/videos", self.create, methods=["POST"]),
                Route("/v2/videos/{video_id}", self.retrieve, methods=["GET"]),
                Route("/files/{video_id}.mp4", self.files, methods=["GET"]),
            ]
        )
        app.state.store = self.store
        return app


def together_app() -> Starlette:
    """The stand-in as an ASGI app (`app.state.store` holds what it saw)."""
    return TogetherStandin().app()
