"""The emulator's HTTP surface: Starlette routes for `/v1/videos...` over an `Engine`."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from sora_notebook.emulator.bodies import (
    Refused,
    error_response,
    image_bytes,
    prompt_field,
    read_body,
    text_field,
)
from sora_notebook.emulator.engine import VARIANT_FILES, Engine, Job
from sora_notebook.emulator.faults import FaultPlan
from sora_notebook.emulator.gate import Gate, error_body
from sora_notebook.emulator.look import Segment
from sora_notebook.errors import ValidationError
from sora_notebook.protocol import (
    COMPLETED,
    DEFAULT_MODEL,
    DEFAULT_SECONDS,
    DEFAULT_SIZE,
    FAILED,
    MODELS,
    VARIANTS,
    normalize_seconds,
    validate_create,
)

__all__ = ["create_app"]


def _handler(fn: Callable[[Request, Engine], Any]) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        try:
            return await fn(request, request.app.state.emulator)
        except Refused as exc:
            return error_response(exc)

    endpoint.__name__ = fn.__name__
    return endpoint


# --- request bodies ------------------------------------------------------------------


def _check_running(engine: Engine) -> None:
    if engine.max_running is not None and len(engine.running()) >= engine.max_running:
        wait = engine.retry_after()
        raise Refused(
            429,
            f"Too many running tasks: at most {engine.max_running} jobs run at once. "
            f"Retry in {int(wait)} s.",
            type="requests",
            code="too_many_running_tasks",
            headers={"retry-after": str(int(wait)), "retry-after-ms": str(int(wait * 1000))},
        )


async def _settled(engine: Engine, job: Job) -> tuple[str, int]:
    """The job's status, first waiting for a render the clock says should be done."""
    engine.touch(job)
    if engine.clock() >= job.finishes_at and job.error is None:
        await engine.wait_render(job)
    return engine.status(job)


def _job(engine: Engine, video_id: str) -> Job:
    job = engine.get(video_id)
    if job is None:
        raise Refused(
            404, f"Video with id '{video_id}' not found.", param="video_id", code="video_not_found"
        )
    return job


async def _completed_source(engine: Engine, ref: Any, what: str) -> Job:
    if isinstance(ref, dict):
        ref = ref.get("id")
    if not isinstance(ref, str) or not ref:
        raise Refused(
            400, f"Missing required parameter: 'video' (an object {{id}}) to {what}.", param="video"
        )
    job = _job(engine, ref)
    status, _ = await _settled(engine, job)
    if status != COMPLETED:
        raise Refused(
            400,
            f"Video '{ref}' is {status}; only completed videos can be {what}ed.",
            param="video_id",
            code="video_not_completed",
        )
    return job


# --- routes --------------------------------------------------------------------------


async def create_video(request: Request, engine: Engine) -> Response:
    body = await read_body(request)
    prompt = prompt_field(body)
    model = text_field(body, "model") or DEFAULT_MODEL
    size = text_field(body, "size") or DEFAULT_SIZE
    seconds = text_field(body, "seconds") or DEFAULT_SECONDS
    if model not in MODELS:
        raise Refused(
            400,
            f"Invalid model '{model}'. The emulator serves: {', '.join(MODELS)}.",
            param="model",
            code="invalid_value",
        )
    try:
        _, size_n, seconds_n = validate_create(prompt, model, size, seconds)
    except ValidationError as exc:
        raise Refused(400, exc.message, param=exc.param, code="invalid_value") from exc
    assert size_n is not None and seconds_n is not None
    ref_sha = None
    ref = body.get("input_reference")
    if ref not in (None, "", b"", {}):
        data = image_bytes(ref)
        from sora_notebook.emulator._render import decode_image

        try:
            got = await asyncio.to_thread(decode_image, data)
        except ValueError as exc:
            raise Refused(400, str(exc), param="input_reference") from exc
        if f"{got[0]}x{got[1]}" != size_n:
            raise Refused(
                400,
                "Inpaint image must match the requested width and height "
                f"({size_n}); got {got[0]}x{got[1]}.",
                param="input_reference",
                code="invalid_value",
            )
        ref_sha = engine.save_reference(data)
    _check_running(engine)
    job = engine.create(
        model=model, prompt=prompt, size=size_n, seconds=int(seconds_n), reference_sha256=ref_sha
    )
    return JSONResponse(engine.to_dict(job))


