"""Shared test helpers live beside this file (e.g. `live_server`); pytest puts this
folder on `sys.path` because this conftest is here."""
