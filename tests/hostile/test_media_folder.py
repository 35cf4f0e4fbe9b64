"""A media folder that cannot be written fails the download with a message saying what to
do, and `wait()` returns (reliability review 2, F13: it hung with no message). The tests
run as root here, where permissions do not bind, so the folder is made unwritable the way
a read-only or vanished mount looks to the code: its temp folder, or the folder itself,
is a file."""

from __future__ import annotations

import asyncio
import shutil

import pytest

from sora_notebook.client.backend import Backend
from sora_notebook.studio import Studio
from sora_notebook.studio.polling import PollPolicy

FAST = PollPolicy(min_interval=0.05, max_interval=0.5, first_delay=0.05)


@pytest.mark.parametrize("broken", ["temp folder is a file", "media folder is a file"])
async def test_an_unwritable_media_folder_fails_the_download_with_what_to_do(tmp_path, broken):
    backend = Backend.emulator(render="draft", speed=200)
    studio = Studio(backend, tmp_path / "studio", max_rps=1000.0, poll=FAST, coalesce=0.01)
    try:
        media = studio.library.media_dir
        if broken == "temp folder is a file":
            shutil.rmtree(media / ".tmp", ignore_errors=True)
            (media / ".tmp").write_bytes(b"")
        else:
            shutil.rmtree(media)
            media.write_bytes(b"")
        job = await studio.generate("a paper boat", seconds=4)
        done = await asyncio.wait_for(studio.wait(job), timeout=60)
        assert done.status == "completed" and not done.has_video
        assert "media folder" in done.error_message
        assert "restart the studio" in done.error_message
    finally:
        await studio.aclose()
        backend.app.state.emulator.close()
