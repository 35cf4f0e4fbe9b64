"""vLLM-Omni 0.30.0's real HTTP layer on CPU, with only the GPU engine faked.

Run with the real servers' venv (``scripts/install-real-servers.sh``):
``python vllm_omni_server.py PORT``. Everything on the video path is the wheel's own code:
the routes of ``vllm_omni/entrypoints/openai/api_server.py`` (``router``: ``/v1/videos*``,
``/v1/models``, ``/health``), its form parsing, job store, storage manager and MP4 encoder,
vLLM's exception handlers (``vllm/entrypoints/serve/exception_handling/register.py``
``init_exception_handler``) and vLLM-Omni's own
(``vllm_omni/entrypoints/serve/utils/errors.py:67``).
The app is assembled as ``omni_run_server_worker`` does (``api_server.py:335-347``) and its
state as the pure-diffusion branch of ``omni_init_app_state`` (``api_server.py:803-840``).

Faked: the engine (``FakeEngine``: frames of 64x64, ``FRAMES`` of them) and what cannot be
installed here (``stubs.py``; the list below says why for each). A prompt containing "fail"
makes the engine raise, as a GPU error would. ``GET /_engine/seen`` (not a vLLM route) tells
the tests what reached the engine.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import stubs
from facts import FAIL_WORD, FRAMES, RUN_SECONDS
from facts import VLLM_OMNI_MODEL as MODEL

# Not installable on a CPU machine (or pulling those in at import time), served inert:
STUBBED = [
    "torch",  # CUDA wheels of several GB; imported by vllm/vllm_omni modules at import time
    "torchaudio",  # idem (vllm_omni/diffusion/... audio helpers)
    "transformers",  # model configs only (vllm_omni/transformers_utils, model registry)
    "diffusers",  # pipelines only (vllm_omni/diffusion/models/*)
    "_cffi_backend",  # soundfile's native part, audio endpoints only
    "vllm_omni.patch",  # monkeypatches vllm's engine classes (vllm_omni/__init__.py:22)
    "vllm_omni.transformers_utils",  # registers model config parsers (vllm_omni/__init__.py:32)
    "vllm_omni.quantization",  # GPU kernels' methods list (vllm_omni/config/...)
]
# vLLM's own modules kept real: the error envelope and its handlers, the exceptions they map.
VLLM_REAL = [
    "vllm.exceptions",
    "vllm.v1.engine.exceptions",
    "vllm.entrypoints.serve.__init__",
    "vllm.entrypoints.serve.exception_handling",
    "vllm.entrypoints.serve.engine.protocol",
    "vllm.envs",  # settings read from the environment (video_api_utils.py:99)
    "vllm.inputs",  # the prompt TypedDicts vllm_omni/inputs/data.py:20 extends
    "vllm.config.utils",  # `@config` pydantic dataclasses (vllm_omni/config/omni_config.py:789)
]


def _random_uuid() -> str:
    """vllm/utils/__init__.py:11 `random_uuid` (that module imports torch at its top)."""
    return f"{uuid.uuid4().int & (2**64 - 1):016x}"


def _resolve_obj_by_qualname(qualname: str) -> Any:
    """vllm/utils/import_utils.py `resolve_obj_by_qualname` (used by vllm_omni/platforms)."""
    module, _, name = qualname.rpartition(".")
    return getattr(__import__(module, fromlist=[name]), name)


stubs.install(
    STUBBED,
    {"vllm": VLLM_REAL},
    {
        "vllm": {"__version__": "0.30.0", "__version_tuple__": (0, 30, 0)},
        "vllm.logger": {"init_logger": logging.getLogger},  # vllm/logger.py: needs vllm.envs
        "vllm.utils": {"random_uuid": _random_uuid},
        "vllm.utils.import_utils": {"resolve_obj_by_qualname": _resolve_obj_by_qualname},
    },
)

import numpy as np  # noqa: E402
import uvicorn  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from vllm.entrypoints.serve.exception_handling.register import init_exception_handler  # noqa: E402
from vllm_omni.diffusion.data import (  # noqa: E402
    DIFFUSION_REQUEST_LIFECYCLE_KEY,
    DIFFUSION_REQUEST_STARTED,
)
from vllm_omni.entrypoints.openai import api_server  # noqa: E402
from vllm_omni.entrypoints.openai.serving_video import OmniOpenAIServingVideo  # noqa: E402
from vllm_omni.entrypoints.serve.utils.errors import _register_omni_exception_handlers  # noqa: E402


class FakeEngine:
    """What `OmniOpenAIServingVideo` calls on `AsyncOmni` (serving_video.py:687-741, :279)."""

    errored = False
    is_running = True

    def __init__(self) -> None:
        self.stage_configs = [
            {"stage_type": "diffusion", "final_output": True, "final_output_type": "video"}
        ]
        self.default_sampling_params_list: list[Any] = []
        self.seen: list[dict[str, Any]] = []
        self.aborted: list[str] = []

    async def check_health(self) -> None:
        return None

    async def abort(self, request_id: str, timeout: float | None = None) -> None:
        self.aborted.append(request_id)

    async def generate(self, prompt: Any, request_id: str, sampling_params_list: list[Any]) -> Any:
        params = sampling_params_list[-1]
        image = (prompt.get("multi_modal_data") or {}).get("image")
        self.seen.append(
            {
                "request_id": request_id,
                "prompt": prompt.get("prompt"),
                "negative_prompt": prompt.get("negative_prompt"),
                "image": None if image is None else list(getattr(image, "size", ())),
                "width": getattr(params, "width", None),
                "height": getattr(params, "height", None),
                "num_frames": getattr(params, "num_frames", None),
                "seed": getattr(params, "seed", None),
            }
        )
        await asyncio.sleep(RUN_SECONDS / 3)
        yield SimpleNamespace(
            custom_output={DIFFUSION_REQUEST_LIFECYCLE_KEY: DIFFUSION_REQUEST_STARTED}
        )
        await asyncio.sleep(RUN_SECONDS * 2 / 3)
        if FAIL_WORD in str(prompt.get("prompt", "")).lower():
            raise RuntimeError("CUDA out of memory (fake engine)")
        yield SimpleNamespace(images=[_frames(request_id)], multimodal_output={"fps": 24})


def _frames(request_id: str) -> Any:
    """FRAMES frames of 64x64, a colour drawn from the request id (deterministic)."""
    seed = int.from_bytes(request_id.encode()[-4:], "big")
    colour = np.array([seed % 256, (seed >> 8) % 256, 128], dtype=np.uint8)
    frames = np.zeros((FRAMES, 64, 64, 3), dtype=np.uint8) + colour
    for i in range(FRAMES):
        frames[i, :, i * 8 : i * 8 + 8] = 255
    return frames


def build_app() -> FastAPI:
    engine = FakeEngine()
    app = FastAPI()
    init_exception_handler(app)
    app.include_router(api_server.router)
    _register_omni_exception_handlers(app)
    state = app.state
    state.args = SimpleNamespace(log_error_stack=False, api_server_count=1)
    state.api_server_count = 1
    state.engine_client = engine
    state.diffusion_engine = engine
    state.server = None
    state.openai_serving_models = _models()
    state.openai_serving_video = OmniOpenAIServingVideo.for_diffusion(
        diffusion_engine=engine, model_name=MODEL, stage_configs=engine.stage_configs
    )

    @app.get("/_engine/seen")
    async def seen() -> dict[str, Any]:
        return {"seen": engine.seen, "aborted": engine.aborted}

    return app


def _models() -> Any:
    from vllm_omni.entrypoints.openai.models import serving

    return serving._DiffusionServingModels([SimpleNamespace(name=MODEL, model_path=MODEL)])


def main() -> None:
    port = int(sys.argv[1])
    app = build_app()

    @app.on_event("startup")
    async def _storage() -> None:
        await api_server.STORAGE_MANAGER.start()

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
