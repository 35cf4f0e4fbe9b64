"""Shared test helpers live beside this file (e.g. `live_server`); pytest puts this
folder on `sys.path` because this conftest is here."""

import pytest


@pytest.fixture
def served():
    """(server, engine): a fast emulator (draft renders) on a real socket, for tests
    whose studios run in other processes."""
    from live_server import LiveServer

    from sora_notebook.emulator import create_app

    app = create_app(speed=20, render="draft")
    with LiveServer(app) as server:
        yield server, app.state.emulator
    app.state.emulator.close()
