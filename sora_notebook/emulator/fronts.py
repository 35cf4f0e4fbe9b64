"""The emulator speaking another server's dialect, to try a notebook offline against a
server of that shape: `sora-notebook emulator --dialect sglang` (or `vllm-omni`,
`openrouter`, `together`).

A front takes the dialect's requests, asks the emulator (in-process) in the official
shape and answers as that server does (its source or API reference, as summed up in
PROTOCOL.md "Differences" and `sora_notebook/client/dialects/`). What a server does not
offer (remix on vLLM-Omni, a list on OpenRouter, ...) has no route: 404.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sora_notebook.emulator.bodies import Refused, read_body
from sora_notebook.protocol import MODELS, estimate_cost, parse_size

__all__ = ["DIALECT_FRONTS", "dialect_front"]

_JSON = "application/json"


class _Front:
    """Shared plumbing: the emulator behind, bodies in, answers out."""

    prefix = "/v1/videos"

    def __init__(self, emulator: Any) -> None:
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=emulator), base_url="http://emulator.local/v1"
        )

    async def up(self, request: Request, method: str, path: str, **kw: Any) -> httpx.Response:
        auth = request.headers.get("authorization") or "Bearer sk-emulator"
        return await self.http.request(method, path, headers={"authorization": auth}, **kw)

    async def job(self, request: Request) -> tuple[httpx.Response, dict[str, Any]]:
        answer = await self.up(request, "GET", f"/videos/{_vid(request)}")
        body = answer.json() if _JSON in answer.headers.get("content-type", "") else {}
        return answer, body if isinstance(body, dict) else {}

    async def forward_create(
        self, request: Request, fields: Mapping[str, Any], ref: bytes | str | None
    ) -> httpx.Response:
        names = {"prompt", "model", "size", "seconds"}
        data: dict[str, Any] = {k: str(v) for k, v in fields.items() if k in names and v}
        if isinstance(ref, bytes):
            files = {"input_reference": ("ref.png", ref, "image/png")}
            return await self.up(request, "POST", "/videos", data=data, files=files)
        if isinstance(ref, str):
            data["input_reference"] = {"image_url": ref}
        return await self.up(request, "POST", "/videos", json=data)

    def routes(self) -> list[Route]:
        raise NotImplementedError

    def app(self) -> Starlette:
        return Starlette(routes=self.routes(), exception_handlers={Refused: _refused})


async def _body(request: Request) -> tuple[dict[str, Any], dict[str, bytes]]:
    """(text fields, files) of a JSON or multipart body, read as the emulator reads its
    own (size, nesting and text checks: `Refused`, answered 4xx, never 500)."""
    body = await read_body(request)
    files = {k: v for k, v in body.items() if isinstance(v, bytes)}
    return {k: v for k, v in body.items() if k not in files}, files


def _seg(video_id: Any) -> str:
    """An id as one path segment upstream: percent-encoded, so `%00`, `/` or `..` in it
    reach the emulator as text (which answers 404) instead of breaking the URL."""
    return quote(str(video_id), safe="")


def _vid(request: Request) -> str:
    return _seg(request.path_params["video_id"])


def _first_image(frames: Any, *path: str) -> str | None:
    """The URL at `frames[0][path...]` of a gateway's `frame_images`, checking each type
    on the way (a wrong one is the client's mistake: `Refused`, answered 422)."""
    if frames is None:
        return None
    if not isinstance(frames, list):
        raise Refused(422, "frame_images must be a list of objects.")
    if not frames:
        return None
    value: Any = frames[0]
    for name in path:
        if value is None:
            return None
        if not isinstance(value, dict):
            raise Refused(422, f"frame_images[0] must hold an object at {name!r}.")
        value = value.get(name)
    if value is not None and not isinstance(value, str):
        raise Refused(422, "frame_images[0]: the image URL must be text.")
    return value


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    return _error(exc.status, exc.message)


def _image_url(field: str) -> str | None:
    """vLLM-Omni's `image_reference` form field: a JSON object with `image_url`."""
    try:
        parsed = json.loads(field)
    except (ValueError, RecursionError):
        raise Refused(422, "image_reference must be a JSON object with image_url.") from None
    url = parsed.get("image_url") if isinstance(parsed, dict) else None
    return url if isinstance(url, str) else None


def _relay(answer: httpx.Response) -> Response:
    kind = answer.headers.get("content-type", "application/octet-stream")
    return Response(answer.content, status_code=answer.status_code, media_type=kind)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "code": status}}, status_code=status)


