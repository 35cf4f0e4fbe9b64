"""Hostile servers on a real socket: endless bodies, trickles, endless lists. Each ends
with a clear error, bounded in time, memory and disk (issue 12, point 1 and 2)."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from raw_server import MP4_HEAD, chunk, endless, head, raw_server, read_request, trickle

from sora_notebook.client import AsyncSoraClient, Backend, Limits
from sora_notebook.errors import (
    APITimeoutError,
    AuthenticationError,
    DownloadError,
    ListTruncated,
    TooLarge,
)

KEY = "sk-CANARY-0123456789"
JOB = json.dumps({"id": "video_1", "object": "video", "status": "completed"}).encode()


def client_for(url: str, limits: Limits, **kw) -> AsyncSoraClient:
    return AsyncSoraClient(
        Backend.compatible(url, KEY), limits=limits, max_retries=0, random=lambda: 0.0, **kw
    )


async def test_an_endless_json_body_stops_at_the_cap():
    async def script(reader, writer):
        await read_request(reader)
        writer.write(head(content_type="application/json", transfer_encoding="chunked"))
        await endless(writer, b"A" * 65536, first=b'{"id": "')

    async with raw_server(script) as url, client_for(url, Limits(json_bytes=1 << 20)) as client:
        with pytest.raises(TooLarge, match=r"more than 1 MB.*Limits.json_bytes"):
            await client.retrieve("video_1")


async def test_an_announced_oversize_json_body_is_not_read():
    seen = []

    async def script(reader, writer):
        await read_request(reader)
        writer.write(head(content_type="application/json", content_length=str(1 << 30)))
        await endless(writer, b"A" * 65536)

    async with raw_server(script) as url, client_for(url, Limits(json_bytes=1 << 20)) as client:
        with pytest.raises(TooLarge, match="announced 1024 MB") as err:
            await client.retrieve("video_1")
        seen.append(err.value.status_code)
    assert seen == [200]


async def test_a_body_trickled_a_byte_at_a_time_times_out_in_total():
    """Each byte comes within the per-read timeout; the total deadline still ends it."""

    async def script(reader, writer):
        await read_request(reader)
        writer.write(head(content_type="application/json", content_length=str(len(JOB))))
        await trickle(writer, JOB, every=0.2)

    limits = Limits(request_seconds=1.0)
    async with raw_server(script) as url, client_for(url, limits, timeout=0.5) as client:
        with pytest.raises(APITimeoutError, match=r"within 1 s.*request_seconds"):
            await client.retrieve("video_1")


async def test_header_lines_trickled_one_by_one_time_out():
    async def script(reader, writer):
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\n")
        for i in range(1000):
            writer.write(f"x-slow-{i}: 1\r\n".encode())
            await writer.drain()
            await asyncio.sleep(0.2)

    limits = Limits(request_seconds=1.0)
    async with raw_server(script) as url, client_for(url, limits, timeout=0.5) as client:
        with pytest.raises(APITimeoutError):
            await client.retrieve("video_1")


async def test_an_endless_mp4_stops_at_the_ceiling_and_keeps_nothing(tmp_path):
    async def script(reader, writer):
        await read_request(reader)
        writer.write(head(content_type="video/mp4", transfer_encoding="chunked"))
        await endless(writer, b"\x00" * 65536, first=MP4_HEAD)

    limits = Limits(media_bytes=2 << 20)
    sizes: list[int] = []

    def opener(path):
        fh = path.open("w+b")
        original = fh.write

        def write(data: bytes) -> int:
            written = original(data)
            sizes.append(fh.tell())
            return written

        fh.write = write
        return fh

    async with raw_server(script) as url, client_for(url, limits, open_file=opener) as client:
        with pytest.raises(DownloadError, match=r"ceiling of 2097152 bytes.*Limits.media_bytes"):
            await client.download("video_1", tmp_path / "clip.mp4")
    assert list(tmp_path.iterdir()) == []
    assert 0 < max(sizes) <= 2 << 20  # the file never held more than the ceiling


async def test_an_announced_length_over_the_ceiling_is_refused_before_writing(tmp_path):
    async def script(reader, writer):
        await read_request(reader)
        writer.write(head(content_type="video/mp4", content_length=str(10 << 30)))
        await endless(writer, b"\x00" * 65536)

    async with raw_server(script) as url, client_for(url, Limits(media_bytes=1 << 20)) as client:
        with pytest.raises(DownloadError, match="announced 10737418240 bytes"):
            await client.download("video_1", tmp_path / "clip.mp4")
    assert list(tmp_path.iterdir()) == []


async def test_a_download_stops_at_the_announced_length(tmp_path):
    body = MP4_HEAD + b"\x01" * 1000

    async def script(reader, writer):
        await read_request(reader)
        writer.write(head(content_type="video/mp4", content_length=str(len(body))) + body)
        while True:  # then junk forever, past the announced length
            writer.write(b"\x02" * 65536)
            await writer.drain()

    async with raw_server(script) as url, client_for(url, Limits()) as client:
        path = await client.download("video_1", tmp_path / "clip.mp4")
    assert path.read_bytes() == body


async def test_a_trickled_mp4_falls_behind_and_keeps_nothing(tmp_path):
    async def script(reader, writer):
        await read_request(reader)
        writer.write(head(content_type="video/mp4", content_length="100000"))
        await trickle(writer, MP4_HEAD + b"\x00" * 99000, every=0.2)

    limits = Limits(download_seconds=1.0, download_rate=1000)
    async with raw_server(script) as url, client_for(url, limits, timeout=0.5) as client:
        with pytest.raises(APITimeoutError, match="download fell behind"):
            await client.download("video_1", tmp_path / "clip.mp4")
    assert list(tmp_path.iterdir()) == []


async def test_endless_fresh_pages_end_with_what_was_read():
    pages = []

    def handler(request: httpx.Request) -> httpx.Response:
        n = len(pages)
        pages.append(n)
        data = [{"id": f"video_{n}_{i}", "object": "video", "status": "completed"} for i in (0, 1)]
        return httpx.Response(200, json={"data": data, "has_more": True})

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    backend = Backend.compatible("http://hostile.test/v1", KEY)
    async with AsyncSoraClient(backend, http_client=http, limits=Limits(list_pages=5)) as client:
        got = []
        with pytest.raises(ListTruncated, match=r"after 5 pages and 10 jobs.*list_pages"):
            async for video in client.list():
                got.append(video.id)
    assert len(got) == 10 and len(pages) == 5
    async with AsyncSoraClient(backend, http_client=http, limits=Limits(list_items=7)) as client:
        with pytest.raises(ListTruncated, match=r"and 7 jobs.*list_items") as err:
            async for _ in client.list():
                pass
    assert err.value.items == 7
    await http.aclose()


async def test_a_key_the_server_echoes_is_redacted_from_the_error():
    def handler(request: httpx.Request) -> httpx.Response:
        echoed = request.headers["authorization"]
        return httpx.Response(401, json={"error": {"message": f"bad key {echoed} ({KEY})"}})

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    async with AsyncSoraClient(Backend.compatible("http://h.test/v1", KEY), http_client=http) as c:
        with pytest.raises(AuthenticationError) as err:
            await c.retrieve("video_1")
    await http.aclose()
    assert KEY not in str(err.value) and KEY not in repr(err.value.body)
    assert "[redacted]" in str(err.value)


def test_limits_refuse_nonsense():
    with pytest.raises(ValueError, match="json_bytes"):
        Limits(json_bytes=0)
    with pytest.raises(ValueError, match="request_seconds"):
        Limits(request_seconds=float("nan"))


async def test_chunk_helper_is_valid_http():
    """The raw server's chunked framing is what httpx reads (guards the other tests)."""

    async def script(reader, writer):
        await read_request(reader)
        writer.write(head(content_type="application/json", transfer_encoding="chunked"))
        writer.write(chunk(JOB) + b"0\r\n\r\n")
        await writer.drain()

    async with raw_server(script) as url, client_for(url, Limits()) as client:
        assert (await client.retrieve("video_1")).id == "video_1"


