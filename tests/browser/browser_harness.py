"""JupyterLab process and page helpers for the browser tests (no Playwright import here).

- ``LabServer`` / ``start_lab(base, extra_env)``: JupyterLab on a temp folder, 127.0.0.1, a
  free port, an empty token, every Jupyter/IPython dir and HOME inside the temp folder, the
  news popup switched off by an ``overrides.json`` in a temp ``app_settings_dir``; started
  with exec semantics (its PID is the server), awaited by HTTP polling, stopped by PID
  (terminate, then kill).
- ``open_notebook(page, path, server)``, ``wait_kernel_idle(server, path)``,
  ``run_all(page)``, ``cell_errors(page)``: drive a notebook as a person would.
- ``write_notebook(path, cells)``, ``make_mp4(path)``: material for tests.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}

CHROMIUM_PATHS = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# The emulator speed the notebooks read. Fast, yet slow enough (a 4 s clip renders in about
# 5 s) that a person, and this test, sees the progress bar move between polls.
EMULATOR_SPEED_ENV = "SORA_NOTEBOOK_EMULATOR_SPEED"
EMULATOR_SPEED = "4"

# Variables that would point the studio at a real backend (or a real key): never passed on.
BACKEND_ENV_PREFIXES = ("OPENAI_", "AZURE_OPENAI_", "SORA_NOTEBOOK_")

SERVER_START_TIMEOUT = 120.0
KERNEL_TIMEOUT = 120.0
RUN_TIMEOUT = 180.0


def unavailable(reason: str) -> None:
    """Skip locally; fail in CI, where the browser tests must run."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the browser tests must run, not skip)", pytrace=False)
    pytest.skip(reason)


def find_chromium() -> str | None:
    for candidate in CHROMIUM_PATHS:
        if os.access(candidate, os.X_OK):
            return candidate
    return None


