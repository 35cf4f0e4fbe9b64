"""Downloads: partial file + rename, content checks, resume, expiry, no leaked connections."""

from __future__ import annotations

import httpx
import pytest
from client_fakes import MP4, T0, ChunkStream, make_client, video_json

from sora_notebook.client.backend import Backend
from sora_notebook.errors import (
    APIConnectionError,
    DownloadError,
    Expired,
    NotFoundError,
    NotReadyError,
)

WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64


def media(body: bytes, *, status: int = 200, content_type: str = "video/mp4", **headers):
    return httpx.Response(
        status,
        headers={"content-type": content_type, "content-length": str(len(body)), **headers},
        stream=ChunkStream(body),
    )


def partial_body(total: bytes, start: int, chunks: list) -> httpx.Response:
    """A 206 answer to `Range: bytes=start-`."""
    body = total[start:]
    return httpx.Response(
        206,
        headers={
            "content-type": "video/mp4",
            "content-length": str(len(body)),
            "content-range": f"bytes {start}-{len(total) - 1}/{len(total)}",
        },
        stream=ChunkStream(*chunks) if chunks else ChunkStream(body),
    )


def script(*answers):
    queue = list(answers)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return handler, seen


def leftovers(tmp_path) -> list[str]:
    return sorted(p.name for p in tmp_path.iterdir())


async def test_download_writes_the_file_and_reports_progress(tmp_path):
    handler, seen = script(media(MP4))
    client, transport, _ = make_client(handler)
    progress: list[tuple[int, int | None]] = []
    path = await client.download(
        "video_1", tmp_path / "a.mp4", on_progress=lambda d, t: progress.append((d, t))
    )
    assert path == tmp_path / "a.mp4" and path.read_bytes() == MP4
    assert leftovers(tmp_path) == ["a.mp4"]
    assert progress[-1] == (len(MP4), len(MP4))
    assert "variant" not in seen[0].url.params and "range" not in seen[0].headers
    assert transport.open == 0


async def test_download_into_a_folder_names_the_file_safely(tmp_path):
    handler, _ = script(media(MP4), media(MP4))
    client, _, _ = make_client(handler)
    assert (await client.download("video_1", tmp_path)).name == "video_1.mp4"
    unsafe = await client.download("../evil", tmp_path)
    assert unsafe.parent == tmp_path and unsafe.name.startswith("id-")


async def test_thumbnail_variant(tmp_path):
    handler, seen = script(media(WEBP, content_type="image/webp"))
    client, _, _ = make_client(handler)
    path = await client.download("video_1", tmp_path / "t.webp", variant="thumbnail")
    assert path.read_bytes() == WEBP and seen[0].url.params["variant"] == "thumbnail"


@pytest.mark.parametrize("content_type", ["video/mp4", "application/octet-stream"])
async def test_thumbnail_that_comes_back_as_mp4_means_no_thumbnail(tmp_path, content_type):
    handler, _ = script(media(MP4, content_type=content_type))
    client, transport, _ = make_client(handler)
    with pytest.raises(DownloadError, match="no thumbnail"):
        await client.download("video_1", tmp_path / "t.webp", variant="thumbnail")
    assert leftovers(tmp_path) == [] and transport.open == 0


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"error": {"message": "internal"}}', "application/json"),
        (b"<html><body>502 Bad Gateway</body></html>", "text/html"),
        (b"<html><body>502 Bad Gateway</body></html>", "video/mp4"),  # lies: no ftyp box
        (b"", "video/mp4"),
        (b"\x00\x00", "video/mp4"),
    ],
)
async def test_an_error_page_is_never_saved_as_a_video(tmp_path, body, content_type):
    target = tmp_path / "a.mp4"
    target.write_bytes(b"an earlier good copy")
    handler, _ = script(media(body, content_type=content_type))
    client, transport, _ = make_client(handler)
    with pytest.raises(DownloadError):
        await client.download("video_1", target)
    assert target.read_bytes() == b"an earlier good copy"
    assert leftovers(tmp_path) == ["a.mp4"] and transport.open == 0