class _VLLMOmni(_Front):
    """vLLM-Omni 0.30: multipart only, `image_reference` JSON string, failed GET non-2xx,
    content 422 for a failed job and no `variant`, no remix/edits/extensions."""

    async def create(self, request: Request) -> Response:
        if "multipart/form-data" not in request.headers.get("content-type", ""):
            return _error(422, "Field required: prompt (vLLM-Omni takes form data only)")
        fields, files = await _body(request)
        ref: bytes | str | None = files.get("input_reference")
        if ref is None and fields.get("image_reference"):
            ref = _image_url(str(fields["image_reference"]))
        answer = await self.forward_create(request, fields, ref)
        body = answer.json()
        if answer.is_success:
            body.update(quality="default", media_type="video/mp4", file_name=None)
        return JSONResponse(body, status_code=answer.status_code)

    async def retrieve(self, request: Request) -> Response:
        answer, body = await self.job(request)
        if body.get("status") == "failed":
            body["error"] = {**(body.get("error") or {}), "code": 500}
            return JSONResponse(body, status_code=500)
        return _relay(answer)

    async def listing(self, request: Request) -> Response:
        return _relay(await self.up(request, "GET", "/videos", params=request.query_params))

    async def delete(self, request: Request) -> Response:
        return _relay(await self.up(request, "DELETE", f"/videos/{_vid(request)}"))

    async def content(self, request: Request) -> Response:
        answer, body = await self.job(request)
        if not answer.is_success:
            return _relay(answer)
        if body.get("status") == "failed":
            return _error(422, "Video generation failed. Check job status for error details.")
        if body.get("status") != "completed":
            return _error(404, "Generation is still in-progress")
        return _relay(await self.up(request, "GET", f"/videos/{_seg(body['id'])}/content"))

    async def models(self, request: Request) -> Response:
        return JSONResponse({"object": "list", "data": [{"id": name} for name in MODELS]})

    def routes(self) -> list[Route]:
        p = self.prefix
        return [
            Route(p, self.create, methods=["POST"]),
            Route(p, self.listing, methods=["GET"]),
            Route(p + "/{video_id}", self.retrieve, methods=["GET"]),
            Route(p + "/{video_id}", self.delete, methods=["DELETE"]),
            Route(p + "/{video_id}/content", self.content, methods=["GET"]),
            Route("/v1/models", self.models, methods=["GET"]),
        ]


def _no_prompt(body: dict[str, Any]) -> dict[str, Any]:
    body.pop("prompt", None)
    if body.get("status") == "completed":
        body["num_outputs"] = 1
    return body