# --------------------------------------------------------------------------- server


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LabServer:
    """One JupyterLab process on a temp folder."""

    base: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    proc: subprocess.Popen | None = None

    @property
    def root(self) -> Path:
        """The folder JupyterLab serves; put notebooks and media here."""
        return self.base / "root"

    @property
    def log_path(self) -> Path:
        return self.base / "jupyterlab.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, chars: int = 20_000) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return text[-chars:]

    def _prepare(self) -> dict[str, str]:
        dirs = {
            "JUPYTER_CONFIG_DIR": self.base / "jupyter" / "config",
            "JUPYTER_DATA_DIR": self.base / "jupyter" / "data",
            "JUPYTER_RUNTIME_DIR": self.base / "jupyter" / "runtime",
            "IPYTHONDIR": self.base / "ipython",
            "JUPYTERLAB_SETTINGS_DIR": self.base / "jupyter" / "lab" / "user-settings",
            "JUPYTERLAB_WORKSPACES_DIR": self.base / "jupyter" / "lab" / "workspaces",
            "HOME": self.base / "home",
            "XDG_CACHE_HOME": self.base / "home" / ".cache",
            "XDG_CONFIG_HOME": self.base / "home" / ".config",
            "XDG_DATA_HOME": self.base / "home" / ".local" / "share",
            "MPLCONFIGDIR": self.base / "home" / ".matplotlib",
        }
        for path in dirs.values():
            path.mkdir(parents=True, exist_ok=True)
        self.root.mkdir(parents=True, exist_ok=True)
        # The news / update-check toast would cover the page on first visit.
        settings = self.base / "lab-settings"
        settings.mkdir(exist_ok=True)
        (settings / "overrides.json").write_text(
            json.dumps(
                {
                    "@jupyterlab/apputils-extension:notification": {
                        "fetchNews": "false",
                        "checkForUpdates": False,
                    }
                },
                indent=2,
            ),
            encoding="utf-8",
        )
        env = {
            key: value
            for key, value in os.environ.items()
            # Never reach a real backend from a test: the notebooks must see the emulator.
            if not key.startswith(BACKEND_ENV_PREFIXES)
        }
        env.update({key: str(value) for key, value in dirs.items()})
        env["PYTHONUNBUFFERED"] = "1"
        # Kernels run this interpreter's environment.
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        env.update(self.extra_env)
        return env

    def _command(self) -> list[str]:
        cmd = [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            "--expose-app-in-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            "--IdentityProvider.token=",
            "--ServerApp.password=",
            f"--ServerApp.root_dir={self.root}",
            "--ServerApp.terminals_enabled=False",
            f"--LabApp.app_settings_dir={self.base / 'lab-settings'}",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        return cmd

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/api/status", timeout=5) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def start(self) -> None:
        env = self._prepare()
        for _attempt in range(3):
            self.port = _free_port()
            log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child
            try:
                # `python -m jupyter lab` execs jupyter-lab, so this PID is the server.
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
            if not (exited and "already in use" in self.log_tail(4000)):
                break  # not a port race: do not retry
        pytest.fail(
            f"JupyterLab did not start on {self.url}.\n--- log ---\n{self.log_tail()}",
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


def start_lab(base: Path, extra_env: dict[str, str] | None = None) -> LabServer:
    """Start a JupyterLab on ``base`` (a temp folder); the caller stops it."""
    server = LabServer(base=base, extra_env=dict(extra_env or {}))
    server.start()
    return server


# --------------------------------------------------------------------------- page helpers


def write_notebook(path: Path, cells: list[str]) -> Path:
    """Write a minimal nbformat-4 notebook of code cells with the python3 kernel."""
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": f"cell-{i}",
                "metadata": {},
                "outputs": [],
                "source": source,
            }
            for i, source in enumerate(cells)
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return path


def make_mp4(path: Path, *, seconds: float = 4.0, size=(320, 240), fps: int = 24) -> Path:
    """A small H.264 MP4 (moov first) of a moving gradient, made with PyAV."""
    import av
    import numpy as np

    width, height = size
    with av.open(str(path), mode="w", format="mp4", options={"movflags": "+faststart"}) as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "ultrafast"}
        stream.gop_size = fps
        x = np.linspace(0, 255, width, dtype=np.float32)[None, :]
        y = np.linspace(0, 255, height, dtype=np.float32)[:, None]
        for i in range(int(seconds * fps)):
            shift = 255.0 * i / (seconds * fps)
            frame = np.empty((height, width, 3), dtype=np.uint8)
            frame[..., 0] = (x + shift) % 256
            frame[..., 1] = (y + 2 * shift) % 256
            frame[..., 2] = 128
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def wait_kernel_idle(server: LabServer, path: str, timeout: float = KERNEL_TIMEOUT) -> dict:
    """Wait until the notebook at ``path`` has a connected, idle kernel.

    The toolbar says idle before the kernel exists; Run All before this silently does nothing.
    """
    deadline = time.monotonic() + timeout
    last: list[dict] = []
    while time.monotonic() < deadline:
        with contextlib.suppress(urllib.error.URLError, OSError, ValueError):
            last = server.sessions()
            for session in last:
                if session.get("path") != path:
                    continue
                kernel = session.get("kernel") or {}
                if kernel.get("connections", 0) >= 1 and kernel.get("execution_state") == "idle":
                    return session
        time.sleep(0.25)
    pytest.fail(f"no idle, connected kernel for {path} after {timeout:.0f} s; sessions: {last}")


def open_notebook(page, path: str, server: LabServer | None = None) -> None:
    """Open ``path`` (relative to the server root) in JupyterLab and wait for its kernel."""
    page.goto(f"/lab/tree/{path}")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=90_000)
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook").first.wait_for(
        state="visible", timeout=90_000
    )
    if server is not None:
        wait_kernel_idle(server, path)


def run_all(page, timeout: float = RUN_TIMEOUT, *, check: bool = True) -> None:
    """Run every cell of the current notebook (Run All) and wait until it has finished.

    With ``check`` (the default) fail if a cell raised or was left unexecuted, with the
    traceback text from the page.
    """
    page.evaluate(
        """() => {
          window.__snRunAll = 'running';
          window.jupyterapp.commands.execute('notebook:run-all-cells').then(
            () => { window.__snRunAll = 'done'; },
            (err) => { window.__snRunAll = 'error: ' + err; });
        }"""
    )
    page.wait_for_function("() => window.__snRunAll !== 'running'", timeout=timeout * 1000)
    state = page.evaluate("() => window.__snRunAll")
    if not check:
        return
    errors = cell_errors(page)
    prompts = page.evaluate(
        """() => [...document.querySelectorAll(
            '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputArea-prompt')]
            .map(p => p.textContent.trim())"""
    )
    unrun = [p for p in prompts if not any(ch.isdigit() for ch in p)]
    assert state == "done" and not errors and not unrun, (
        f"Run All: {state}; prompts {prompts}; errors:\n" + "\n---\n".join(errors)
    )


def cell_errors(page) -> list[str]:
    """Texts of the tracebacks shown in the visible notebook."""
    return page.evaluate(
        """() => [...document.querySelectorAll(
            '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output')]
            .map(el => el.textContent)
            .filter(text => text.includes('Traceback'))"""
    )
