"""The emulator's routes that make a video from another: remix, edit, extend, and the
characters an edit can use."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sora_notebook.emulator.bodies import (
    Refused,
    prompt_field,
    read_body,
    text_field,
)
from sora_notebook.emulator.engine import Engine
from sora_notebook.emulator.jobs import EmulatedJob
from sora_notebook.emulator.look import Segment
from sora_notebook.emulator.videos import check_running, completed_source
from sora_notebook.errors import ValidationError
from sora_notebook.protocol import (
    DEFAULT_MODEL,
    MODELS,
    normalize_seconds,
)

__all__ = ["create_character", "edit_video", "extend_video", "get_character", "remix_video"]


async def remix_video(request: Request, engine: Engine) -> Response:
    parent = await completed_source(engine, request.path_params["video_id"], "remix")
    prompt = prompt_field(await read_body(request))
    check_running(engine)
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
        seed=spec.seed,
        caption=spec.caption,
    )
    return JSONResponse(engine.to_dict(job))


async def _source(engine: Engine, video: Any, what: str) -> EmulatedJob | tuple[str, int, str]:
    """The `video` of an edit or extension: a completed job by `{id}`, or an uploaded MP4
    as (size, seconds, reference sha of its first frame)."""
    if not isinstance(video, bytes):
        return await completed_source(engine, video, what)
    from sora_notebook.emulator._render import probe_video

    try:
        width, height, seconds, first = await asyncio.to_thread(probe_video, video)
    except ValueError as exc:
        raise Refused(400, str(exc), param="video") from exc
    width, height = width // 2 * 2, height // 2 * 2
    if not (16 <= width <= 4096 and 16 <= height <= 4096):
        raise Refused(400, "The uploaded video's size is not supported.", param="video")
    return f"{width}x{height}", seconds, engine.save_reference(first)


def _base(source: EmulatedJob | tuple[str, int, str], prompt: str) -> dict[str, Any]:
    """What a new job inherits from its source: model, size, segments, look, reference."""
    if isinstance(source, EmulatedJob):
        spec = source.render_spec
        return {
            "model": source.model,
            "size": source.size,
            "segments": spec.segments,
            "look": source.look_prompt,
            "reference_sha256": spec.reference_sha256,
            "seed": spec.seed,
            "caption": spec.caption,
        }
    size, seconds, ref_sha = source
    look = "upload:" + ref_sha
    return {
        "model": DEFAULT_MODEL,
        "size": size,
        "segments": (Segment(prompt=prompt, look_prompt=look, seconds=seconds),),
        "look": look,
        "reference_sha256": ref_sha,
        "seed": None,
        "caption": None,
    }


async def edit_video(request: Request, engine: Engine) -> Response:
    body = await read_body(request)
    prompt = prompt_field(body)
    base = _base(await _source(engine, body.get("video"), "edit"), prompt)
    check_running(engine)
    seconds = sum(s.seconds for s in base["segments"])
    segment = Segment(prompt=prompt, look_prompt=base["look"], seconds=seconds)
    job = engine.create(
        model=base["model"],
        prompt=prompt,
        size=base["size"],
        seconds=seconds,
        segments=(segment,),
        reference_sha256=base["reference_sha256"],
        seed=base["seed"],
        caption=base["caption"],
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
    check_running(engine)
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
        seed=base["seed"],
        caption=base["caption"],
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
