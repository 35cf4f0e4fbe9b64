"""`AsyncSoraClient`: the Video API over httpx, with safe retries, polling and downloads.

```python
async with AsyncSoraClient() as client:          # Backend.from_env(): emulator by default
    job = await client.create("a calico cat playing piano", seconds=4)
    job = await client.wait(job.id, timeout=600)
    await client.download(job.id, "cat.mp4")
```
A create (and remix, edit, extend) is never re-sent blindly: after an ambiguous failure
the newest jobs are searched for it first (`find_submitted`), so nobody is billed twice.
"""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator, Collection
from os import PathLike
from pathlib import Path
from typing import Any

from sora_notebook.client._bodies import Bodies
from sora_notebook.client._downloads import Downloads
from sora_notebook.client._http.download import ProgressCallback
from sora_notebook.client._requests import (
    _OPEN_MODEL,
    SUBMIT_SKEW,
    ModelList,
    RequestCore,
    VideoRef,
    _agrees,
    _Body,
    _id,
    _json_or_empty,
    _payload,
    _seg,
    logger,
)
from sora_notebook.client.dialects import ModelInfo
from sora_notebook.errors import (
    APIConnectionError,
    ListTruncated,
    NotFoundError,
    RateLimitError,
    ServerError,
    ValidationError,
    VideoFailed,
    WaitTimeout,
)
from sora_notebook.protocol import (
    MODELS,
    DeletedVideo,
    Video,
    VideoError,
    normalize_seconds,
    validate_create,
)

__all__ = ["AsyncSoraClient"]


