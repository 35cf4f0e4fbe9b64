"""A studio on a fast emulator (draft renders), closed with its engine after the test."""

import pytest

from sora_notebook.client.backend import Backend
from sora_notebook.studio import Studio
from sora_notebook.studio.polling import PollPolicy


@pytest.fixture
async def studio(tmp_path):
    backend = Backend.emulator(render="draft", speed=50)
    made = Studio(backend, tmp_path / "studio", max_rps=1000.0, poll=PollPolicy(0.05, 0.5, 0.05))
    yield made
    await made.aclose()
    backend.app.state.emulator.close()
