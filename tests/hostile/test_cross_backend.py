"""Remixing another backend's job is refused with the reason before anything is sent
(reliability review 2, low: that server's video id was sent to the current server, which
answered a 404 naming it)."""

from __future__ import annotations

import pytest

from sora_notebook.client.backend import Backend
from sora_notebook.errors import ValidationError
from sora_notebook.studio import Studio


async def test_a_remix_of_another_backends_job_is_refused(tmp_path):
    backend = Backend.emulator(render="draft", speed=200)
    studio = Studio(backend, tmp_path / "studio", max_rps=1000.0)
    try:
        job = studio.library.add_submission(
            backend="emulator", backend_url="http://other.test/v1", prompt="elsewhere"
        )
        job = studio.library.update(job.key, status="completed", video_id="video_elsewhere")
        sent = backend.app.state.emulator.requests
        with pytest.raises(ValidationError, match="only that server knows"):
            await studio.remix(job, "again")
        assert backend.app.state.emulator.requests == sent
    finally:
        await studio.aclose()
        backend.app.state.emulator.close()