async def test_truncated_body_is_resumed_with_range(tmp_path):
    cut = 300
    short = httpx.Response(
        200,
        headers={"content-type": "video/mp4", "content-length": str(len(MP4))},
        stream=ChunkStream(MP4[:cut]),
    )
    handler, seen = script(short, partial_body(MP4, cut, []))
    client, transport, _ = make_client(handler)
    path = await client.download("video_1", tmp_path / "a.mp4")
    assert path.read_bytes() == MP4
    assert seen[1].headers["range"] == f"bytes={cut}-"
    assert transport.open == 0


async def test_broken_connection_is_resumed_with_range(tmp_path):
    broken = httpx.Response(
        200,
        headers={"content-type": "video/mp4", "content-length": str(len(MP4))},
        stream=ChunkStream(MP4[:100], MP4[100:500], httpx.ReadError("reset")),
    )
    resumed = partial_body(MP4, 500, [MP4[500:900], httpx.RemoteProtocolError("dropped")])
    handler, seen = script(broken, resumed, partial_body(MP4, 900, []))
    client, transport, _ = make_client(handler)
    progress: list[int] = []
    path = await client.download(
        "video_1", tmp_path / "a.mp4", on_progress=lambda d, t: progress.append(d)
    )
    assert path.read_bytes() == MP4
    assert [r.headers.get("range") for r in seen] == [None, "bytes=500-", "bytes=900-"]
    assert progress == sorted(progress) and progress[-1] == len(MP4)
    assert transport.open == 0


async def test_range_ignored_restarts_from_zero(tmp_path):
    broken = httpx.Response(
        200,
        headers={"content-type": "video/mp4", "content-length": str(len(MP4))},
        stream=ChunkStream(MP4[:700], httpx.ReadError("reset")),
    )
    handler, seen = script(broken, media(MP4))
    client, _, _ = make_client(handler)
    path = await client.download("video_1", tmp_path / "a.mp4")
    assert path.read_bytes() == MP4
    assert seen[1].headers["range"] == "bytes=700-"


async def test_a_resume_that_starts_earlier_is_aligned(tmp_path):
    broken = httpx.Response(
        200,
        headers={"content-type": "video/mp4", "content-length": str(len(MP4))},
        stream=ChunkStream(MP4[:700], httpx.ReadError("reset")),
    )
    handler, _ = script(broken, partial_body(MP4, 512, []))
    client, _, _ = make_client(handler)
    assert (await client.download("video_1", tmp_path / "a.mp4")).read_bytes() == MP4


async def test_a_resume_that_starts_past_the_bytes_held_is_refused(tmp_path):
    """A 206 from 900 when 700 bytes are held would leave a hole: nothing is saved
    (architecture review 2, mutant M24)."""
    broken = httpx.Response(
        200,
        headers={"content-type": "video/mp4", "content-length": str(len(MP4))},
        stream=ChunkStream(MP4[:700], httpx.ReadError("reset")),
    )
    handler, _ = script(broken, partial_body(MP4, 900, []))
    client, transport, _ = make_client(handler)
    with pytest.raises(DownloadError, match="unusable range"):
        await client.download("video_1", tmp_path / "a.mp4")
    assert leftovers(tmp_path) == [] and transport.open == 0


async def test_a_body_that_keeps_breaking_gives_up_and_cleans_up(tmp_path):
    def broken():
        return httpx.Response(
            200,
            headers={"content-type": "video/mp4", "content-length": str(len(MP4))},
            stream=ChunkStream(MP4[:10], httpx.ReadError("reset")),
        )

    handler, seen = script(broken(), broken(), broken(), broken())
    client, transport, _ = make_client(handler)
    with pytest.raises(APIConnectionError, match="broke off"):
        await client.download("video_1", tmp_path / "a.mp4")
    assert len(seen) == 3 and leftovers(tmp_path) == [] and transport.open == 0


