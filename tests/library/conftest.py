"""Libraries on both stores: `place` is a fresh library location, on SQLite (a folder)
and on PostgreSQL (a fresh database on a server this session starts, marker `store`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sora_notebook.library import Library
from sora_notebook.library.local_servers import LocalPostgres


@dataclass(frozen=True)
class Place:
    """Where one test's library lives: `open()` opens it (again)."""

    kind: str
    location: str
    media: Path | None

    def open(self, **kw: Any) -> Library:
        return Library(self.location, media=self.media, **kw)

    def args(self) -> list[str]:
        """The location (and media folder) as command-line words for a child process."""
        return [self.location, str(self.media or "")]


@pytest.fixture(scope="session")
def postgres() -> Iterator[LocalPostgres]:
    """One PostgreSQL server (Debian's) for the session, in a temp folder on 127.0.0.1."""
    with LocalPostgres(durable=False) as server:
        yield server


def new_place(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Place:
    if kind == "sqlite":
        return Place(kind, str(tmp_path / "studio"), None)
    server: LocalPostgres = request.getfixturevalue("postgres")
    url = server.database(f"t_{uuid.uuid4().hex[:12]}")
    return Place(kind, url, tmp_path / "media")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.store)])
def place(request: pytest.FixtureRequest, tmp_path: Path) -> Place:
    return new_place(request.param, tmp_path, request)


@pytest.fixture
def lib(place: Place) -> Iterator[Library]:
    with place.open() as library:
        yield library
