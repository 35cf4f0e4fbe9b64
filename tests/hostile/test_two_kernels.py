"""Two kernels, one folder (reliability review 2, item 5 of issue 20): two notebooks
opened in the same folder share the default library, and each runs its own in-process
emulator kept beside it. Each polled the other's jobs against its own emulator, got 404
and marked them failed; all four jobs of two processes ended failed. Now the emulators
share their jobs through the folder, so a job is only judged gone by a server that could
know it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # two Python processes rendering

SCRIPT = Path(__file__).with_name("two_kernels_script.py")
CLEAN = (
    *("SORA_NOTEBOOK_BASE_URL", "OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT"),
    *("OPENROUTER_API_KEY", "TOGETHER_API_KEY", "LITELLM_PROXY_API_BASE"),
)


def test_two_kernels_on_the_default_backend_finish_all_four_jobs(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in CLEAN}
    env.update(SORA_NOTEBOOK_EMULATOR_SPEED="20", SORA_NOTEBOOK_EMULATOR_RENDER="draft")
    root = tmp_path / "lib"
    kernels = [
        subprocess.Popen(
            [sys.executable, str(SCRIPT), str(root), name],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for name in ("first", "second")
    ]
    outputs = []
    for kernel in kernels:
        out, err = kernel.communicate(timeout=300)
        assert kernel.returncode == 0, err[-2000:]
        outputs.append(json.loads(out.strip().splitlines()[-1]))
    for seen in outputs:
        mine = seen.pop("mine")
        assert len(mine) == 2
        assert len(seen) == 4 and set(seen.values()) == {"completed"}, seen
