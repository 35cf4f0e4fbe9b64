"""A create answered with a 500 that states a refusal (LiteLLM's "... is not supported by
Google Veo") ends the job rejected with the server's words, and it is never sent again:
not by the client's retries, and not by the studio's reconciling of pending jobs."""

from __future__ import annotations

import pytest
from live_server import LiveServer
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sora_notebook.client.backend import Backend
from sora_notebook.errors import ServerError
from sora_notebook.studio import Studio

REASON = "litellm.BadRequestError: Video remix is not supported by Google Veo"


def _refusing_gateway() -> Starlette:
    async def create(request: Request) -> JSONResponse:
        request.app.state.creates += 1
        return JSONResponse({"error": {"message": REASON, "type": None, "code": "500"}}, 500)

    app = Starlette(routes=[Route("/v1/videos", create, methods=["POST"])])
    app.state.creates = 0
    return app


async def test_a_refused_create_is_rejected_with_the_reason_and_never_resent(tmp_path):
    app = _refusing_gateway()
    with LiveServer(app) as server:
        backend = Backend.litellm(server.base_url.removesuffix("/v1"), api_key="sk-test")
        async with Studio(backend, tmp_path / "lib", allow_unknown_cost=True) as studio:
            with pytest.raises(ServerError, match="not supported by Google Veo"):
                await studio.submit("a kite", model="veo-3.1")
            (job,) = studio.library.jobs()
    assert job.status == "rejected" and REASON in (job.error_message or "")
    assert app.state.creates == 1
