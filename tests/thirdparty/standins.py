"""HTTP stand-ins for servers that need a GPU or an account, each copied from that
server's own source or published API reference (named per function), run on 127.0.0.1.

None of their code is copied: only the routes, fields, status codes and shapes, so the
project's client and studio meet what the real servers answer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .media import tiny_mp4
from .standin_jobs import StandinJob, Store

SERVED_MODEL = "Wan-AI/Wan2.2-T2V-A14B-Diffusers"


def _error(status: int, message: str) -> JSONResponse:
    """vLLM's OpenAI-style error envelope (`ErrorResponse`)."""
    return JSONResponse(
        {"error": {"message": message, "type": "BadRequestError", "param": None, "code": status}},
        status_code=status,
    )


def _detail(status: int, message: str) -> JSONResponse:
    """FastAPI's default HTTPException body (SGLang)."""
    return JSONResponse({"detail": message}, status_code=status)


def _mp4(job: StandinJob, index: int = 0) -> Response:
    return Response(tiny_mp4(index), media_type="video/mp4")


async def _form(request: Request) -> dict[str, Any]:
    out: dict[str, Any] = {}
    async with request.form() as form:
        for key, value in form.multi_items():
            out[key] = await value.read() if hasattr(value, "read") else value
    return out


# --- vLLM-Omni 0.30.0 ------------------------------------------------------------------


class VLLMOmniStandin:
    """vllm-omni 0.30.0: `vllm_omni/entrypoints/openai/api_server.py` (routes `/v1/videos`,
    lines ~2630-2960), `video/generation/helpers.py` (`_parse_video_form`,
    `video_response_from_request`, `_status_code_for_video_failure`), `protocol/videos.py`
    (`VideoResponse`). Multipart only; model must match the served one; failed GET is
    non-2xx with the job; content 422 for failed, 404 while running, no `variant`;
    delete aborts a running job."""

    def __init__(self) -> None:
        self.store = Store("video_gen_")

    def body(self, job: StandinJob) -> dict[str, Any]:
        status, _ = job.state()
        done = status in {"completed", "failed"}
        out = {
            "id": job.id,
            "object": "video",
            "model": job.model,
            "prompt": job.prompt,
            "status": status,
            "progress": 100 if status == "completed" else 0,
            "size": job.size,
            "seconds": job.seconds,
            "quality": "default",
            "created_at": int(job.created),
            "completed_at": int(job.created) + 1 if done else None,
            "expires_at": None,
            "remixed_from_video_id": None,
            "error": None,
            "media_type": "video/mp4",
            "file_name": f"{job.id}.mp4" if status == "completed" else None,
            "inference_time_s": 0.6 if done else None,
        }
        if status == "failed":
            out["error"] = {"code": 500, "message": "CUDA out of memory (stand-in)"}
        return out

    async def create(self, request: Request) -> Response:
        if "multipart/form-data" not in request.headers.get("content-type", ""):
            return _error(422, "Field required: prompt (form data)")
        form = await _form(request)
        self.store.seen.append(
            {
                "form": {k: v for k, v in form.items() if not isinstance(v, bytes)},
                "files": [k for k, v in form.items() if isinstance(v, bytes)],
            }
        )
        if form.get("model") and form["model"] != SERVED_MODEL:
            return _error(
                400,
                f"Model mismatch: request specifies '{form['model']}' but server "
                f"is running '{SERVED_MODEL}'.",
            )
        job = self.store.add(
            prompt=str(form["prompt"]),
            model=SERVED_MODEL,
            size=str(form.get("size") or "1280x720"),
            seconds=str(form.get("seconds") or "4"),
            fields=form,
        )
        return JSONResponse(self.body(job))

    async def listing(self, request: Request) -> Response:
        jobs = self.store.newest_first()
        if request.query_params.get("order") == "asc":
            jobs.reverse()
        after = request.query_params.get("after")
        if after is not None:
            ids = [j.id for j in jobs]
            jobs = jobs[ids.index(after) + 1 :] if after in ids else []
        limit = request.query_params.get("limit")
        more = False
        if limit is not None:
            more = len(jobs) > int(limit)
            jobs = jobs[: int(limit)]
        data = [self.body(j) for j in jobs]
        return JSONResponse(
            {
                "object": "list",
                "data": data,
                "has_more": more,
                "first_id": data[0]["id"] if data else None,
                "last_id": data[-1]["id"] if data else None,
            }
        )

    async def retrieve(self, request: Request) -> Response:
        job = self.store.jobs.get(request.path_params["video_id"])
        if job is None:
            return _error(404, "Video not found")
        out = self.body(job)
        return JSONResponse(out, status_code=500 if out["status"] == "failed" else 200)

    async def delete(self, request: Request) -> Response:
        job = self.store.jobs.get(request.path_params["video_id"])
        if job is None:
            return _error(404, "Video not found")
        if job.state()[0] in {"queued", "in_progress"}:
            job.cancelled = True  # the engine abort
        self.store.jobs.pop(job.id)
        return JSONResponse({"id": job.id, "object": "video.deleted", "deleted": True})

    async def content(self, request: Request) -> Response:
        job = self.store.jobs.get(request.path_params["video_id"])
        if job is None:
            return _error(404, "Video not found")
        status = job.state()[0]
        if status == "failed":
            return _error(422, "Video generation failed. Check job status for error details.")
        if status != "completed":
            return _error(404, "Generation is still in-progress")
        return _mp4(job)

    async def models(self, request: Request) -> Response:
        return JSONResponse({"object": "list", "data": [{"id": SERVED_MODEL, "object": "model"}]})

    def app(self) -> Starlette:
        app = Starlette(
            routes=[
                Route("/v1/videos", self.create, methods=["POST"]),
                Route("/v1/videos", self.listing, methods=["GET"]),
                Route("/v1/videos/{video_id}", self.retrieve, methods=["GET"]),
                Route("/v1/videos/{video_id}", self.delete, methods=["DELETE"]),
                Route("/v1/videos/{video_id}/content", self.content, methods=["GET"]),
                Route("/v1/models", self.models, methods=["GET"]),
            ]
        )
        app.state.store = self.store
        return app


