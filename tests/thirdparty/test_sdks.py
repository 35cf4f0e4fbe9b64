"""Third-party clients against the emulator over a real socket: LiteLLM's SDK (in its own
venv), every `video_*` function it has. (The official `openai` SDK's every videos method
is tested in tests/emulator/test_emu_sdk.py, in-process and over a socket.)"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from live_server import LiveServer

from sora_notebook.emulator import create_app

from .litellm_proxy import litellm_binary

pytestmark = pytest.mark.thirdparty


def test_litellm_sdk_every_video_function(tmp_path):
    python = litellm_binary().parent / "python"
    script = Path(__file__).with_name("litellm_sdk_script.py")
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_TELEMETRY": "False"}
    env.pop("PYTHONPATH", None)
    with LiveServer(create_app(speed=200, render="draft")) as server:
        result = subprocess.run(
            [str(python), str(script), server.base_url],
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
            cwd=tmp_path,
            check=False,
        )
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out == {
        "generation": True,
        "status": "completed",
        "content": ["ftyp", "WEBP", "ffd8ff"],
        "list": True,
        "derived": ["completed", "completed", "completed"],
        "character": "Keeper",
        "async_status": "completed",
    }
