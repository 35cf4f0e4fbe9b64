"""The real servers, each started once per session (a few seconds each), and backends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sora_notebook.client import Backend

from . import RealServer

KEY = "sk-realserver-secret-123"


@pytest.fixture(scope="session")
def vllm_omni(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealServer]:
    """vLLM-Omni 0.30.0's real HTTP layer (vllm_omni_server.py), engine faked."""
    folder = tmp_path_factory.mktemp("vllm-omni")
    server = RealServer("vllm_omni_server.py", folder / "vllm-omni.log")
    try:
        yield server.wait_ready()
    finally:
        server.stop()


@pytest.fixture
def vllm_backend(vllm_omni: RealServer) -> Backend:
    return Backend.compatible(f"{vllm_omni.root}/v1", KEY, dialect="vllm-omni")
