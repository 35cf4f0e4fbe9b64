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
