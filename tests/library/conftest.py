"""Libraries on both stores: `place` is a fresh library location, on SQLite (a folder),
on PostgreSQL (a fresh database on a server this session starts) with a media folder,
and on PostgreSQL with media in an S3-compatible store (moto's server, also started
here). Both servers bind 127.0.0.1 and stop at the end; marker `store`."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sora_notebook.library import Library
from sora_notebook.library.local_servers import LocalPostgres, LocalS3

BUCKET = "team-media"


@dataclass(frozen=True)
class Place:
    """Where one test's library lives: `open()` opens it (again)."""

    kind: str
    location: str
    media: Path | str | None
    cache: Path | None = None

    def open(self, **kw: Any) -> Library:
        return Library(self.location, media=self.media, cache=self.cache, **kw)

    def args(self) -> list[str]:
        """Location, media and cache as command-line words for a child process ("" for
        none)."""
        return [self.location, str(self.media or ""), str(self.cache or "")]


@pytest.fixture(scope="session")
def postgres() -> Iterator[LocalPostgres]:
    """One PostgreSQL server (Debian's) for the session, in a temp folder on 127.0.0.1."""
    with LocalPostgres(durable=False) as server:
        yield server


@pytest.fixture(scope="session")
def s3() -> Iterator[LocalS3]:
    """An S3-compatible server for the session, its bucket made, its endpoint and
    throwaway credentials in the environment (so child processes reach it too)."""
    import boto3

    with LocalS3() as server:
        saved = {name: os.environ.get(name) for name in server.environment()}
        os.environ.update(server.environment())
        boto3.client("s3").create_bucket(Bucket=BUCKET)
        try:
            yield server
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def new_place(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Place:
    if kind == "sqlite":
        return Place(kind, str(tmp_path / "studio"), None)
    server: LocalPostgres = request.getfixturevalue("postgres")
    url = server.database(f"t_{uuid.uuid4().hex[:12]}")
    if kind == "postgresql":
        return Place(kind, url, tmp_path / "media")
    request.getfixturevalue("s3")
    return Place(kind, url, f"s3://{BUCKET}/{uuid.uuid4().hex[:12]}", tmp_path / "cache")


STORES = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.store),
    pytest.param("postgresql+s3", marks=pytest.mark.store),
]


@pytest.fixture(params=STORES)
def place(request: pytest.FixtureRequest, tmp_path: Path) -> Place:
    return new_place(request.param, tmp_path, request)


@pytest.fixture
def lib(place: Place) -> Iterator[Library]:
    with place.open() as library:
        yield library
