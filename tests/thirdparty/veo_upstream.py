"""A Veo upstream written from Google's public Gemini API reference, for a real LiteLLM
proxy to call: "Generate videos with Veo 3.1 in the Gemini API", REST tab
(ai.google.dev/gemini-api/docs/video, read 2026-12-04) and the long-running operations
reference (ai.google.dev/api/batch-api#Operation shape, `name`, `done`, `error`, `response`).

- `POST /v1beta/models/{model}:predictLongRunning` (`x-goog-api-key`), body
  `{"instances": [{"prompt", "image"?}], "parameters": {...}}` -> `{"name": "models/{model}/
  operations/{id}"}`;
- `GET /v1beta/{name}` -> `{"name", "done": false}` until done, then `response.
  generateVideoResponse.generatedSamples[].video.uri`; a failed operation is `done: true`
  with `error: {code, message}`; a safety-filtered one has `raiMediaFilteredCount` and
  `raiMediaFilteredReasons` and no samples;
- the sample's `uri` serves the MP4 (`:download?alt=media`).

A prompt containing "unsafe" is filtered, one containing "breaks" fails; others finish
after `polls` status reads.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .media import tiny_mp4

KEY = "veo-upstream-key"


def veo_app(polls: int = 2) -> Starlette:
    jobs: dict[str, dict[str, Any]] = {}
    ids = itertools.count(1)

    async def create(request: Request) -> Response:
        if request.headers.get("x-goog-api-key") != KEY:
            return JSONResponse({"error": {"code": 401, "message": "API key not valid."}}, 401)
        model = request.path_params["model"].removesuffix(":predictLongRunning")
        body = await request.json()
        instance = (body.get("instances") or [{}])[0]
        name = f"models/{model}/operations/op{next(ids)}"
        jobs[name] = {"prompt": instance.get("prompt", ""), "reads": 0}
        request.app.state.seen.append(body)
        return JSONResponse({"name": name})

    async def operation(request: Request) -> Response:
        name = request.path_params["name"]
        job = jobs.get(name)
        if job is None:
            return JSONResponse({"error": {"code": 404, "message": "Operation not found."}}, 404)
        job["reads"] += 1
        request.app.state.reads.append((name.rsplit("/", 1)[-1], time.time()))
        if job["reads"] <= polls:
            return JSONResponse({"name": name, "done": False})
        request.app.state.done_at.setdefault(name, time.time())  # when it first said done
        if "breaks" in job["prompt"]:
            error = {"code": 13, "message": "Video generation failed: internal model error."}
            return JSONResponse({"name": name, "done": True, "error": error})
        if "unsafe" in job["prompt"]:
            filtered = {
                "raiMediaFilteredCount": 1,
                "raiMediaFilteredReasons": ["The prompt could not be submitted (safety)."],
            }
            return JSONResponse(
                {"name": name, "done": True, "response": {"generateVideoResponse": filtered}}
            )
        uri = f"{request.base_url}v1beta/files/{name.rsplit('/', 1)[-1]}:download?alt=media"
        samples = {"generatedSamples": [{"video": {"uri": uri}}]}
        return JSONResponse(
            {"name": name, "done": True, "response": {"generateVideoResponse": samples}}
        )

    async def download(request: Request) -> Response:
        return Response(tiny_mp4(), media_type="video/mp4")

    app = Starlette(
        routes=[
            Route("/v1beta/models/{model}", create, methods=["POST"]),
            Route("/v1beta/files/{file}", download),
            Route("/v1beta/{name:path}", operation),
        ]
    )
    app.state.seen = []
    app.state.done_at = {}
    app.state.reads = []
    return app
