"""`Studio()` with no backend: the emulator, keeping its jobs beside the library."""

from __future__ import annotations

import pytest

from sora_notebook.studio import Studio


@pytest.fixture
def fast_default_emulator(monkeypatch):
    for name in (
        *("SORA_NOTEBOOK_BASE_URL", "OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT"),
        *("OPENROUTER_API_KEY", "TOGETHER_API_KEY", "LITELLM_PROXY_API_BASE"),
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SORA_NOTEBOOK_EMULATOR_SPEED", "20")
    monkeypatch.setenv("SORA_NOTEBOOK_EMULATOR_RENDER", "draft")


async def test_a_job_in_flight_outlives_a_restart_of_the_default_studio(
    tmp_path, fast_default_emulator
):
    first = Studio(library=tmp_path / "lib")
    assert first.backend.name == "emulator"
    job = await first.submit("a kettle on a stove, steam rising", seconds=4)
    await first.aclose()  # the kernel restarts before the job finishes

    second = Studio(library=tmp_path / "lib")
    try:
        done = await second.wait(job.key, timeout=120)
        assert done.status == "completed" and done.has_video
        assert second.backend.app.state.emulator.root == tmp_path.resolve() / "lib" / "emulator"
    finally:
        await second.aclose()


async def test_repr_of_a_closed_studio_works(tmp_path):
    from sora_notebook import Backend, Studio

    studio = Studio(Backend.emulator(render="draft"), library=tmp_path / "lib")
    await studio.aclose()
    assert repr(studio).endswith("closed)")
