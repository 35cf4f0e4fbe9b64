"""The browser harness's own rules, without a browser (these run in the fast set).

A selected browser test that cannot run FAILS (never skips), in CI and here; a front end
that exits at start fails with its log; no variable that would reach a real backend or key
is passed to a front end, and PYTHONPATH is (kernels import the checkout under test).
"""

from __future__ import annotations

import sys

import pytest
from browser_harness import FrontEnd, unavailable


def test_a_missing_piece_fails_not_skips():
    with pytest.raises(pytest.fail.Exception, match="deselect them with -m 'not browser'"):
        unavailable("Debian's Chromium is missing")


def test_a_front_end_that_exits_at_start_fails_with_its_log(tmp_path, monkeypatch):
    server = FrontEnd(kind="lab", base=tmp_path)
    crash = [sys.executable, "-c", "import sys; print('no such option'); sys.exit(3)"]
    monkeypatch.setattr(server, "_command", lambda: crash)
    with pytest.raises(pytest.fail.Exception, match=r"(?s)lab did not start.*no such option"):
        server.start()
    assert server.proc is None


def test_no_backend_or_key_reaches_a_front_end(tmp_path, monkeypatch):
    for name in ("OPENAI_API_KEY", "SORA_NOTEBOOK_BASE_URL", "OPENROUTER_API_KEY",
                 "LITELLM_PROXY_API_BASE", "AZURE_OPENAI_API_KEY"):  # fmt: skip
        monkeypatch.setenv(name, "sk-secret")
    monkeypatch.setenv("PYTHONPATH", "/checkout")
    env = FrontEnd(kind="marimo", base=tmp_path, extra_env={"X": "1"})._env()
    assert "sk-secret" not in env.values()
    assert env["PYTHONPATH"] == "/checkout" and env["X"] == "1"
    assert env["HOME"].startswith(str(tmp_path))
    assert all(env[k].startswith(str(tmp_path)) for k in ("JUPYTER_CONFIG_DIR", "IPYTHONDIR"))


def test_marimo_serves_one_notebook_in_edit_or_run_mode(tmp_path):
    edit = FrontEnd(kind="marimo", base=tmp_path, notebook="q.py", port=1234)._command()
    run = FrontEnd(kind="marimo", base=tmp_path, notebook="q.py", port=1, mode="run")._command()
    assert edit[1:3] == ["edit", "--headless"] and "--no-token" in edit and edit[-1] == "q.py"
    assert run[1] == "run" and "--skip-update-check" not in run
    assert edit[edit.index("--host") + 1] == "127.0.0.1"
