"""Fixtures for the browser tests: a real JupyterLab in Debian's headless Chromium.

House rule 8: Playwright is imported in this folder only.

- ``lab_server`` (session): see ``browser_harness.LabServer``; the emulator runs in fast mode
  (``SORA_NOTEBOOK_EMULATOR_SPEED``). Its log is attached to every failing test that used it.
- ``browser`` (module): Debian's Chromium through Playwright (module scope: see there).
- ``page`` (function): a fresh browser context on the server (``page.goto("/lab/...")``
  works); on failure a screenshot is saved (path in the report) with the browser console.

In CI (``CI=true``) a missing Playwright or Chromium FAILS the tests; locally they skip
with the reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_harness import (
    CHROMIUM_ARGS,
    EMULATOR_SPEED,
    EMULATOR_SPEED_ENV,
    find_chromium,
    start_lab,
    unavailable,
)

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None


def _require_browser() -> str:
    if sync_playwright is None:
        unavailable("playwright is not installed (pip install playwright)")
    executable = find_chromium()
    if executable is None:
        unavailable("Debian's Chromium is missing (bash scripts/install-chromium.sh)")
    return executable


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory):
    """One JupyterLab for the session, the emulator in fast mode for the notebooks."""
    _require_browser()  # without a browser, skip (or fail in CI) before starting Lab
    server = start_lab(tmp_path_factory.mktemp("jupyterlab"), {EMULATOR_SPEED_ENV: EMULATOR_SPEED})
    try:
        yield server
    finally:
        server.stop()


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="module")
def browser():
    """Chromium for one test module.

    Module scope, not session: while sync Playwright is started, its event loop counts as
    running in this thread, and pytest-asyncio cannot run the async tests of other modules.
    """
    executable = _require_browser()
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture
def page(browser, lab_server, screenshot_dir):
    """A fresh page whose relative URLs point at ``lab_server``."""
    context = browser.new_context(base_url=lab_server.url, viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(60_000)
    pg = context.new_page()
    pg.console_lines = []  # type: ignore[attr-defined]
    pg.on("console", lambda msg: pg.console_lines.append(f"{msg.type}: {msg.text}"))
    pg.on("pageerror", lambda err: pg.console_lines.append(f"pageerror: {err}"))
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not report.failed:
        return
    funcargs = getattr(item, "funcargs", {})
    server = funcargs.get("lab_server")
    pg = funcargs.get("page")
    if pg is not None and report.when == "call":
        shots = funcargs.get("screenshot_dir")
        if shots is not None:
            path = Path(shots) / f"{item.name}.png"
            try:
                pg.screenshot(path=str(path), full_page=True)
                report.sections.append(("browser screenshot", str(path)))
            except Exception as exc:  # the page may be gone; the report matters more
                report.sections.append(("browser screenshot", f"failed: {exc!r}"))
        lines = getattr(pg, "console_lines", [])
        if lines:
            report.sections.append(("browser console", "\n".join(lines[-200:])))
    if server is not None:
        report.sections.append(("jupyterlab log", server.log_tail()))
