"""The real HTTP layers of vLLM-Omni 0.30.0 and SGLang 0.5.23, from their PyPI wheels, as
child processes on 127.0.0.1 (their own venv, scripts/install-real-servers.sh).

Each launcher (`vllm_omni_server.py`, ...) runs the wheel's own routes, form parsing, job
store and MP4 encoding; only the GPU engine is faked and the uninstallable modules are
inert (`stubs.py`). `RealServer` starts one, waits for its health answer and stops it by
its own pid.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).parents[3]
HERE = Path(__file__).parent


def venv_python() -> Path:
    """The real servers' Python, installed (and cached) by scripts/install-real-servers.sh,
    which `make test` runs first; installed here on first use otherwise. Never skipped."""
    venv = Path(os.environ.get("SORA_REALSERVERS_VENV", ROOT / ".venv-realservers"))
    python = venv / "bin" / "python"
    script = ROOT / "scripts" / "install-real-servers.sh"
    result = subprocess.run(
        ["bash", str(script)],
        cwd=ROOT,
        env={**os.environ, "SORA_REALSERVERS_VENV": str(venv)},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if result.returncode != 0 or not python.exists():
        pytest.fail(f"The real servers could not be installed:\n{result.stderr[-2000:]}")
    return python


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RealServer:
    """`python <launcher> PORT [args]` in the real servers' venv, stopped by its own pid."""

    def __init__(self, launcher: str, log: Path, *args: str) -> None:
        self.port = _free_port()
        self.log = log
        env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost"}
        with open(log, "wb") as out:
            self.process = subprocess.Popen(
                [str(venv_python()), str(HERE / launcher), str(self.port), *args],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=log.parent,
            )

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 120.0) -> RealServer:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"{self.log.stem} exited:\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.root}/health", timeout=2).is_success:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        pytest.fail(
            f"{self.log.stem} did not start in {timeout} s:\n{self.log.read_text()[-3000:]}"
        )

    def engine(self) -> dict[str, Any]:
        """What reached the fake engine (the launcher's `/_engine/seen`, not a server route)."""
        answer: dict[str, Any] = httpx.get(f"{self.root}/_engine/seen", timeout=5).json()
        return answer

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