@pytest.mark.slow
@pytest.mark.parametrize("what", ["body", "headers"])
async def test_the_reviewers_trickle_ends_with_timeout_5_and_default_retries(what):
    """As reproduced: one byte (or header line) every 2 s, `timeout=5`, default limits and
    retries. It ends in APITimeoutError after twice the timeout, without retrying."""
    requests = []

    async def script(reader, writer):
        requests.append(await read_request(reader))
        if what == "body":
            writer.write(head(content_type="application/json", content_length=str(len(JOB))))
            await trickle(writer, JOB, every=2.0)
        else:
            writer.write(b"HTTP/1.1 200 OK\r\n")
            for i in range(100):
                writer.write(f"x-slow-{i}: 1\r\n".encode())
                await writer.drain()
                await asyncio.sleep(2.0)

    async with (
        raw_server(script) as url,
        AsyncSoraClient(Backend.compatible(url, KEY), timeout=5) as client,
    ):
        with pytest.raises(APITimeoutError, match="within 10 s"):
            await client.retrieve("video_1")
    assert len(requests) == 1


def _media_url_server(misbehave):
    """A Together-shaped server: the job names a media URL on this host, served by
    `misbehave(reader, writer)`."""

    async def script(reader, writer):
        request = await read_request(reader)
        if "/files/" not in request.split("\r\n", 1)[0]:
            host = next(
                line.split(":", 1)[1].strip()
                for line in request.split("\r\n")
                if line.lower().startswith("host:")
            )
            job = {"id": "video_1", "object": "video", "status": "completed"}
            job["outputs"] = {"video_url": f"http://{host}/files/v.mp4?sig=s3cret"}
            body = json.dumps(job).encode()
            writer.write(head(content_type="application/json", content_length=str(len(body))))
            writer.write(body)
            await writer.drain()
            return
        await misbehave(reader, writer)

    return script


