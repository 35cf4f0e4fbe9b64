"""A real LiteLLM proxy (its own venv, scripts/install-litellm.sh) in front of the
emulator on 127.0.0.1, for the project's client and studio to go through."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).parents[2]
MASTER_KEY = "sk-litellm-test-master"
#: A long model name: the proxy encodes it into every id (262 characters).
LONG_GROUP = "sora-2-pro-2025-10-06"


def litellm_binary() -> Path:
    """The proxy's executable, installed (and cached) by scripts/install-litellm.sh, which
    `make test` runs first; installed here on first use otherwise. A proxy that cannot be
    installed fails the test: it is never skipped."""
    venv = Path(os.environ.get("SORA_LITELLM_VENV", ROOT / ".venv-litellm"))
    binary = venv / "bin" / "litellm"
    if binary.exists():
        return binary
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "install-litellm.sh")],
        cwd=ROOT,
        env={**os.environ, "SORA_LITELLM_VENV": str(venv)},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if result.returncode != 0 or not binary.exists():
        pytest.fail(f"LiteLLM's proxy could not be installed:\n{result.stderr[-2000:]}")
    return binary


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


#: The model group in front of the Veo upstream (LiteLLM's price: $0.40 per second).
VEO_GROUP = "veo-3.1"
#: Model groups in front of the Runway upstream: gen4.5 (text or image to video, LiteLLM's
#: price $0.12 per second) and gen4_turbo (image to video only, $0.05 per second).
RUNWAY_GROUP = "runway-gen4.5"
RUNWAY_TURBO = "runway-gen4-turbo"


def write_config(
    folder: Path,
    upstream: str,
    veo: str | None = None,
    names: tuple[str, ...] = (),
    runway: str | None = None,
) -> Path:
    """A proxy config routing model groups to the emulator (the openai provider): `names`,
    else the long group and sora-2; one to a Veo upstream (the gemini provider) when `veo`
    is its root URL, and two to a Runway upstream (the runwayml provider) when `runway` is."""
    groups = [
        (name, f"openai/{name}", upstream, "sk-emulator")
        for name in names or (LONG_GROUP, "sora-2")
    ]
    if veo is not None:
        groups.append((VEO_GROUP, "gemini/veo-3.1-generate-preview", veo, "veo-upstream-key"))
    if runway is not None:
        for group, model in ((RUNWAY_GROUP, "gen4.5"), (RUNWAY_TURBO, "gen4_turbo")):
            groups.append((group, f"runwayml/{model}", f"{runway}/v1", "runway-upstream-key"))
    lines = ["model_list:"]
    for name, model, base, key in groups:
        lines += [
            f"  - model_name: {name}",
            "    litellm_params:",
            f"      model: {model}",
            f"      api_base: {base}",
            f"      api_key: {key}",
        ]
    lines += ["general_settings:", f"  master_key: {MASTER_KEY}", ""]
    path = folder / "litellm.yaml"
    path.write_text("\n".join(lines))
    return path


class Proxy:
    """`litellm --config ...` as a child process, stopped by its own pid."""

    def __init__(self, config: Path, log: Path) -> None:
        self.port = _free_port()
        self.log = log
        env = {
            **os.environ,
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "LITELLM_TELEMETRY": "False",
            "NO_PROXY": "127.0.0.1,localhost",
        }
        env.pop("DATABASE_URL", None)
        with open(log, "wb") as out:
            self.process = subprocess.Popen(
                [
                    str(litellm_binary()),
                    "--config",
                    str(config),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--num_workers",
                    "1",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=config.parent,
            )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"LiteLLM's proxy exited:\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.base_url}/health/liveliness", timeout=2).is_success:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.stop()
        pytest.fail(
            f"LiteLLM's proxy did not start in {timeout} s:\n{self.log.read_text()[-3000:]}"
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