class _SGLang(_VLLMOmni):
    """SGLang 0.5.23: JSON or multipart, `reference_url`, no `prompt` echo, an integer
    `variant` (output index; the emulator makes one), delete answers the job with
    `status: "deleted"`."""

    async def create(self, request: Request) -> Response:
        fields, files = await _body(request)
        ref: bytes | str | None = files.get("input_reference") or fields.get("reference_url")
        answer = await self.forward_create(request, fields, ref)
        body = answer.json()
        return JSONResponse(_no_prompt(body) if answer.is_success else body, answer.status_code)

    async def retrieve(self, request: Request) -> Response:
        answer, body = await self.job(request)
        return JSONResponse(_no_prompt(body), status_code=answer.status_code)

    async def listing(self, request: Request) -> Response:
        answer = await self.up(request, "GET", "/videos", params=request.query_params)
        body = answer.json()
        if answer.is_success:
            body["data"] = [_no_prompt(v) for v in body.get("data", [])]
        return JSONResponse(body, status_code=answer.status_code)

    async def delete(self, request: Request) -> Response:
        answer, body = await self.job(request)
        if not answer.is_success:
            return _relay(answer)
        await self.up(request, "DELETE", f"/videos/{_seg(body['id'])}")
        return JSONResponse({**_no_prompt(body), "status": "deleted"})

    async def content(self, request: Request) -> Response:
        variant = request.query_params.get("variant")
        if variant not in (None, "0"):
            return JSONResponse({"detail": f"Video variant {variant} not found"}, 404)
        return _relay(await self.up(request, "GET", f"/videos/{_vid(request)}/content"))


_SHORT_SIDE = {"720p": 720, "1080p": 1080}


def _model(name: Any) -> str | None:
    """A gateway model id (`openai/sora-2`) as the emulator names it (`sora-2`)."""
    return str(name).rsplit("/", 1)[-1] if name else None


def _size(resolution: Any, aspect: Any) -> str | None:
    short = _SHORT_SIDE.get(str(resolution or "720p"))
    if short is None:
        return None
    a, _, b = str(aspect or "16:9").partition(":")
    if not (a.isdigit() and b.isdigit()) or int(b) == 0:
        return None
    long = round(short * max(int(a), int(b)) / min(int(a), int(b)))
    return f"{long}x{short}" if int(a) >= int(b) else f"{short}x{long}"


class _OpenRouter(_Front):
    """OpenRouter (API reference): `POST /api/v1/videos` JSON with `duration`,
    `resolution`, `aspect_ratio`, `frame_images`; 202 `{id, polling_url, status:
    "pending"}`; `unsigned_urls`, `usage.cost`, a string `error`; `content?index=`;
    `/videos/models`; no list, delete or remix."""

    prefix = "/api/v1/videos"

    async def create(self, request: Request) -> Response:
        data, _ = await _body(request)
        if not data.get("model") or not data.get("prompt"):
            return _error(400, "model and prompt are required")
        fields = {"prompt": data["prompt"], "model": _model(data["model"])}
        fields["size"] = _size(data.get("resolution"), data.get("aspect_ratio"))
        fields["seconds"] = data.get("duration")
        ref = _first_image(data.get("frame_images"), "image_url", "url")
        answer = await self.forward_create(request, fields, ref)
        if not answer.is_success:
            return _relay(answer)
        return JSONResponse(self._shape(answer.json()), status_code=202)

    def _shape(self, job: dict[str, Any]) -> dict[str, Any]:
        status = {"queued": "pending"}.get(job.get("status", ""), job.get("status"))
        out: dict[str, Any] = {"id": job["id"], "polling_url": f"{self.prefix}/{job['id']}"}
        out["status"] = status
        if status == "completed":
            out["unsigned_urls"] = [f"{self.prefix}/{job['id']}/content?index=0"]
            cost = estimate_cost(job.get("model"), job.get("size"), job.get("seconds"))
            out["usage"] = {"cost": cost, "is_byok": False}
        if status == "failed":
            out["error"] = (job.get("error") or {}).get("message") or "failed"
        return out

    async def retrieve(self, request: Request) -> Response:
        answer, body = await self.job(request)
        return JSONResponse(self._shape(body)) if answer.is_success else _relay(answer)

    async def content(self, request: Request) -> Response:
        if request.query_params.get("index", "0") != "0":
            return _error(404, "Not found")
        return _relay(await self.up(request, "GET", f"/videos/{_vid(request)}/content"))

    async def models(self, request: Request) -> Response:
        data = []
        for name, spec in MODELS.items():
            sizes = [parse_size(s) for s in spec.sizes]
            data.append({
                "id": f"openai/{name}", "name": name, "generate_audio": True,
                "supported_resolutions": sorted({f"{min(w, h)}p" for w, h in sizes}),
                "supported_aspect_ratios": ["16:9", "9:16"],
                "supported_durations": [int(x) for x in spec.seconds],
            })  # fmt: skip
        return JSONResponse({"data": data})

    def routes(self) -> list[Route]:
        p = self.prefix
        return [
            Route(p + "/models", self.models, methods=["GET"]),
            Route(p, self.create, methods=["POST"]),
            Route(p + "/{video_id}", self.retrieve, methods=["GET"]),
            Route(p + "/{video_id}/content", self.content, methods=["GET"]),
        ]