async def test_a_media_url_answering_an_endless_error_body_is_not_read(tmp_path):
    async def misbehave(reader, writer):
        writer.write(head("500 Internal Server Error", transfer_encoding="chunked"))
        await endless(writer, b"E" * 65536)

    limits = Limits(request_seconds=2.0)
    async with (
        raw_server(_media_url_server(misbehave)) as url,
        AsyncSoraClient(
            Backend.compatible(url, KEY, dialect="together"), limits=limits, max_retries=0
        ) as client,
    ):
        with pytest.raises(DownloadError, match="answered 500") as err:
            await client.download("video_1", tmp_path / "clip.mp4")
    assert "s3cret" not in str(err.value)
    assert list(tmp_path.iterdir()) == []


async def test_a_media_url_trickling_its_headers_times_out(tmp_path):
    async def misbehave(reader, writer):
        writer.write(b"HTTP/1.1 200 OK\r\n")
        for i in range(1000):
            writer.write(f"x-slow-{i}: 1\r\n".encode())
            await writer.drain()
            await asyncio.sleep(0.2)

    limits = Limits(request_seconds=1.0)
    async with (
        raw_server(_media_url_server(misbehave)) as url,
        AsyncSoraClient(
            Backend.compatible(url, KEY, dialect="together"),
            limits=limits,
            max_retries=0,
            timeout=0.5,
        ) as client,
    ):
        with pytest.raises(APITimeoutError, match="media URL") as err:
            await client.download("video_1", tmp_path / "clip.mp4")
    assert "s3cret" not in str(err.value)
    assert list(tmp_path.iterdir()) == []


async def test_a_download_broken_off_after_every_few_bytes_keeps_one_deadline(tmp_path):
    """Each connection makes a little progress and breaks; resumes go on, but the pace is
    measured over the whole download, so it ends instead of resuming for ever."""
    total, body = 100_000, MP4_HEAD + b"\x00" * (100_000 - len(MP4_HEAD))
    connections = []

    async def script(reader, writer):
        request = await read_request(reader)
        ranged = [ln for ln in request.split("\r\n") if ln.lower().startswith("range:")]
        start = int(ranged[0].split("=")[1].rstrip("-")) if ranged else 0
        connections.append(start)
        if ranged:
            writer.write(
                head(
                    "206 Partial Content",
                    content_type="video/mp4",
                    content_length=str(total - start),
                    content_range=f"bytes {start}-{total - 1}/{total}",
                )
            )
        else:
            writer.write(head(content_type="video/mp4", content_length=str(total)))
        for i in range(start, start + 200, 20):  # 200 bytes in 0.2 s, then hang up
            writer.write(body[i : i + 20])
            await writer.drain()
            await asyncio.sleep(0.02)

    limits = Limits(download_seconds=1.0, download_rate=1000)
    async with (
        raw_server(script) as url,
        AsyncSoraClient(Backend.compatible(url, KEY), limits=limits, random=lambda: 0.0) as client,
    ):
        with pytest.raises(APITimeoutError, match="download fell behind"):
            await client.download("video_1", tmp_path / "clip.mp4")
    assert 1 < len(connections) < 100  # it resumed, then the one deadline ended it
    assert list(tmp_path.iterdir()) == []
