"""`sora-notebook emulator --dialect ...`: the emulator answering in each dialect's shape,
met by the project's client and studio over a real socket (the same flows as the
stand-ins, with the emulator's real rendering and moderation behind)."""

from __future__ import annotations

import pytest
from live_server import LiveServer

from sora_notebook.client import AsyncSoraClient, Backend
from sora_notebook.emulator import create_app
from sora_notebook.emulator.fronts import DIALECT_FRONTS, dialect_front
from sora_notebook.errors import VideoFailed
from sora_notebook.studio import Studio
from sora_notebook.studio.polling import PollPolicy

from .conftest import png

pytestmark = pytest.mark.thirdparty

MODEL = {"openrouter": "openai/sora-2", "together": "openai/sora-2"}


def backend_for(dialect: str, root: str) -> Backend:
    if dialect == "openrouter":
        return Backend.openrouter("sk-any", base_url=f"{root}/api/v1")
    if dialect == "together":
        return Backend.together("sk-any", base_url=f"{root}/v2")
    return Backend.compatible(f"{root}/v1", "sk-any", dialect=dialect)


@pytest.mark.parametrize("dialect", list(DIALECT_FRONTS))
async def test_client_and_studio_against_the_emulator_in_a_dialect(dialect, tmp_path):
    app = dialect_front(create_app(speed=60, render="draft"), dialect)
    with LiveServer(app) as server:
        backend = backend_for(dialect, f"http://127.0.0.1:{server.port}")
        model = MODEL.get(dialect)
        async with AsyncSoraClient(backend, poll_interval=0.2) as client:
            job = await client.create(
                "a kite", model=model, size="1280x720", seconds=4, input_reference=png()
            )
            done = await client.wait(job, timeout=60)
            assert (await client.download(done, tmp_path)).read_bytes()[4:8] == b"ftyp"
            with pytest.raises(VideoFailed):
                await client.wait(await client.create("a nude statue", model=model), timeout=60)
        poll = PollPolicy(min_interval=0.2, max_interval=0.5, first_delay=0.2)
        async with Studio(backend, tmp_path / "lib", poll=poll) as studio:
            made = await studio.generate("a boat", model=model, seconds=4, timeout=60)
            assert set(made.media) == {"video", "thumbnail", "spritesheet"}
            if studio.capabilities.list:
                assert (await studio.import_remote()).imported >= 2
