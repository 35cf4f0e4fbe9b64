"""A Runway upstream written from Runway's public API reference, for a real LiteLLM proxy
to call: docs.dev.runwayml.com/api ("Start generating": `POST /v1/text_to_video`,
`POST /v1/image_to_video`; "Task management": `GET` and `DELETE /v1/tasks/{id}`), and
docs.dev.runwayml.com/assets/inputs (what `promptImage` may be), read 2026-12-04.

- every request carries `Authorization: Bearer <key>` and `X-Runway-Version`
  (`2024-11-06`), else 401 / 400;
- a create takes JSON: `model`, `promptText`, `ratio` ("1280:720" ...), `duration`
  (seconds, an integer), and for image-to-video `promptImage`: an https URL on a domain
  name (not an IP address; redirects not followed) or a `data:` URI under 5 MB with an
  image content type. Unknown fields, a `promptImage` sent to text-to-video, or an
  image-to-video without one are 400 `{"error": ..., "issues": [...]}`. `gen4_turbo`
  makes image-to-video only. A create answers `{"id": <uuid>}`;
- a task is `{id, status, createdAt}`: `PENDING`, `RUNNING` (with `progress` 0-1),
  then `SUCCEEDED` with `output: [url]`, or `FAILED` with `failure` and `failureCode`
  (`SAFETY.INPUT.TEXT` for moderation, `INTERNAL.BAD_OUTPUT.CODE01` for a bad render);
- `DELETE /v1/tasks/{id}` cancels or deletes a task: 204.

A prompt containing "unsafe" is moderated, one containing "breaks" fails; others succeed
after `polls` reads.
"""

from __future__ import annotations

import base64
import datetime
import uuid
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .media import tiny_mp4

KEY = "runway-upstream-key"
VERSION = "2024-11-06"
_FIELDS = {
    "text_to_video": {"model", "promptText", "ratio", "duration", "seed"},
    "image_to_video": {"model", "promptText", "promptImage", "ratio", "duration", "seed"},
}
_IMAGE_ONLY = {"gen4_turbo"}
_DATA_LIMIT = 5 * 1024 * 1024
#: A word in the prompt -> (failure, failureCode) of the task.
_FAILURES = {
    "unsafe": ("The prompt did not pass our content moderation.", "SAFETY.INPUT.TEXT"),
    "breaks": (
        "An unexpected error occurred while generating the video.",
        "INTERNAL.BAD_OUTPUT.CODE01",
    ),
}


def _bad(message: str, issues: list[dict[str, Any]] | None = None, status: int = 400) -> Response:
    return JSONResponse({"error": message, "issues": issues or []}, status)


def _check_image(value: Any) -> tuple[bytes | None, str | None]:
    """(bytes of a data URI, or None for a URL; an error message or None)."""
    if not isinstance(value, str):
        return None, "promptImage must be a string (an https URL or a data URI)."
    if value.startswith("data:"):
        head, _, payload = value.partition(",")
        if len(value) >= _DATA_LIMIT:
            return None, "Data URIs must be under 5MB."
        if not head.startswith("data:image/") or not head.endswith(";base64"):
            return None, "Unsupported asset type."
        try:
            return base64.b64decode(payload, validate=True), None
        except ValueError:
            return None, "Invalid data URI."
    parts = urlsplit(value)
    if parts.scheme != "https":
        return None, "Only HTTPS URLs are allowed."
    if not parts.hostname or parts.hostname.replace(".", "").isdigit():
        return None, "URLs must be hosted on a domain."
    return None, None


def runway_app(polls: int = 2) -> Starlette:
    tasks: dict[str, dict[str, Any]] = {}

    def authorized(request: Request) -> Response | None:
        if request.headers.get("authorization") != f"Bearer {KEY}":
            return _bad("Unauthorized", status=401)
        if request.headers.get("x-runway-version") != VERSION:
            return _bad("The X-Runway-Version header is missing or not a valid version.")
        return None

    async def create(request: Request) -> Response:
        refused = authorized(request)
        if refused is not None:
            return refused
        route = request.url.path.rsplit("/", 1)[-1]
        body = await request.json()
        request.app.state.seen.append((route, body))
        unknown = sorted(set(body) - _FIELDS[route])
        if unknown:
            issues = [{"path": [k], "message": "Unrecognized key"} for k in unknown]
            return _bad("Validation of body failed", issues)
        if route == "image_to_video" and "promptImage" not in body:
            return _bad("Validation of body failed", [{"path": ["promptImage"]}])
        if route == "text_to_video" and body.get("model") in _IMAGE_ONLY:
            return _bad(f"Model {body['model']} does not support text_to_video.")
        if not isinstance(body.get("promptText", ""), str) or not isinstance(
            body.get("duration", 5), int
        ):
            return _bad("Validation of body failed", [{"path": ["duration"]}])
        image = None
        if route == "image_to_video":
            image, problem = _check_image(body["promptImage"])
            if problem is not None:
                return _bad(problem, [{"path": ["promptImage"], "message": problem}])
        task_id = str(uuid.uuid4())
        now = datetime.datetime.now(datetime.timezone.utc)
        tasks[task_id] = {
            "prompt": body.get("promptText", ""),
            "reads": 0,
            "createdAt": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "image": image,
        }
        return JSONResponse({"id": task_id})

    async def task(request: Request) -> Response:
        refused = authorized(request)
        if refused is not None:
            return refused
        task_id = request.path_params["id"]
        job = tasks.get(task_id)
        if job is None:
            return _bad("Task not found", status=404)
        if request.method == "DELETE":
            del tasks[task_id]
            return Response(status_code=204)
        job["reads"] += 1
        out: dict[str, Any] = {"id": task_id, "createdAt": job["createdAt"]}
        if job["reads"] == 1:
            return JSONResponse({**out, "status": "PENDING"})
        if job["reads"] <= polls:
            return JSONResponse({**out, "status": "RUNNING", "progress": 0.5})
        word = next((w for w in _FAILURES if w in job["prompt"]), None)
        if word is not None:
            failure, code = _FAILURES[word]
            out.update(failure=failure, failureCode=code)
            return JSONResponse({**out, "status": "FAILED"})
        url = f"{request.base_url}outputs/{task_id}.mp4"
        return JSONResponse({**out, "status": "SUCCEEDED", "output": [url]})

    async def output(request: Request) -> Response:
        return Response(tiny_mp4(), media_type="video/mp4")

    app = Starlette(
        routes=[
            Route("/v1/text_to_video", create, methods=["POST"]),
            Route("/v1/image_to_video", create, methods=["POST"]),
            Route("/v1/tasks/{id}", task, methods=["GET", "DELETE"]),
            Route("/outputs/{name}", output),
        ]
    )
    app.state.seen = []
    return app
