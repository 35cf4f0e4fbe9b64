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
        "pricing_skus": {"video_seconds": "0.40"},
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
]


def _auth(request: Request) -> bool:
    return request.headers.get("authorization", "").startswith("Bearer ")


def openrouter_app(*, outputs: int = 1) -> Starlette:
    """OpenRouter video generation, from its API reference (openrouter.ai/docs/api/
    api-reference/video-generation: create-videos, get-videos, get-video-content,
    list-videos-models; SDK models `VideoGenerationResponse`, `VideoModel`). JSON only;
    202 `{id, polling_url, status: "pending"}`; `error` a string; cost in `usage.cost`;
    `unsigned_urls` per output; content `?index=`; no list or delete route."""
    store = Store("job-")

    def body(job: StandinJob) -> dict[str, Any]:
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

    async def create(request: Request) -> Response:
        if not _auth(request):
            return JSONResponse({"error": {"code": 401, "message": "No auth"}}, status_code=401)
        data = json.loads(await request.body() or b"{}")
        store.seen.append({"body": data, "headers": dict(request.headers)})
        if not data.get("model") or not data.get("prompt"):
            return JSONResponse(
                {"error": {"code": 400, "message": "model and prompt are required"}},
                status_code=400,
            )
        res, ratio = data.get("resolution", "720p"), data.get("aspect_ratio", "16:9")
        job = store.add(
            prompt=data["prompt"],
            model=data["model"],
            size=f"{res} {ratio}",
            seconds=str(data.get("duration", 8)),
            outputs=outputs,
            fields=data,
        )
        return JSONResponse(body(job), status_code=202)

    async def retrieve(request: Request) -> Response:
        job = store.jobs.get(request.path_params["job_id"])
        if job is None:
            return JSONResponse({"error": {"code": 404, "message": "Not found"}}, status_code=404)
        return JSONResponse(body(job))

    async def content(request: Request) -> Response:
        job = store.jobs.get(request.path_params["job_id"])
        index = int(request.query_params.get("index", "0"))
        if job is None or job.state()[0] != "completed" or index >= job.outputs:
            return JSONResponse({"error": {"code": 404, "message": "Not found"}}, status_code=404)
        return Response(tiny_mp4(index), media_type="video/mp4")

    async def models(request: Request) -> Response:
        return JSONResponse({"data": OPENROUTER_MODELS})

    app = Starlette(
        routes=[
            Route("/api/v1/videos/models", models, methods=["GET"]),
            Route("/api/v1/videos", create, methods=["POST"]),
            Route("/api/v1/videos/{job_id}", retrieve, methods=["GET"]),
            Route("/api/v1/videos/{job_id}/content", content, methods=["GET"]),
        ]
    )
    app.state.store = store
    return app


def together_app() -> Starlette:
    """Together AI videos, from togethercomputer/openapi `openapi.yaml` (`createVideo`,
    `retrieveVideo`, schemas `CreateVideoBody`, `VideoJob`, `VideoStatus`, `VideoMedia`).
    JSON; `model` required; `in_progress`/`completed`/`failed`; media and cost in
    `outputs.video_url`/`outputs.cost` (a signed URL: here on this host, under /files)."""
    store = Store("")

    def body(job: StandinJob, base: str) -> dict[str, Any]:
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

    def base_of(request: Request) -> str:
        return str(request.base_url).rstrip("/")

    async def create(request: Request) -> Response:
        data = json.loads(await request.body() or b"{}")
        store.seen.append({"body": data})
        if not data.get("model"):
            return JSONResponse({"error": {"message": "model is required"}}, status_code=400)
        size = f"{data.get('width', 1280)}x{data.get('height', 720)}"
        job = store.add(
            prompt=str(data.get("prompt", "")),
            model=data["model"],
            size=size,
            seconds=str(data.get("seconds") or "5"),
            fields=data,
        )
        return JSONResponse(body(job, base_of(request)))

    async def retrieve(request: Request) -> Response:
        job = store.jobs.get(request.path_params["video_id"])
        if job is None:
            return JSONResponse({"error": {"message": "not found"}}, status_code=404)
        return JSONResponse(body(job, base_of(request)))

    async def files(request: Request) -> Response:
        store.seen.append({"media_headers": dict(request.headers)})
        job = store.jobs.get(request.path_params["video_id"])
        if job is None:
            return Response(status_code=404)
        return Response(tiny_mp4(0), media_type="video/mp4")

    app = Starlette(
        routes=[
            Route("/v2/videos", create, methods=["POST"]),
            Route("/v2/videos/{video_id}", retrieve, methods=["GET"]),
            Route("/files/{video_id}.mp4", files, methods=["GET"]),
        ]
    )
    app.state.store = store
    return app
