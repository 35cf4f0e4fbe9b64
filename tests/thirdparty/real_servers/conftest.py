"""The real servers, each started once per session (a few seconds each), and backends."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sora_notebook.client import Backend

from . import RealServer
from .facts import VLLM_OMNI_MODEL

KEY = "sk-realserver-secret-123"


@pytest.fixture(scope="session")
def vllm_omni(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealServer]:
    """vLLM-Omni 0.30.0's real HTTP layer (vllm_omni_server.py), engine faked."""
    server = _start(tmp_path_factory, "vllm_omni_server.py")
    try:
        yield server.wait_ready()
    finally:
        server.stop()


@pytest.fixture
def vllm_backend(vllm_omni: RealServer) -> Backend:
    return Backend.compatible(f"{vllm_omni.root}/v1", KEY, dialect="vllm-omni")


def _start(tmp_path_factory: pytest.TempPathFactory, launcher: str, *args: str) -> RealServer:
    name = "-".join([launcher.removesuffix("_server.py"), *args]).lower()
    folder = tmp_path_factory.mktemp(name)
    return RealServer(launcher, folder / f"{name}.log", *args)


@pytest.fixture(scope="session")
def sglang(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealServer]:
    """SGLang 0.5.23's real HTTP layer serving Wan2.2-TI2V-5B, scheduler faked."""
    server = _start(tmp_path_factory, "sglang_server.py", "TI2V")
    try:
        yield server.wait_ready()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def sglang_t2v(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealServer]:
    """SGLang 0.5.23's real HTTP layer serving a text-only model (Wan2.1-T2V-1.3B)."""
    server = _start(tmp_path_factory, "sglang_server.py", "T2V")
    try:
        yield server.wait_ready()
    finally:
        server.stop()


@pytest.fixture
def sglang_backend(sglang: RealServer) -> Backend:
    return Backend.compatible(f"{sglang.root}/v1", KEY, dialect="sglang")


#: The LiteLLM model group in front of the real vLLM-Omni layer (`hosted_vllm` provider).
HOSTED_GROUP = "wan-omni"


@pytest.fixture(scope="session")
def litellm_vllm(tmp_path_factory: pytest.TempPathFactory, vllm_omni: RealServer) -> Iterator[Any]:
    """A real LiteLLM proxy (1.108.7) whose `hosted_vllm` provider fronts the real vLLM-Omni
    layer, as a person serving Wan behind LiteLLM would configure it."""
    from ..litellm_proxy import MASTER_KEY, Proxy

    folder = tmp_path_factory.mktemp("litellm-vllm")
    config = folder / "litellm.yaml"
    config.write_text(
        "\n".join(
            [
                "model_list:",
                f"  - model_name: {HOSTED_GROUP}",
                "    litellm_params:",
                f"      model: hosted_vllm/{VLLM_OMNI_MODEL}",
                f"      api_base: {vllm_omni.root}/v1",
                "      api_key: vllm-upstream-key",
                "general_settings:",
                f"  master_key: {MASTER_KEY}",
                "",
            ]
        )
    )
    proxy = Proxy(config, folder / "proxy.log")
    try:
        proxy.wait_ready()
        yield proxy
    finally:
        proxy.stop()
