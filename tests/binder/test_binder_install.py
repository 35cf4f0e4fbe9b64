"""Binder: install the project the way ``binder/`` tells mybinder.org to, then run the quickstart.

repo2docker copies the repository in and runs ``pip install --no-cache-dir -r
binder/requirements.txt`` from its root. This test does the same into a clean virtual
environment in a temp folder (a copy of the files a clone would hold, a fresh venv, no
system site-packages, no pip cache), then executes ``notebooks/01-quickstart.ipynb``
headless with nbconvert in that environment and checks every cell ran without error.

Takes about a minute on 2 cores (the install is most of it; measured ~36 s).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
BINDER = REPO / "binder"
QUICKSTART = "notebooks/01-quickstart.ipynb"

# Fast emulator for the headless run (the same variable the browser tests set).
EMULATOR_SPEED_ENV = "SORA_NOTEBOOK_EMULATOR_SPEED"
EMULATOR_SPEED = "20"

INSTALL_TIMEOUT = 900
EXECUTE_TIMEOUT = 600


def copy_clone_files(dest: Path) -> Path:
    """Copy what a clone of the repository would hold (tracked and unignored files)."""
    try:
        listing = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=REPO,
            capture_output=True,
            check=True,
        ).stdout.decode("utf-8")
    except (OSError, subprocess.CalledProcessError):
        shutil.copytree(
            REPO,
            dest,
            ignore=shutil.ignore_patterns(
                ".git", ".venv", "__pycache__", "*.egg-info", ".*_cache", "sora_studio"
            ),
        )
        return dest
    for rel in filter(None, listing.split("\0")):
        src = REPO / rel
        if not src.is_file():  # deleted in the work tree
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
    return dest


def clean_env(base: Path, venv: Path) -> dict[str, str]:
    """The environment of a fresh shell with ``venv`` first on PATH; HOME and Jupyter dirs
    inside ``base`` so nothing is written to the real home; no variable that would point the
    studio at a real backend."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP"}
        and not key.startswith(("JUPYTER", "IPYTHON", "SORA_NOTEBOOK_", "OPENAI_", "AZURE_OPENAI_"))
    }
    dirs = {
        "HOME": base / "home",
        "JUPYTER_CONFIG_DIR": base / "jupyter" / "config",
        "JUPYTER_DATA_DIR": base / "jupyter" / "data",
        "JUPYTER_RUNTIME_DIR": base / "jupyter" / "runtime",
        "IPYTHONDIR": base / "ipython",
        "XDG_CACHE_HOME": base / "home" / ".cache",
        "MPLCONFIGDIR": base / "home" / ".matplotlib",
    }
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    env.update({key: str(path) for key, path in dirs.items()})
    env["PATH"] = os.pathsep.join([str(venv / "bin"), env.get("PATH", "")])
    env["VIRTUAL_ENV"] = str(venv)
    env["PYTHONUNBUFFERED"] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def run(cmd: list[str], *, cwd: Path, env: dict[str, str], timeout: float) -> str:
    proc = subprocess.run(
        cmd,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{' '.join(cmd)} exited {proc.returncode}:\n{output[-20_000:]}"
    return output


def binder_install(base: Path) -> tuple[Path, Path, dict[str, str]]:
    """Copy the repository to ``base/repo`` and install it into ``base/venv`` as Binder does."""
    repo = copy_clone_files(base / "repo")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    env = clean_env(base, venv)
    run(
        [str(venv / "bin" / "pip"), "install", "--no-cache-dir", "-r", "binder/requirements.txt"],
        cwd=repo,
        env=env,
        timeout=INSTALL_TIMEOUT,
    )
    return repo, venv, env


def execute_notebook(repo: Path, venv: Path, env: dict[str, str], notebook: str) -> dict:
    """Run ``notebook`` top to bottom with nbconvert in ``venv``; return the executed notebook."""
    out_dir = repo.parent / "executed"
    run(
        [
            str(venv / "bin" / "jupyter"),
            "nbconvert",
            "--to",
            "notebook",
            "--execute",
            f"--ExecutePreprocessor.timeout={EXECUTE_TIMEOUT}",
            "--output-dir",
            str(out_dir),
            notebook,
        ],
        cwd=repo,
        env={**env, EMULATOR_SPEED_ENV: EMULATOR_SPEED},
        timeout=EXECUTE_TIMEOUT + 120,
    )
    return json.loads((out_dir / Path(notebook).name).read_text(encoding="utf-8"))


def test_runtime_is_a_supported_python():
    runtime = (BINDER / "runtime.txt").read_text(encoding="utf-8").strip()
    match = re.fullmatch(r"python-3\.(\d+)", runtime)
    assert match, f"binder/runtime.txt should read python-3.X, not {runtime!r}"
    assert int(match.group(1)) >= 10, "the project requires Python >= 3.10"


def test_requirements_install_this_repository_with_lab():
    lines = [
        line.strip()
        for line in (BINDER / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert any(re.fullmatch(r"(-e\s+)?\.\[(.*,)?lab(,.*)?\]", line) for line in lines), lines


def test_binder_install_runs_the_quickstart(tmp_path):
    assert (REPO / QUICKSTART).is_file(), f"{QUICKSTART} is missing: Binder opens it"
    repo, venv, env = binder_install(tmp_path)

    # The package comes from the repository copy, not from the developer's environment.
    where = run(
        [str(venv / "bin" / "python"), "-c", "import sora_notebook; print(sora_notebook.__file__)"],
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert str(repo / "sora_notebook") in where, where

    executed = execute_notebook(repo, venv, env, QUICKSTART)
    code_cells = [
        cell
        for cell in executed["cells"]
        if cell["cell_type"] == "code" and "".join(cell.get("source", "")).strip()
    ]
    assert code_cells, "the quickstart has no code cell"
    errors = [
        output
        for cell in code_cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert not errors, errors
    assert all(cell.get("execution_count") for cell in code_cells)
    # The quickstart shows the panel: at least one widget view was displayed.
    assert any(
        "application/vnd.jupyter.widget-view+json" in output.get("data", {})
        for cell in code_cells
        for output in cell.get("outputs", [])
    ), "the quickstart displayed no widget (the panel)"
