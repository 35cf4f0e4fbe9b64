"""Fixtures for the browser tests: real front ends in Debian's headless Chromium.

House rule 8: Playwright is imported in this folder only.

- ``lab_server`` / ``notebook_server`` (session): JupyterLab 4 / Notebook 7 on a temp folder
  (``browser_harness.FrontEnd``), the emulator in fast mode (``SORA_NOTEBOOK_EMULATOR_SPEED``).
- ``marimo_factory`` (module): ``marimo_factory(path, mode)`` serves one marimo notebook
  (one file per process; ``marimo edit`` or ``marimo run``), with a user config that runs
  the cells on open.
- ``browser`` (module): Debian's Chromium through Playwright (module scope: see there).
- ``page`` (function, JupyterLab) and ``page_for(server, **context)``: a fresh browser
  context on a server (``page.goto("/lab/...")`` works).
On failure every page of the test is screenshotted (path in the report) with its console,
and the log of every server it used is attached. A missing Playwright, Chromium, notebook or
marimo FAILS the test (``browser_harness.unavailable``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_harness import (
    CHROMIUM_ARGS,
    EMULATOR_SPEED,
    EMULATOR_SPEED_ENV,
    FrontEnd,
    find_chromium,
    start_frontend,
    unavailable,
)
from browser_pages import marimo_config

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None

FAST = {EMULATOR_SPEED_ENV: EMULATOR_SPEED}
VIEWPORT = {"width": 1400, "height": 1000}


def _require_browser() -> str:
    if sync_playwright is None:
        unavailable("playwright is not installed (pip install -e '.[test]')")
    executable = find_chromium()
    if executable is None:
        unavailable("Debian's Chromium is missing (bash scripts/install-chromium.sh)")
    return executable


def _start(kind: str, base: Path, *, notebook: str | None = None):
    _require_browser()  # without a browser, fail before starting a server
    return start_frontend(kind, base, FAST, notebook=notebook)


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory):
    """One JupyterLab for the session, the emulator in fast mode for the notebooks."""
    server = _start("lab", tmp_path_factory.mktemp("jupyterlab"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def notebook_server(tmp_path_factory):
    """One Jupyter Notebook 7 for the session."""
    server = _start("notebook", tmp_path_factory.mktemp("notebook7"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def marimo_factory(tmp_path_factory):
    """``marimo_factory(source, mode="edit"|"run")`` -> a marimo server on a copy of it."""
    started: list[FrontEnd] = []

    def make(source: Path, mode: str = "edit") -> FrontEnd:
        base = tmp_path_factory.mktemp("marimo")
        server = FrontEnd(
            kind="marimo", base=base, extra_env=dict(FAST), notebook=source.name, mode=mode
        )
        server.root.mkdir(parents=True, exist_ok=True)
        (server.root / source.name).write_bytes(source.read_bytes())
        marimo_config(server)
        _require_browser()
        started.append(server)
        server.start()
        return server

    try:
        yield make
    finally:
        for server in started:
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
def page_for(browser, request, screenshot_dir):
    """``page_for(server, color_scheme=..., viewport=...)`` -> a fresh page on ``server``."""
    contexts = []
    request.node.sn_pages = []
    request.node.sn_servers = []
    request.node.sn_shots = screenshot_dir

    def make(server: FrontEnd, **options):
        options.setdefault("viewport", VIEWPORT)
        context = browser.new_context(base_url=server.url, **options)
        context.set_default_timeout(60_000)
        contexts.append(context)
        pg = context.new_page()
        pg.console_lines = []  # type: ignore[attr-defined]
        pg.on("console", lambda msg: pg.console_lines.append(f"{msg.type}: {msg.text}"))
        pg.on("pageerror", lambda err: pg.console_lines.append(f"pageerror: {err}"))
        request.node.sn_pages.append(pg)
        request.node.sn_servers.append(server)
        return pg

    try:
        yield make
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def page(page_for, lab_server):
    """A fresh page whose relative URLs point at ``lab_server``."""
    return page_for(lab_server)


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not report.failed:
        return
    if report.when == "call":
        shots = getattr(item, "sn_shots", None)
        for i, pg in enumerate(getattr(item, "sn_pages", [])):
            if shots is not None:
                path = Path(shots) / f"{item.name}-{i}.png"
                try:
                    pg.screenshot(path=str(path), full_page=True)
                    report.sections.append(("browser screenshot", str(path)))
                except Exception as exc:  # the page may be gone; the report matters more
                    report.sections.append(("browser screenshot", f"failed: {exc!r}"))
            lines = getattr(pg, "console_lines", [])
            if lines:
                report.sections.append((f"browser console {i}", "\n".join(lines[-200:])))
    servers = list(getattr(item, "sn_servers", []))
    servers += [v for v in getattr(item, "funcargs", {}).values() if isinstance(v, FrontEnd)]
    for server in {id(s): s for s in servers}.values():
        report.sections.append((f"{server.kind} log", server.log_tail()))
