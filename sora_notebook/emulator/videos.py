"""The emulator's routes for one video: create, list, retrieve, delete, content."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from sora_notebook.emulator.bodies import (
    Refused,
    image_bytes,
    prompt_field,
    read_body,
    text_field,
)
from sora_notebook.emulator.catalogue import served
from sora_notebook.emulator.engine import Engine
from sora_notebook.emulator.jobs import VARIANT_FILES, EmulatedJob
from sora_notebook.errors import ValidationError
from sora_notebook.protocol import (
    COMPLETED,
    DEFAULT_MODEL,
    DEFAULT_SECONDS,
    DEFAULT_SIZE,
    FAILED,
    VARIANTS,
    validate_create,
)

__all__ = [
    "caption_field",
    "check_running",
    "completed_source",
    "create_video",
    "delete_video",
    "list_videos",
    "retrieve_video",
    "seed_field",
    "video_content",
]


def check_running(engine: Engine) -> None:
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


async def _settled(engine: Engine, job: EmulatedJob) -> tuple[str, int]:
    """The job's status, first waiting for a render the clock says should be done."""
    engine.touch(job)
    if engine.clock() >= job.finishes_at and job.error is None:
        await engine.wait_render(job)
    return engine.status(job)


def _job(engine: Engine, video_id: str) -> EmulatedJob:
    job = engine.get(video_id)
    if job is None:
        raise Refused(
            404, f"Video with id '{video_id}' not found.", param="video_id", code="video_not_found"
        )
    return job


async def completed_source(engine: Engine, ref: Any, what: str) -> EmulatedJob:
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


async def create_video(request: Request, engine: Engine) -> Response:
    body = await read_body(request)
    prompt = prompt_field(body)
    model = text_field(body, "model") or DEFAULT_MODEL
    size = text_field(body, "size") or DEFAULT_SIZE
    seconds = text_field(body, "seconds") or DEFAULT_SECONDS
    if model not in served():
        raise Refused(
            400,
            f"Invalid model '{model}'. The emulator serves: {', '.join(served())}.",
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
    seed, caption = seed_field(body), caption_field(body)
    check_running(engine)
    job = engine.create(
        model=model,
        prompt=prompt,
        size=size_n,
        seconds=int(seconds_n),
        reference_sha256=ref_sha,
        seed=seed,
        caption=caption,
    )
    return JSONResponse(engine.to_dict(job))


_ON, _OFF = ("true", "1", "on", "yes"), ("false", "0", "off", "no")


def seed_field(body: dict[str, Any]) -> int | None:
    """The optional `seed`: a whole number from 0 to 2**32 - 1 (JSON or form text)."""
    value = body.get("seed")
    if value is None or value == "":
        return None
    text = value if isinstance(value, str) else None if isinstance(value, bool) else value
    try:
        seed = int(text) if isinstance(text, int | str) else -1
    except ValueError:
        seed = -1
    if not 0 <= seed < 2**32:
        raise Refused(
            400,
            f"seed must be a whole number from 0 to 4294967295; got {str(value)[:40]!r}.",
            param="seed",
            code="invalid_value",
        )
    return seed


def caption_field(body: dict[str, Any]) -> bool | None:
    """The optional `caption` (the prompt burned into the frames): true or false (JSON),
    or "true"/"false", "on"/"off", "1"/"0" (form text). None: the emulator's default."""
    value = body.get("caption")
    if value is None or isinstance(value, bool):
        return value
    word = str(value).strip().lower() if isinstance(value, str) else ""
    if word in _ON or word in _OFF:
        return word in _ON
    raise Refused(
        400,
        f"caption must be true or false; got {str(value)[:40]!r}.",
        param="caption",
        code="invalid_value",
    )


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
