"""Gateway stand-ins on 127.0.0.1 (one per test module use), and backends pointing at them.
vLLM-Omni and SGLang run from their real code instead: tests/thirdparty/real_servers."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from live_server import LiveServer
from PIL import Image

from sora_notebook.client import Backend

from .standins_gateways import openrouter_app, together_app

KEY = "sk-standin-secret-123"


@dataclass
class Served:
    name: str
    backend: Backend
    app: Any
    model: str | None
    reference_field: str

    @property
    def seen(self) -> list[dict[str, Any]]:
        return self.app.state.store.seen


def _backend(name: str, root: str) -> Backend:
    if name == "openrouter":
        return Backend.openrouter(KEY, base_url=f"{root}/api/v1", app_title="sora-notebook tests")
    if name == "together":
        return Backend.together(KEY, base_url=f"{root}/v2")
    return Backend.compatible(f"{root}/v1", KEY, dialect=name)


_APPS = {
    "openrouter": (openrouter_app, "google/veo-3.1", "frame_images"),
    "together": (together_app, "kwaivgI/kling-2.1-master", "media"),
}


@pytest.fixture(params=list(_APPS))
def served(request: pytest.FixtureRequest) -> Iterator[Served]:
    """Each stand-in in turn, on a real socket."""
    factory, model, field = _APPS[request.param]
    app = factory()
    with LiveServer(app) as server:
        root = f"http://127.0.0.1:{server.port}"
        yield Served(request.param, _backend(request.param, root), app, model, field)


@pytest.fixture
def serve():
    """Start a given app; yields a function returning its root URL."""
    servers: list[LiveServer] = []

    def start(app: Any) -> str:
        server = LiveServer(app).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.port}"

    yield start
    for server in servers:
        server.stop()


def png(width: int = 1280, height: int = 720) -> bytes:
    """A flat reference image of exactly `width` x `height`."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (90, 140, 200)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(scope="session")
def litellm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A real LiteLLM proxy in front of the emulator (a real socket, draft render), of a Veo
    upstream written from Google's REST reference (`veo_upstream.py`) and of a Runway
    upstream written from Runway's (`runway_upstream.py`)."""
    from sora_notebook.emulator import create_app

    from .litellm_proxy import Proxy, write_config
    from .runway_upstream import runway_app
    from .veo_upstream import veo_app

    folder = tmp_path_factory.mktemp("litellm")
    emulator = create_app(speed=40, render="draft")
    veo, runway = veo_app(), runway_app()
    with LiveServer(emulator) as upstream, LiveServer(veo) as google, LiveServer(runway) as rw:
        config = write_config(
            folder,
            upstream.base_url,
            f"http://127.0.0.1:{google.port}",
            runway=f"http://127.0.0.1:{rw.port}",
        )
        proxy = Proxy(config, folder / "proxy.log")
        try:
            proxy.wait_ready()
            proxy.emulator = emulator
            proxy.veo = veo
            proxy.runway = runway
            yield proxy
        finally:
            proxy.stop()
