"""The reviewer's reproduction of issue 12, point 3, end to end: two servers that both
answer with the id `video_1`, each with its own MP4, and one library. Each studio's job
keeps its own file, and each file matches its recorded sha256."""

from __future__ import annotations

import hashlib
import time

from live_server import LiveServer
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from thirdparty.media import tiny_mp4

from sora_notebook.client.backend import Backend
from sora_notebook.studio import Studio


def same_id_server(mp4: bytes) -> Starlette:
    """A server whose every job is `video_1`, completed at once, with `mp4` as its video."""

    def job(prompt: str = "same") -> dict[str, object]:
        return {
            "id": "video_1",
            "object": "video",
            "status": "completed",
            "progress": 100,
            "created_at": int(time.time()),
            "model": "sora-2",
            "size": "1280x720",
            "seconds": "4",
            "prompt": prompt,
        }

    async def create(request: Request) -> JSONResponse:
        form = await request.form()
        return JSONResponse(job(str(form.get("prompt") or "same")))

    async def retrieve(request: Request) -> JSONResponse:
        return JSONResponse(job())

    async def content(request: Request) -> Response:
        return Response(mp4, media_type="video/mp4")

    return Starlette(
        routes=[
            Route("/v1/videos", create, methods=["POST"]),
            Route("/v1/videos/video_1", retrieve, methods=["GET"]),
            Route("/v1/videos/video_1/content", content, methods=["GET"]),
        ]
    )


async def test_two_servers_with_one_id_keep_two_files(tmp_path):
    clips = (tiny_mp4(0), tiny_mp4(1))
    jobs, paths = [], []
    with LiveServer(same_id_server(clips[0])) as a, LiveServer(same_id_server(clips[1])) as b:
        for server in (a, b):
            backend = Backend.compatible(server.base_url, "sk-x").with_quirks(variants=("video",))
            async with Studio(backend, library=tmp_path / "lib") as studio:
                job = await studio.generate("same", timeout=60)
                jobs.append(job)
                paths.append(studio.media_path(job))
    assert jobs[0].video_id == jobs[1].video_id == "video_1" and jobs[0].key != jobs[1].key
    assert paths[0] != paths[1]
    for path, clip, job in zip(paths, clips, jobs, strict=True):
        assert path.read_bytes() == clip
        assert hashlib.sha256(path.read_bytes()).hexdigest() == job.sha256
