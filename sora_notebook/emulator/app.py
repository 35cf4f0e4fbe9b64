"""The emulator's HTTP surface: a Starlette app over an `Engine`, its routes in
`videos` (one video) and `derived` (videos made from others)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from sora_notebook.emulator.bodies import Refused, error_response
from sora_notebook.emulator.catalogue import model_entry, served
from sora_notebook.emulator.derived import (
    create_character,
    edit_video,
    extend_video,
    get_character,
    remix_video,
)
from sora_notebook.emulator.engine import Engine
from sora_notebook.emulator.faults import FaultPlan
from sora_notebook.emulator.gate import Gate, error_body
from sora_notebook.emulator.videos import (
    create_video,
    delete_video,
    list_videos,
    retrieve_video,
    video_content,
)

__all__ = ["create_app"]


def _handler(
    fn: Callable[[Request, Engine], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            return await fn(request, request.app.state.emulator)
        except Refused as exc:
            return error_response(exc)

    endpoint.__name__ = fn.__name__
    return endpoint


async def _home(request: Request) -> Response:
    return PlainTextResponse("sora-notebook emulator (EMULATED video API). Base URL: /v1\n")


async def _models(request: Request) -> Response:
    """The models this emulator stands for, with sizes, seconds and prices (`catalogue`)."""
    return JSONResponse({"object": "list", "data": [model_entry(name) for name in served()]})


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
    jitter: float = 0.0,
    slots: int | None = None,
    seed: int | None = None,
    caption: bool = True,
) -> Starlette:
    """The emulator as an ASGI app; `app.state.emulator` is its `Engine`.

    Jobs take exactly as long each time unless `jitter` (a share, e.g. 0.3: each job's
    generation takes 70-130% of its usual time, seeded by `seed`) or `slots` (at most
    that many generate at once; the others wait `queued`) say otherwise. Each job has its
    own look (seeded by its number and `seed`; a request's `seed` pins it); `caption=False`
    leaves the prompt out of the frames unless a request's `caption` asks for it."""
    engine = Engine(
        speed=speed,
        clock=clock,
        data_dir=data_dir,
        retention=retention,
        max_running=max_running,
        render=render,
        jitter=jitter,
        slots=slots,
        seed=seed,
        caption=caption,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await asyncio.to_thread(engine.close)

    routes = [
        Route("/", _home),
        Route("/v1/models", _models, methods=["GET"]),
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
