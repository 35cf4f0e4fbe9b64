"""A studio on a fast emulator (draft renders), closed with its engine after the test;
libraries on both stores (`place`: SQLite, and PostgreSQL under the `store` marker, as in
tests/library)."""

from collections.abc import Iterator

import pytest
from library.conftest import STORES, Place, new_place
from library.conftest import postgres as postgres  # the session's server, started on demand

from sora_notebook.client.backend import Backend
from sora_notebook.library import Library
from sora_notebook.studio import Studio
from sora_notebook.studio.polling import PollPolicy

FAST_POLL = PollPolicy(0.05, 0.5, 0.05)


@pytest.fixture
async def studio(tmp_path):
    backend = Backend.emulator(render="draft", speed=50)
    made = Studio(backend, tmp_path / "studio", max_rps=1000.0, poll=FAST_POLL)
    yield made
    await made.aclose()
    backend.app.state.emulator.close()


@pytest.fixture(params=STORES[:2])
def place(request: pytest.FixtureRequest, tmp_path) -> Place:
    """A fresh library location: a folder, or a PostgreSQL database with a media folder."""
    return new_place(request.param, tmp_path / "place", request)


@pytest.fixture
def lib(place: Place) -> Iterator[Library]:
    with place.open() as library:
        yield library
