"""import_remote against hostile lists: ids the client refuses are skipped with reasons,
and a list that never ends stops at the limits with a report (issue 12, point 2)."""

from __future__ import annotations

import httpx

from sora_notebook.client import AsyncSoraClient, Backend, Limits
from sora_notebook.studio import ImportReport, Studio


def video(video_id: str) -> dict:
    return {"id": video_id, "object": "video", "status": "queued", "prompt": "p"}


async def studio_over(handler, tmp_path, limits: Limits) -> Studio:
    backend = Backend.compatible("http://hostile.test/v1", "sk-k").with_quirks(limits=limits)
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    client = AsyncSoraClient(backend, http_client=http, max_retries=0)
    return Studio(backend, library=tmp_path / "lib", client=client)


async def test_ids_the_client_would_refuse_are_skipped_with_reasons(tmp_path):
    ids = ["video_ok", ".", "..", "a\x00b", "ctl\x1f", "a/b=="]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/videos"):
            return httpx.Response(200, json={"data": [video(i) for i in ids], "has_more": False})
        return httpx.Response(200, json=video(request.url.path.rsplit("/", 1)[1]))

    studio = await studio_over(handler, tmp_path, Limits())
    try:
        report = await studio.import_remote()
    finally:
        await studio.aclose()
    assert isinstance(report, ImportReport)
    assert report.imported == 2 and not report.truncated
    assert [i for i, _ in report.skipped] == [".", "..", "a\x00b", "ctl\x1f"][::-1]
    assert all(reason for _, reason in report.skipped)
    assert "skipped 4 id(s)" in str(report)


async def test_endless_fresh_pages_stop_at_the_limit_with_a_report(tmp_path):
    pages: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/videos"):
            n = len(pages)
            pages.append(n)
            data = [video(f"video_{n}_{i}") for i in range(3)]
            return httpx.Response(200, json={"data": data, "has_more": True})
        return httpx.Response(200, json=video(request.url.path.rsplit("/", 1)[1]))

    studio = await studio_over(handler, tmp_path, Limits(list_pages=4))
    try:
        report = await studio.import_remote()
        assert len(studio.jobs()) == 12
    finally:
        await studio.aclose()
    assert report.truncated and report.imported == 12 and len(pages) == 4
    assert "after 4 pages and 12 jobs" in report.note and "Limits.list_pages" in str(report)
