"""Shared fixtures for the widget tests: jobs, a real Studio on fake time, and `Page`,
which drives a StudioView through its request path as the ESM does."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from sora_notebook.client.backend import Backend
from sora_notebook.library import Job
from sora_notebook.studio import Studio
from sora_notebook.studio.polling import PollPolicy

XSS = ("<img src=x onerror=alert(1)>", "</script><script>alert(1)</script>")


def make_job(key: str, prompt: str = "a red fox", **fields: Any) -> Job:
    base: dict[str, Any] = {
        "key": key,
        "video_id": f"video_{key}",
        "backend": "emulator",
        "status": "completed",
        "progress": 100,
        "prompt": prompt,
        "model": "sora-2",
        "size": "1280x720",
        "seconds": "4",
        "submitted_at": float(sum(map(ord, key))),
    }
    base.update(fields)
    return Job(**base)


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 36), (1, 2, 3)).save(buffer, format="PNG")
    return buffer.getvalue()


class Sent:
    """Records what a widget sends to the page (`widget.send`)."""

    def __init__(self) -> None:
        self.messages: list[tuple[dict[str, Any], list[bytes]]] = []

    def __call__(self, content: dict[str, Any], buffers: Any = None) -> None:
        self.messages.append((content, list(buffers or [])))

    @property
    def last(self) -> tuple[dict[str, Any], list[bytes]]:
        return self.messages[-1]


def request(
    widget: Any,
    method: str,
    args: dict[str, Any] | None = None,
    buffers: list[bytes] | None = None,
    request_id: str = "r1",
) -> None:
    """Send a request as the ESM does, through the widget's custom-message path."""
    widget._handle_custom_msg(
        {"kind": "request", "id": request_id, "method": method, "args": args or {}},
        buffers or [],
    )


# --- a real Studio on the in-process emulator, on fake time ---------------------------

T0 = 1_900_000_000.0


class FakeTime:
    """Unix time shared by emulator and studio; each sleep advances it and yields."""

    def __init__(self) -> None:
        self.now = T0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0.002)


@pytest.fixture
async def make_studio(tmp_path: Path):
    """`make_studio(budget=None, backend=None, **emulator_kwargs) -> Studio` (closed after)."""
    made: list[Any] = []
    time = FakeTime()

    def make(*, budget: float | None = None, backend: Any = None, **kwargs: Any) -> Any:
        if backend is None:
            kwargs.setdefault("render", "draft")
            kwargs.setdefault("speed", 20.0)
            backend = Backend.emulator(clock=time.clock, **kwargs)
        studio = Studio(
            backend,
            tmp_path / f"studio{len(made)}",
            budget=budget,
            clock=time.clock,
            sleep=time.sleep,
            max_rps=1000.0,
            poll=PollPolicy(min_interval=0.05, max_interval=0.5, first_delay=0.05),
            coalesce=0.01,
        )
        made.append(studio)
        return studio

    make.time = time  # type: ignore[attr-defined]
    yield make
    for studio in made:
        await studio.aclose()
        app = getattr(studio.backend, "app", None)
        if app is not None:
            app.state.emulator.close()


async def until(condition: Any, *, steps: int = 4000) -> None:
    """Let the loop run (events, tracker) until `condition()` holds; fail if it never does."""
    for _ in range(steps):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("condition never held")


# --- the studio view, driven as its page drives it -----------------------------------


class Page:
    """A view plus what it sent to the page; `ask` sends a request as the ESM does."""

    def __init__(self, view: Any) -> None:
        self.view = view
        self.sent = Sent()
        view.send = self.sent
        self._ids = 0

    async def ask(
        self, method: str, args: dict[str, Any] | None = None, buffers: list[bytes] | None = None
    ) -> dict[str, Any]:
        """The reply's content (`ok`, `result` or `error` and `problems`)."""
        self._ids += 1
        request_id = f"t{self._ids}"
        request(self.view, method, args, buffers, request_id=request_id)
        for _ in range(2000):
            replies = [c for c, _ in self.sent.messages if c.get("id") == request_id]
            if replies:
                return replies[0]
            await asyncio.sleep(0.005)
        raise AssertionError(f"no reply to {method}")

    def buffers(self, reply: dict[str, Any]) -> list[bytes]:
        for content, buffers in self.sent.messages:
            if content is reply:
                return buffers
        return []

    def job(self, key: str) -> dict[str, Any]:
        return next(j for j in self.view.jobs if j["key"] == key)

    async def generate(self, prompt: str = "a red fox", **fields: Any) -> str:
        """Generate from the form and wait until the video and its pictures are saved."""
        before = {j.key for j in self.view.studio.jobs()}
        reply = await self.ask("generate", {"prompt": prompt, **fields})
        assert reply["ok"], reply
        await self.view.drain()
        (key,) = {j.key for j in self.view.studio.jobs()} - before
        await until(lambda: {"video", "thumbnail", "spritesheet"} <= set(self.job(key)["media"]))
        return key


@pytest.fixture
def page(make_studio):
    """`page(**studio_kwargs) -> Page` on a new StudioView (closed after)."""
    from sora_notebook.widgets import StudioView

    views: list[Any] = []

    def make(**kwargs: Any) -> Page:
        studio = make_studio(**kwargs)
        view = StudioView(studio, clock=make_studio.time.clock, root=None)
        views.append(view)
        return Page(view)

    yield make
    for view in views:
        view.close()
