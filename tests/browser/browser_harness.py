"""Front-end server processes for the browser tests (no Playwright import here).

Three front ends, one shape (``FrontEnd``): JupyterLab 4 (``kind="lab"``), Jupyter Notebook 7
(``"notebook"``) and marimo (``"marimo"``, ``marimo edit --headless --no-token``, or
``marimo run`` with ``mode="run"``). Each runs
on 127.0.0.1 at a free port with every config, data, runtime and cache dir (and HOME) inside a
temp folder, is started with exec semantics (its PID is the server), awaited by HTTP polling
and stopped by that PID (terminate, then kill). Environment variables that would point the
studio at a real backend are never passed on; ``PYTHONPATH`` is, so kernels import the
checkout under test.

A front end that cannot start FAILS the test (never skips): the browser set is selected with
``-m browser`` and deselected with ``-m "not browser"``; a selected test that cannot run is
a failure, in CI and here.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM_PATHS = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Videos start without a user gesture (the tests click, but a re-render may not).
    "--autoplay-policy=no-user-gesture-required",
]

# The emulator speed the notebooks read. Fast, yet slow enough (a 4 s clip renders in about
# 5 s) that a person, and this test, sees the progress bar move between polls.
EMULATOR_SPEED_ENV = "SORA_NOTEBOOK_EMULATOR_SPEED"
EMULATOR_SPEED = "4"

# Variables that would point the studio at a real backend (or a real key): never passed on.
BACKEND_ENV_PREFIXES = ("OPENAI_", "AZURE_OPENAI_", "SORA_NOTEBOOK_", "OPENROUTER_", "TOGETHER_")
BACKEND_ENV_NAMES = ("LITELLM_PROXY_API_BASE", "LITELLM_PROXY_API_KEY")

SERVER_START_TIMEOUT = 120.0
KINDS = ("lab", "notebook", "marimo")


def unavailable(reason: str) -> None:
    """A selected browser test that cannot run fails, with what to do."""
    pytest.fail(
        f"{reason}. The browser tests need it (deselect them with -m 'not browser').",
        pytrace=False,
    )


def find_chromium() -> str | None:
    for candidate in CHROMIUM_PATHS:
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _overrides() -> dict:
    # The news / update-check toast would cover the page on first visit.
    return {
        "@jupyterlab/apputils-extension:notification": {
            "fetchNews": "false",
            "checkForUpdates": False,
        }
    }


@dataclass
class FrontEnd:
    """One front-end server process on a temp folder; ``kind`` is lab, notebook or marimo."""

    kind: str
    base: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    notebook: str | None = None  # marimo: the .py file it serves (relative to ``root``)
    mode: str = "edit"  # marimo: "edit" (the editor) or "run" (the app view)
    port: int = 0
    proc: subprocess.Popen | None = None

    @property
    def root(self) -> Path:
        """The folder the server serves; put notebooks and media here."""
        return self.base / "root"

    @property
    def log_path(self) -> Path:
        return self.base / f"{self.kind}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def page_url(self, path: str) -> str:
        """Where a person opens the notebook at ``path`` (relative to ``root``)."""
        if self.kind == "lab":
            return f"/lab/tree/{path}"
        if self.kind == "notebook":
            return f"/notebooks/{path}"
        return "/"

    def log_tail(self, chars: int = 20_000) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return text[-chars:]

    # ------------------------------------------------------------------ environment

    def _env(self) -> dict[str, str]:
        home = self.base / "home"
        dirs = {
            "JUPYTER_CONFIG_DIR": self.base / "jupyter" / "config",
            "JUPYTER_DATA_DIR": self.base / "jupyter" / "data",
            "JUPYTER_RUNTIME_DIR": self.base / "jupyter" / "runtime",
            "IPYTHONDIR": self.base / "ipython",
            "JUPYTERLAB_SETTINGS_DIR": self.base / "jupyter" / "lab" / "user-settings",
            "JUPYTERLAB_WORKSPACES_DIR": self.base / "jupyter" / "lab" / "workspaces",
            "HOME": home,
            "XDG_CACHE_HOME": home / ".cache",
            "XDG_CONFIG_HOME": home / ".config",
            "XDG_DATA_HOME": home / ".local" / "share",
            "XDG_STATE_HOME": home / ".local" / "state",
            "MPLCONFIGDIR": home / ".matplotlib",
        }
        for path in dirs.values():
            path.mkdir(parents=True, exist_ok=True)
        self.root.mkdir(parents=True, exist_ok=True)
        settings = self.base / "lab-settings"
        settings.mkdir(exist_ok=True)
        (settings / "overrides.json").write_text(json.dumps(_overrides()), encoding="utf-8")
        env = {
            key: value
            for key, value in os.environ.items()
            # Never reach a real backend from a test: the notebooks must see the emulator.
            if not key.startswith(BACKEND_ENV_PREFIXES) and key not in BACKEND_ENV_NAMES
        }
        env.update({key: str(value) for key, value in dirs.items()})
        env["PYTHONUNBUFFERED"] = "1"
        # Kernels run this interpreter's environment (and PYTHONPATH, inherited above).
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        env["MARIMO_SKIP_UPDATE_CHECK"] = "1"
        env.update(self.extra_env)
        return env

    def _command(self) -> list[str]:
        if self.kind == "marimo":
            return self._marimo_command()
        app = "lab" if self.kind == "lab" else "notebook"
        klass = "LabApp" if self.kind == "lab" else "JupyterNotebookApp"
        cmd = [
            sys.executable,
            "-m",
            "jupyter",
            app,
            "--no-browser",
            "--expose-app-in-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            "--IdentityProvider.token=",
            "--ServerApp.password=",
            f"--ServerApp.root_dir={self.root}",
            "--ServerApp.terminals_enabled=False",
            f"--{klass}.app_settings_dir={self.base / 'lab-settings'}",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        return cmd

    def _marimo_command(self) -> list[str]:
        if not self.notebook:
            raise ValueError("marimo serves one notebook: pass notebook='name.py'")
        marimo = shutil.which("marimo", path=str(Path(sys.executable).parent))
        if marimo is None:
            unavailable("marimo is not installed (pip install -e '.[test]')")
        edit_only = ["--skip-update-check"] if self.mode == "edit" else []
        return [
            str(marimo),
            self.mode,
            "--headless",
            "--no-token",
            *edit_only,
            "--no-sandbox",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            self.notebook,
        ]

    # ------------------------------------------------------------------ process

    def _ready(self) -> bool:
        path = "/api/status" if self.kind != "marimo" else "/health"
        try:
            with urllib.request.urlopen(f"{self.url}{path}", timeout=5) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def start(self) -> None:
        env = self._env()
        for _attempt in range(3):
            self.port = free_port()
            log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child
            try:
                # `python -m jupyter lab` execs jupyter-lab; marimo is its own script: the
                # PID is the server either way.
                self.proc = subprocess.Popen(
                    self._command(),
                    cwd=self.root,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            finally:
                log.close()
            deadline = time.monotonic() + SERVER_START_TIMEOUT
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                if self._ready():
                    return
                time.sleep(0.25)
            exited = self.proc.poll() is not None
            self.stop()
            if not (exited and "in use" in self.log_tail(4000)):
                break  # not a port race: do not retry
        pytest.fail(
            f"{self.kind} did not start on {self.url}.\n--- log ---\n{self.log_tail()}",
            pytrace=False,
        )

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    # ------------------------------------------------------------------ REST helpers

    def get_json(self, path: str):
        with urllib.request.urlopen(f"{self.url}{path}", timeout=10) as response:
            return json.loads(response.read().decode("utf-8"))

    def sessions(self) -> list[dict]:
        return self.get_json("/api/sessions")

    def wait_kernel_idle(self, path: str, timeout: float = 120.0) -> dict:
        """Wait until the notebook at ``path`` has a connected, idle kernel (Jupyter only).

        The toolbar says idle before the kernel exists; Run All before this does nothing.
        """
        deadline = time.monotonic() + timeout
        last: list[dict] = []
        while time.monotonic() < deadline:
            with contextlib.suppress(urllib.error.URLError, OSError, ValueError):
                last = self.sessions()
                for session in last:
                    if session.get("path") != path:
                        continue
                    kernel = session.get("kernel") or {}
                    if (
                        kernel.get("connections", 0) >= 1
                        and kernel.get("execution_state") == "idle"
                    ):
                        return session
            time.sleep(0.25)
        pytest.fail(f"no idle, connected kernel for {path} after {timeout:.0f} s; sessions: {last}")


def start_frontend(
    kind: str, base: Path, extra_env: dict[str, str] | None = None, *, notebook: str | None = None
) -> FrontEnd:
    """Start a front end on ``base`` (a temp folder); the caller stops it."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    server = FrontEnd(kind=kind, base=base, extra_env=dict(extra_env or {}), notebook=notebook)
    if notebook and kind == "marimo":
        server.root.mkdir(parents=True, exist_ok=True)
    server.start()
    return server


def start_lab(base: Path, extra_env: dict[str, str] | None = None) -> FrontEnd:
    """JupyterLab on ``base`` (kept for the smoke and quickstart tests)."""
    return start_frontend("lab", base, extra_env)