async def test_a_body_that_keeps_arriving_short_is_a_download_error(tmp_path):
    def short():
        return httpx.Response(
            200,
            headers={"content-type": "video/mp4", "content-length": str(len(MP4) + 10)},
            stream=ChunkStream(MP4),
        )

    handler, _ = script(short(), short(), short())
    client, _, _ = make_client(handler)
    with pytest.raises(DownloadError, match="cut short"):
        await client.download("video_1", tmp_path / "a.mp4")
    assert leftovers(tmp_path) == []


async def test_a_body_longer_than_announced_is_refused(tmp_path):
    handler, _ = script(
        httpx.Response(
            200,
            headers={"content-type": "video/mp4", "content-length": "100"},
            stream=ChunkStream(MP4),
        )
    )
    client, _, _ = make_client(handler)
    with pytest.raises(DownloadError, match="more bytes"):
        await client.download("video_1", tmp_path / "a.mp4")
    assert leftovers(tmp_path) == []


async def test_not_ready(tmp_path):
    handler, seen = script(
        httpx.Response(404, json={"error": {"message": "Video is not ready yet"}})
    )
    client, transport, _ = make_client(handler)
    with pytest.raises(NotReadyError, match="wait for it"):
        await client.download("video_1", tmp_path / "a.mp4")
    assert len(seen) == 1 and leftovers(tmp_path) == [] and transport.open == 0


async def test_404_on_an_unfinished_job_is_not_ready(tmp_path):
    handler, _ = script(
        httpx.Response(404, json={"detail": "Not Found"}),
        httpx.Response(200, json=video_json(status="in_progress")),
    )
    client, _, _ = make_client(handler)
    with pytest.raises(NotReadyError):
        await client.download("video_1", tmp_path / "a.mp4")


@pytest.mark.parametrize("status", [404, 410])
async def test_expired_media(tmp_path, status):
    handler, _ = script(
        httpx.Response(status, json={"error": {"message": "gone"}}),
        httpx.Response(200, json=video_json(expires_at=int(T0) - 10)),
    )
    client, _, _ = make_client(handler)
    with pytest.raises(Expired, match="local copy"):
        await client.download("video_1", tmp_path / "a.mp4")


async def test_404_for_a_job_that_does_not_exist(tmp_path):
    handler, _ = script(
        httpx.Response(404, json={"error": {"message": "no such video"}}),
        httpx.Response(404, json={"error": {"message": "no such video"}}),
    )
    client, _, _ = make_client(handler)
    with pytest.raises(NotFoundError) as info:
        await client.download("video_1", tmp_path / "a.mp4")
    assert not isinstance(info.value, NotReadyError)


async def test_retryable_status_before_the_body_is_retried(tmp_path):
    handler, seen = script(
        httpx.Response(503, json={"error": {"message": "busy"}}),
        media(MP4),
    )
    client, transport, _ = make_client(handler)
    assert (await client.download("video_1", tmp_path / "a.mp4")).read_bytes() == MP4
    assert len(seen) == 2 and transport.open == 0


async def test_bad_variant_is_refused(tmp_path):
    client, _, _ = make_client(lambda r: pytest.fail("sent"))
    with pytest.raises(ValueError, match="variant"):
        await client.download("video_1", tmp_path / "a.mp4", variant="poster")


@pytest.mark.parametrize("flavor", ["vllm-omni", "sglang"])
async def test_backends_without_thumbnails_say_so_without_asking(tmp_path, flavor):
    backend = Backend.compatible("http://gpu/v1", flavor=flavor)
    client, _, _ = make_client(lambda r: pytest.fail("sent"), backend=backend)
    with pytest.raises(DownloadError, match="no thumbnail"):
        await client.download("video_1", tmp_path / "t.webp", variant="thumbnail")
    assert leftovers(tmp_path) == []