async def list_videos(request: Request, engine: Engine) -> Response:
    q = request.query_params
    order = q.get("order", "desc")
    if order not in ("asc", "desc"):
        raise Refused(400, "order must be 'asc' or 'desc'.", param="order")
    try:
        limit = int(q.get("limit", "20"))
    except ValueError:
        limit = -1
    if not 0 <= limit <= 100:
        raise Refused(400, "limit must be a whole number from 0 to 100.", param="limit")
    try:
        jobs = engine.ordered(order, after=q.get("after") or None)
    except KeyError:
        raise Refused(
            400, f"after must be the id of a listed video; '{q['after']}' is not.", param="after"
        ) from None
    page = jobs[:limit]
    now = engine.clock()
    for job in page:
        engine.touch(job, now)
    data = [engine.to_dict(j, now) for j in page]
    return JSONResponse(
        {
            "object": "list",
            "data": data,
            "first_id": data[0]["id"] if data else None,
            "last_id": data[-1]["id"] if data else None,
            "has_more": len(jobs) > len(page),
        }
    )


async def retrieve_video(request: Request, engine: Engine) -> Response:
    job = _job(engine, request.path_params["video_id"])
    await _settled(engine, job)
    headers = {}
    poll = engine.poll_after_ms(job)
    if poll is not None:
        headers["openai-poll-after-ms"] = str(poll)
    return JSONResponse(engine.to_dict(job), headers=headers)


async def delete_video(request: Request, engine: Engine) -> Response:
    video_id = request.path_params["video_id"]
    _job(engine, video_id)
    engine.delete(video_id)
    return JSONResponse({"id": video_id, "object": "video.deleted", "deleted": True})


async def video_content(request: Request, engine: Engine) -> Response:
    job = _job(engine, request.path_params["video_id"])
    variant = request.query_params.get("variant", "video")
    if variant not in VARIANTS:
        raise Refused(400, f"variant must be one of {', '.join(VARIANTS)}.", param="variant")
    status, _ = await _settled(engine, job)
    if status == FAILED:
        raise Refused(
            404, "Video generation failed; there is no content to download.", code="video_failed"
        )
    if status != COMPLETED:
        raise Refused(
            404, "Video is not ready yet. Wait for status 'completed'.", code="video_not_ready"
        )
    expires_at = engine.to_dict(job)["expires_at"]
    if expires_at is not None and engine.clock() >= expires_at:
        raise Refused(
            410, "The video's media has expired and is no longer available.", code="video_expired"
        )
    media_type = VARIANT_FILES[variant][1]
    return FileResponse(engine.media_path(job, variant), media_type=media_type)


async def remix_video(request: Request, engine: Engine) -> Response:
    parent = await _completed_source(engine, request.path_params["video_id"], "remix")
    prompt = prompt_field(await read_body(request))
    _check_running(engine)
    spec = parent.render_spec
    segment = Segment(prompt=prompt, look_prompt=parent.look_prompt, seconds=spec.seconds)
    job = engine.create(
        model=parent.model,
        prompt=prompt,
        size=parent.size,
        seconds=spec.seconds,
        segments=(segment,),
        reference_sha256=spec.reference_sha256,
        remixed_from=parent.id,
    )
    return JSONResponse(engine.to_dict(job))


async def _source(engine: Engine, video: Any, what: str) -> Job | tuple[str, int, str]:
    """The `video` of an edit or extension: a completed job by `{id}`, or an uploaded MP4
    as (size, seconds, reference sha of its first frame)."""
    if not isinstance(video, bytes):
        return await _completed_source(engine, video, what)
    from sora_notebook.emulator._render import probe_video

    try:
        width, height, seconds, first = await asyncio.to_thread(probe_video, video)
    except ValueError as exc:
        raise Refused(400, str(exc), param="video") from exc
    width, height = width // 2 * 2, height // 2 * 2
    if not (16 <= width <= 4096 and 16 <= height <= 4096):
        raise Refused(400, "The uploaded video's size is not supported.", param="video")
    return f"{width}x{height}", seconds, engine.save_reference(first)


def _base(source: Job | tuple[str, int, str], prompt: str) -> dict[str, Any]:
    """What a new job inherits from its source: model, size, segments, look, reference."""
    if isinstance(source, Job):
        spec = source.render_spec
        return {
            "model": source.model,
            "size": source.size,
            "segments": spec.segments,
            "look": source.look_prompt,
            "reference_sha256": spec.reference_sha256,
        }
    size, seconds, ref_sha = source
    look = "upload:" + ref_sha
    return {
        "model": DEFAULT_MODEL,
        "size": size,
        "segments": (Segment(prompt=prompt, look_prompt=look, seconds=seconds),),
        "look": look,
        "reference_sha256": ref_sha,
    }