class AsyncSoraClient(RequestCore):
    """An async client for one backend. Use it as an async context manager.

    Inject `http_client` (an `httpx.AsyncClient`, e.g. over a `MockTransport`), and
    `sleep`, `clock` (monotonic seconds), `wall_clock` (Unix seconds) and `random` for
    fast, deterministic tests. `timeout` applies to each read, and twice it bounds a
    whole request; `limits` (else the backend's, else `Limits()`) bound every request's
    total time and size, downloads and list walks. `open_file` opens a download's
    partial file (tests inject a full disk).
    """

    @functools.cached_property
    def bodies(self) -> Bodies:
        """What a create sends to this backend (checks, reference image, body)."""
        return Bodies(self)

    @functools.cached_property
    def downloads(self) -> Downloads:
        """A job's media into files."""
        return Downloads(self)

    async def download(
        self,
        video_id: VideoRef,
        path: str | PathLike[str],
        *,
        variant: str = "video",
        index: int = 0,
        on_progress: ProgressCallback | None = None,
    ) -> Path:
        """Save a job's media at `path` (a file, or a folder to name it in); `index` picks
        one output of a job that made several. See `Downloads.download`."""
        return await self.downloads.download(
            video_id, path, variant=variant, index=index, on_progress=on_progress
        )

    async def create(
        self,
        prompt: str,
        *,
        model: str | None = None,
        size: str | None = None,
        seconds: int | str | None = None,
        input_reference: Any = None,
        outputs: int | None = None,
        **extra: Any,
    ) -> Video:
        """Start a job. `input_reference`: bytes, a path or a PIL image matching `size`
        exactly (see `fit_reference`), or `{"image_url": ...}` / `{"file_id": ...}` (a
        URL is fetched and uploaded where the server takes no URL, e.g. LiteLLM).
        `outputs`: how many videos this one job makes, where the server can (SGLang).
        `audio=True/False` becomes the server's own sound switch (vLLM-Omni
        `generate_sound`, off by default there; OpenRouter/Together `generate_audio`).
        `**extra` is sent as is (seed, negative_prompt, ...: `backend.dialect.params`)."""
        size, seconds = self.bodies.wire(prompt, size, seconds)
        self.bodies.server_accepts(model, extra)
        fields: dict[str, Any] = {"prompt": prompt, "model": model, "size": size}
        fields["seconds"] = seconds
        fields.update(self.bodies.reference_fields(input_reference))
        fields.update(self.bodies.outputs_fields(outputs))
        fields.update(extra)
        fields, as_json = await self.bodies.reference_for_server(fields)
        submitted = self._wall_clock()

        async def recover() -> Video | None:
            return await self.find_submitted(
                prompt,
                model=model,
                size=size,
                seconds=seconds,
                created_after=submitted - SUBMIT_SKEW,
                exclude=self._claimed,
            )

        body = self.bodies.create_body(fields, as_json=as_json)
        return await self._create_call("/videos", body, recover)

    async def remix(self, video_id: VideoRef, prompt: str) -> Video:
        """A new job from a finished one with a changed prompt."""
        video_id = _id(video_id)
        return await self._derive("remix", video_id, prompt, f"/videos/{_seg(video_id)}/remix")

    async def edit(self, video_id: VideoRef, prompt: str) -> Video:
        """A new job that edits a finished video as the prompt says."""
        video_id = _id(video_id)
        return await self._derive("edit", video_id, prompt, "/videos/edits")

    async def extend(self, video_id: VideoRef, prompt: str, seconds: int | str) -> Video:
        """A new job continuing a finished video by `seconds`."""
        video_id = _id(video_id)
        return await self._derive("extend", video_id, prompt, "/videos/extensions", seconds)

    async def list(
        self, *, limit: int | None = None, order: str | None = None, after: str | None = None
    ) -> AsyncIterator[Video]:
        """Every job, page by page (`limit` is the page size). Raises ListTruncated after
        `limits.list_pages` pages or `limits.list_items` jobs when the server says more.
        Refused with the reason where the server has no working list."""
        self._require("list")
        seen: set[str] = set()
        pages = 0
        while True:
            if pages >= self.limits.list_pages:
                raise ListTruncated(pages, len(seen), "Limits.list_pages")
            page = await self._list_page(limit=limit, order=order, after=after)
            pages += 1
            fresh = [v for v in page.data if v.id not in seen]
            for video in fresh:
                if len(seen) >= self.limits.list_items:
                    raise ListTruncated(pages, len(seen), "Limits.list_items")
                seen.add(video.id)
                yield video
            if not fresh or page.has_more is False:
                return
            if page.has_more is None and (limit is None or len(page.data) < limit):
                return
            after = page.last_id or fresh[-1].id

    async def delete(self, video_id: VideoRef) -> DeletedVideo:
        """Delete a job and its media on the server (refused where it has no delete)."""
        video_id = _id(video_id)
        self._require("delete")
        response = await self._call("DELETE", f"/videos/{_seg(video_id)}")
        return DeletedVideo.from_dict(_json_or_empty(response), video_id)

    async def cancel(self, video_id: VideoRef) -> None:
        """Stop a running job where the server can (vLLM-Omni aborts it on delete)."""
        video_id = _id(video_id)
        self._require("cancel")
        await self._call("DELETE", f"/videos/{_seg(video_id)}")

    async def models(self) -> ModelList:
        """The server's models with their sizes and seconds, where it has a catalogue;
        else the models this project knows for the official protocol."""
        dialect = self.backend.dialect
        if dialect.models_path is not None:
            try:
                response = await self._call("GET", dialect.models_path)
            except (NotFoundError, ValidationError):
                pass
            else:
                found = dialect.parse_models(_payload(response))
                if found:
                    return found
        if dialect.requires_model:
            return []
        return [
            ModelInfo(id=name, sizes=spec.sizes, seconds=spec.seconds)
            for name, spec in MODELS.items()
        ]

    def _require(self, action: str) -> None:
        reason = self.backend.capabilities.reason(action)
        if reason is not None:
            raise ValidationError(reason, param=action)

    async def find_submitted(
        self,
        prompt: str,
        *,
        model: str | None = None,
        size: str | None = None,
        seconds: int | str | None = None,
        created_after: float | None = None,
        remixed_from: str | None = None,
        exclude: Collection[str] = (),
        limit: int = 100,
    ) -> Video | None:
        """The newest listed job with this prompt and these parameters, if any.

        Parameters left None match anything; a field the server does not report matches
        too. Used after an ambiguous create, and to reconcile a submission whose answer
        never arrived.
        """
        self._require("list")  # without a working list nobody can tell: say so at once
        page = await self._list_page(limit=limit, order="desc", after=None)
        matches = [
            v
            for v in page.data
            if v.id not in exclude
            and v.prompt == prompt
            and _agrees(model, v.model)
            and _agrees(size, v.size)
            and _agrees(seconds, v.seconds)
            and _agrees(remixed_from, v.remixed_from_video_id)
            and (created_after is None or v.created_at is None or v.created_at >= created_after)
        ]
        if not matches:
            return None
        return max(matches, key=lambda v: v.created_at or 0)

    async def poll(
        self, video_id: VideoRef, *, timeout: float | None = None
    ) -> AsyncIterator[Video]:
        """Snapshots of a job until it is `completed` or `failed` (a failed job is data).

        Waits as the server's `openai-poll-after-ms` says, else backs off from
        `poll_interval` to `max_poll_interval`. Rides out up to `POLL_FAILURES_TOLERATED`
        rounds in a row of transient failures (no connection, 5xx, 429) after each
        request's own retries; a 5xx the dialect reads as the job's end (LiteLLM's, in front
        of a failed vLLM-Omni job) is a failed snapshot with that reason. Raises
        `WaitTimeout` past `timeout`.
        """
        video_id = _id(video_id)
        deadline = None if timeout is None else self._clock() + timeout
        interval = self._poll_interval
        last: Video | None = None
        failures = 0
        while True:
            hint: float | None = None
            try:
                last, hint = await self.retrieve_with_hint(video_id)
            except (APIConnectionError, ServerError, RateLimitError) as exc:
                reason = self.backend.dialect.failed_status(exc, 1)
                if reason is not None:  # a gateway's 5xx that says the job failed
                    yield Video(id=video_id, status="failed", error=VideoError(reason))
                    return
                failures += 1
                if failures > self.POLL_FAILURES_TOLERATED:
                    raise
                logger.debug("poll of %s failed (%d in a row); polling on", video_id, failures)
            else:
                failures = 0
                yield last
                if last.is_terminal:
                    return
            wait = hint if hint is not None else interval
            interval = min(interval * 1.5, self._max_poll_interval)
            if deadline is not None:
                left = deadline - self._clock()
                if left <= 0:
                    raise WaitTimeout(video_id, timeout or 0.0, last)
                wait = min(wait, left)
            await self._sleep(wait)

    async def wait(self, video_id: VideoRef, *, timeout: float | None = None) -> Video:
        """The completed job. Raises `VideoFailed` if it failed, `WaitTimeout` past
        `timeout` seconds (the job goes on)."""
        video_id = _id(video_id)
        last: Video | None = None
        async for last in self.poll(video_id, timeout=timeout):  # noqa: B007
            pass
        assert last is not None
        if last.is_failed:
            raise VideoFailed(last)
        return last

    async def _derive(
        self,
        kind: str,
        video_id: str,
        prompt: str,
        path: str,
        seconds: int | str | None = None,
    ) -> Video:
        reason = self.backend.capabilities.reason(kind)  # the server has no such route
        reason = reason or self.backend.dialect.derive_refused(kind, video_id)
        if reason is not None:
            raise ValidationError(
                f"{reason} Submit a new video with a changed prompt instead.", param=kind
            )
        validate_create(prompt, _OPEN_MODEL, None, None)  # the form only (see `_wire`)
        _seg(video_id)  # refuse an unusable id before sending anything
        payload: dict[str, Any] = {"prompt": prompt}
        if kind != "remix":
            payload["video"] = {"id": video_id}
        if seconds is not None:
            payload["seconds"] = normalize_seconds(seconds)
        submitted = self._wall_clock()

        async def recover() -> Video | None:
            return await self.find_submitted(
                prompt,
                created_after=submitted - SUBMIT_SKEW,
                remixed_from=video_id if kind == "remix" else None,
                exclude=self._claimed,
            )

        body = _Body(json.dumps(payload).encode(), "application/json")
        return await self._create_call(path, body, recover)
