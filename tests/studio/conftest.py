"""Fixtures for the studio tests: fake time, emulator backends, studios closed at the end."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from fakes import FakeTime

from sora_notebook.client.backend import Backend
from sora_notebook.studio import Studio
from sora_notebook.studio.polling import PollPolicy

FAST = PollPolicy(min_interval=0.05, max_interval=0.5, first_delay=0.05)


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime(real=0.002)


@pytest.fixture
def emulator() -> Any:
    """`emulator(**create_app_kwargs) -> Backend` (draft renders; engines closed after)."""
    made: list[Backend] = []

    def make(**kwargs: Any) -> Backend:
        kwargs.setdefault("render", "draft")
        backend = Backend.emulator(**kwargs)
        made.append(backend)
        return backend

    yield make
    for backend in made:
        backend.app.state.emulator.close()


def engine(backend: Backend) -> Any:
    return backend.app.state.emulator


@pytest.fixture
async def make_studio(tmp_path) -> AsyncIterator[Callable[..., Studio]]:
    """`make_studio(backend, root=tmp_path/'studio', **kw)`; every studio is closed after."""
    made: list[Studio] = []

    def make(backend: Any, root: Any = None, **kwargs: Any) -> Studio:
        kwargs.setdefault("max_rps", 1000.0)
        kwargs.setdefault("poll", FAST)
        kwargs.setdefault("coalesce", 0.01)
        studio = Studio(backend, root or tmp_path / "studio", **kwargs)
        made.append(studio)
        return studio

    yield make
    for studio in made:
        await studio.aclose()


@pytest.fixture
async def fake_studio(tmp_path) -> AsyncIterator[Callable[..., Any]]:
    """`fake_studio(client_type=FakeClient, *, duration=5, backend=None, **studio_kw)` ->
    (studio, client): a studio over a scripted client on fake time (closed after);
    `backend` defaults to an OpenAI-priced fake server."""
    from fakes import FakeTime

    from .fake_client import FakeClient

    made: list[Studio] = []

    def make(
        client_type: type[FakeClient] = FakeClient,
        *,
        duration: float = 5,
        backend: Backend | None = None,
        **kwargs: Any,
    ) -> tuple[Studio, FakeClient]:
        time = FakeTime(real=0.0005)
        backend = backend or Backend(name="openai", base_url="http://fake.test/v1", label="Fake")
        client = client_type(time.clock, duration=duration, backend=backend)
        client.time = time  # type: ignore[attr-defined]  # for tests that move the clock
        studio = Studio(
            backend,
            tmp_path / f"fake-{len(made)}",
            client=client,  # type: ignore[arg-type]
            clock=time.clock,
            sleep=time.sleep,
            poll=FAST,
            **kwargs,
        )
        made.append(studio)
        return studio, client

    yield make
    for studio in made:
        await studio.aclose()