class _Together(_Front):
    """Together (OpenAPI `createVideo`/`retrieveVideo`): JSON with `width`/`height`,
    `seconds`, `media.frame_images`; `in_progress`/`completed`/`failed`; the media at
    `outputs.video_url` (here on this host) with `outputs.cost`; no content route."""

    prefix = "/v2/videos"

    async def create(self, request: Request) -> Response:
        data, _ = await _body(request)
        if not data.get("model"):
            return _error(400, "model is required")
        fields = {"prompt": data.get("prompt", ""), "model": _model(data["model"])}
        if data.get("width") and data.get("height"):
            fields["size"] = f"{data['width']}x{data['height']}"
        fields["seconds"] = data.get("seconds")
        media = data.get("media")
        if media is not None and not isinstance(media, dict):
            raise Refused(422, "media must be an object.")
        ref = _first_image((media or {}).get("frame_images"), "input_image")
        answer = await self.forward_create(request, fields, ref)
        if not answer.is_success:
            return _relay(answer)
        return JSONResponse(self._shape(request, answer.json()))

    def _shape(self, request: Request, job: dict[str, Any]) -> dict[str, Any]:
        status = "in_progress" if job.get("status") == "queued" else job.get("status")
        out = {k: job.get(k) for k in ("id", "model", "created_at", "size", "seconds")}
        out.update(object="video", status=status)
        if status == "completed":
            base = str(request.base_url).rstrip("/")
            cost = estimate_cost(job.get("model"), job.get("size"), job.get("seconds"))
            out["outputs"] = {"cost": cost, "video_url": f"{base}/v2/files/{job['id']}.mp4"}
        if status == "failed":
            out["error"] = job.get("error")
        return out

    async def retrieve(self, request: Request) -> Response:
        answer, body = await self.job(request)
        return JSONResponse(self._shape(request, body)) if answer.is_success else _relay(answer)

    async def file(self, request: Request) -> Response:
        return _relay(await self.up(request, "GET", f"/videos/{_vid(request)}/content"))

    def routes(self) -> list[Route]:
        return [
            Route(self.prefix, self.create, methods=["POST"]),
            Route(self.prefix + "/{video_id}", self.retrieve, methods=["GET"]),
            Route("/v2/files/{video_id}.mp4", self.file, methods=["GET"]),
        ]


#: The dialects the emulator can speak, and the path its base URL ends with.
DIALECT_FRONTS: Mapping[str, tuple[type[_Front], str]] = {
    "vllm-omni": (_VLLMOmni, "/v1"),
    "sglang": (_SGLang, "/v1"),
    "openrouter": (_OpenRouter, "/api/v1"),
    "together": (_Together, "/v2"),
}


def dialect_front(emulator: Any, dialect: str) -> Starlette:
    """An ASGI app answering in `dialect`'s shape, with the emulator app behind it."""
    try:
        front, _ = DIALECT_FRONTS[dialect]
    except KeyError:
        raise ValueError(
            f"unknown dialect {dialect!r}; one of {', '.join(DIALECT_FRONTS)}"
        ) from None
    app = front(emulator).app()
    app.state.emulator = emulator.state.emulator
    return app