def vllm_omni_app() -> Starlette:
    """The stand-in as an ASGI app (`app.state.store` holds what it saw)."""
    return VLLMOmniStandin().app()


# --- SGLang 0.5.23 ---------------------------------------------------------------------


class SGLangStandin:
    """sglang 0.5.23: `sglang/multimodal_gen/runtime/entrypoints/openai/video_api.py`
    (`create_video`, `list_videos`, `retrieve_video`, `delete_video`,
    `download_video_content`, `_video_job_from_sampling`, `_dispatch_job_async`),
    `protocol.py` (`VideoResponse`, `VideoGenerationsRequest`), `stores.py`
    (`list_page`), `video_progress.py` (in_progress capped at 99). JSON or multipart;
    `n` outputs; `variant` is an integer output index; no `prompt` echo; delete answers
    the job with `status: "deleted"`. With `cloud`, outputs live at `urls` and content
    answers 400 naming the URL. With `tasks` (e.g. `("T2V",)`), `GET /v1/models` names the
    served model with its `task_type` / `supported_task_types` (`common_api.py:218-229`),
    and a T2V model refuses a first frame with 400 "input_reference is not supported for
    T2V models." (`configs/sample/sampling_params.py:848`)."""

    def __init__(self, *, cloud: bool = False, tasks: tuple[str, ...] = ()) -> None:
        self.store = Store("")
        self.cloud = cloud
        self.tasks = tasks

    def body(self, job: StandinJob, base: str) -> dict[str, Any]:
        status, progress = job.state()
        out: dict[str, Any] = {
            "id": job.id,
            "object": "video",
            "model": job.model,
            "status": status,
            "progress": 100 if status == "completed" else min(progress, 99),
            "created_at": int(job.created),
            "size": job.size,
            "seconds": job.seconds,
            "quality": "standard",
            "url": None,
            "urls": None,
            "remixed_from_video_id": None,
            "completed_at": None,
            "expires_at": None,
            "error": None,
            "file_path": None,
            "file_paths": None,
            "num_outputs": None,
            "peak_memory_mb": None,
            "inference_time_s": None,
            "revised_prompt": None,
        }
        if status == "completed":
            urls = [f"{base}/files/{job.id}/{i}.mp4" for i in range(job.outputs)]
            out.update(
                completed_at=int(job.created) + 1,
                num_outputs=job.outputs,
                url=urls[0] if self.cloud else None,
                urls=urls if self.cloud else None,
                file_paths=None
                if self.cloud
                else [f"/srv/out/{job.id}_{i}.mp4" for i in range(job.outputs)],
            )
        if status == "failed":
            out["error"] = {"message": "Video generation failed (stand-in)"}
        return out

    def base_of(self, request: Request) -> str:
        return str(request.base_url).rstrip("/")

    async def create(self, request: Request) -> Response:
        if "multipart/form-data" in request.headers.get("content-type", ""):
            data = await _form(request)
        else:
            data = json.loads(await request.body() or b"{}")
        self.store.seen.append(
            {k: (v if not isinstance(v, bytes) else "<file>") for k, v in data.items()}
        )
        if not data.get("prompt"):
            return _detail(400, "prompt is required")
        reference = data.get("input_reference") or data.get("reference_url")
        if reference and self.tasks and not any("I2V" in t for t in self.tasks):
            return _detail(400, "input_reference is not supported for T2V models.")
        n = int(data.get("num_outputs_per_prompt") or data.get("n") or 1)
        seconds = int(data.get("seconds") or 4)  # an int in SGLang
        job = self.store.add(
            prompt=str(data["prompt"]),
            model=str(data.get("model") or "sora-2"),
            size=str(data.get("size") or "1280x720"),
            seconds=str(seconds),
            outputs=n,
            fields=data,
        )
        return JSONResponse(self.body(job, self.base_of(request)))

    async def listing(self, request: Request) -> Response:
        limit = int(request.query_params.get("limit", 20))
        if not 1 <= limit <= 100:
            return _detail(422, "limit must be 1-100")
        jobs = self.store.newest_first()
        if request.query_params.get("order") == "asc":
            jobs.reverse()
        after = request.query_params.get("after")
        if after is not None:
            ids = [j.id for j in jobs]
            jobs = jobs[ids.index(after) + 1 :] if after in ids else []
        page = [self.body(j, self.base_of(request)) for j in jobs[:limit]]
        return JSONResponse(
            {
                "data": page,
                "first_id": page[0]["id"] if page else None,
                "last_id": page[-1]["id"] if page else None,
                "has_more": len(jobs) > limit,
            }
        )

    async def retrieve(self, request: Request) -> Response:
        job = self.store.jobs.get(request.path_params["video_id"])
        if job is None:
            return _detail(404, "Video not found")
        return JSONResponse(self.body(job, self.base_of(request)))

    async def delete(self, request: Request) -> Response:
        job = self.store.jobs.pop(request.path_params["video_id"], None)
        if job is None:
            return _detail(404, "Video not found")
        return JSONResponse({**self.body(job, self.base_of(request)), "status": "deleted"})

    async def content(self, request: Request) -> Response:
        job = self.store.jobs.get(request.path_params["video_id"])
        if job is None:
            return _detail(404, "Video not found")
        variant = request.query_params.get("variant")
        try:
            index: int | None = 0 if variant is None else int(variant)
        except ValueError:
            index = None
        status = job.state()[0]
        if self.cloud and status == "completed" and index is not None and index < job.outputs:
            url = f"{self.base_of(request)}/files/{job.id}/{index}.mp4"
            return _detail(
                400,
                f"Video has been uploaded to cloud storage. Please use the cloud URL: {url}",
            )
        if status not in {"completed", "failed"}:
            return _detail(404, "Generation is still in-progress")
        if status != "completed" or index is None or not 0 <= index < job.outputs:
            return _detail(404, f"Video variant {variant} not found")
        return _mp4(job, index)

    async def files(self, request: Request) -> Response:
        self.store.seen.append({"media_headers": dict(request.headers)})
        job = self.store.jobs.get(request.path_params["video_id"])
        index = int(request.path_params["index"])
        if job is None or index >= job.outputs:
            return Response(status_code=404)
        return _mp4(job, index)

    async def models(self, request: Request) -> Response:
        model = {
            "id": SGLANG_T2V_MODEL,
            "object": "model",
            "owned_by": "sglang",
            "task_type": self.tasks[0],
            "supported_task_types": list(self.tasks),
        }
        return JSONResponse({"object": "list", "data": [model]})

    def app(self) -> Starlette:
        routes = [
            Route("/v1/videos", self.create, methods=["POST"]),
            Route("/v1/videos", self.listing, methods=["GET"]),
            Route("/v1/videos/{video_id}", self.retrieve, methods=["GET"]),
            Route("/v1/videos/{video_id}", self.delete, methods=["DELETE"]),
            Route("/v1/videos/{video_id}/content", self.content, methods=["GET"]),
            Route("/files/{video_id}/{index:int}.mp4", self.files, methods=["GET"]),
        ]
        if self.tasks:
            routes.append(Route("/v1/models", self.models, methods=["GET"]))
        app = Starlette(routes=routes)
        app.state.store = self.store
        return app


#: The model a T2V-only SGLang stand-in serves.
SGLANG_T2V_MODEL = "Wan2.1-T2V-1.3B-Diffusers"


def sglang_app(*, cloud: bool = False, tasks: tuple[str, ...] = ()) -> Starlette:
    """The stand-in as an ASGI app (`app.state.store` holds what it saw)."""
    return SGLangStandin(cloud=cloud, tasks=tasks).app()


def first_upload(fields: Mapping[str, Any]) -> bytes | None:
    """The first uploaded file among a stand-in's recorded form fields."""
    return next((v for v in fields.values() if isinstance(v, bytes)), None)