async def edit_video(request: Request, engine: Engine) -> Response:
    body = await read_body(request)
    prompt = prompt_field(body)
    base = _base(await _source(engine, body.get("video"), "edit"), prompt)
    _check_running(engine)
    seconds = sum(s.seconds for s in base["segments"])
    segment = Segment(prompt=prompt, look_prompt=base["look"], seconds=seconds)
    job = engine.create(
        model=base["model"],
        prompt=prompt,
        size=base["size"],
        seconds=seconds,
        segments=(segment,),
        reference_sha256=base["reference_sha256"],
    )
    return JSONResponse(engine.to_dict(job))


async def extend_video(request: Request, engine: Engine) -> Response:
    """`seconds` is the new segment's length; the job's `seconds` is the stitched total."""
    body = await read_body(request)
    prompt = prompt_field(body)
    raw_seconds = text_field(body, "seconds")
    if raw_seconds is None:
        raise Refused(
            400, "Missing required parameter: 'seconds' (the extension's length).", param="seconds"
        )
    try:
        extra = normalize_seconds(raw_seconds)
    except ValidationError as exc:
        raise Refused(400, exc.message, param="seconds") from exc
    base = _base(await _source(engine, body.get("video"), "extend"), prompt)
    allowed = MODELS[base["model"]].seconds
    if extra not in allowed:
        raise Refused(
            400,
            f"An extension is {', '.join(allowed)} seconds long; got {extra}.",
            param="seconds",
            code="invalid_value",
        )
    _check_running(engine)
    segments = (
        *base["segments"],
        Segment(prompt=prompt, look_prompt=base["look"], seconds=int(extra)),
    )
    total = sum(s.seconds for s in segments)
    job = engine.create(
        model=base["model"],
        prompt=prompt,
        size=base["size"],
        seconds=total,
        segments=segments,
        reference_sha256=base["reference_sha256"],
    )
    return JSONResponse(engine.to_dict(job))


async def create_character(request: Request, engine: Engine) -> Response:
    body = await read_body(request)
    name = text_field(body, "name")
    if not name or not name.strip() or len(name) > 80:
        raise Refused(400, "name is required (1-80 characters).", param="name")
    if not isinstance(body.get("video"), bytes):
        raise Refused(400, "Upload the character's video as the 'video' file.", param="video")
    await _source(engine, body["video"], "character")  # refuses what does not decode
    return JSONResponse(engine.create_character(name))


async def get_character(request: Request, engine: Engine) -> Response:
    character_id = request.path_params["character_id"]
    character = engine.characters.get(character_id)
    if character is None:
        raise Refused(
            404, f"Character with id '{character_id}' not found.", param="character_id",
            code="character_not_found",
        )  # fmt: skip
    return JSONResponse(character)


async def _home(request: Request) -> Response:
    return PlainTextResponse("sora-notebook emulator (EMULATED video API). Base URL: /v1\n")


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else "Internal error"
    return JSONResponse(error_body(str(detail)), status_code=status)


def create_app(
    *,
    speed: float = 1.0,
    clock: Callable[[], float] | None = None,
    faults: FaultPlan | None = None,
    api_key: str | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    retention: float = 3600,
    max_running: int | None = None,
    render: str = "full",
) -> Starlette:
    """The emulator as an ASGI app; `app.state.emulator` is its `Engine`."""
    engine = Engine(
        speed=speed,
        clock=clock,
        data_dir=data_dir,
        retention=retention,
        max_running=max_running,
        render=render,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await asyncio.to_thread(engine.close)

    routes = [
        Route("/", _home),
        Route("/v1/videos", _handler(create_video), methods=["POST"]),
        Route("/v1/videos", _handler(list_videos), methods=["GET"]),
        Route("/v1/videos/edits", _handler(edit_video), methods=["POST"]),
        Route("/v1/videos/characters", _handler(create_character), methods=["POST"]),
        Route("/v1/videos/characters/{character_id}", _handler(get_character), methods=["GET"]),
        Route("/v1/videos/extensions", _handler(extend_video), methods=["POST"]),
        Route("/v1/videos/{video_id}", _handler(retrieve_video), methods=["GET"]),
        Route("/v1/videos/{video_id}", _handler(delete_video), methods=["DELETE"]),
        Route("/v1/videos/{video_id}/content", _handler(video_content), methods=["GET"]),
        Route("/v1/videos/{video_id}/remix", _handler(remix_video), methods=["POST"]),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(Gate, engine=engine, faults=faults, api_key=api_key)],
        exception_handlers={HTTPException: _http_error},
        lifespan=lifespan,
    )
    app.state.emulator = engine
    return app
