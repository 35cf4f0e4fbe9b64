"""SGLang 0.5.23's real diffusion HTTP layer on CPU, with only the GPU scheduler faked.

Run with the real servers' venv (``scripts/install-real-servers.sh``):
``python sglang_server.py PORT TASK`` (TASK: ``TI2V`` or ``T2V``, see ``facts.SGLANG_MODELS``).
The wheel's own code serves: ``create_app`` (``sglang/multimodal_gen/runtime/entrypoints/
http_server.py:483``) with its lifespan, warm-up middleware and every router, the video routes
(``.../openai/video_api.py``), ``/v1/models`` (``.../openai/common_api.py:218``), its job store,
progress listener, ``ServerArgs`` and ``SamplingParams`` resolved from a model folder holding
only ``model_index.json``, and ``save_outputs`` writing the MP4 (``entrypoints/utils.py:1340``).

Faked: the scheduler behind ZeroMQ (``AsyncSchedulerClient.forward``,
``scheduler_client.py:271``): ``FakeScheduler`` reports per-step progress on the server's own
progress socket, as the replica drivers do, then answers an ``OutputBatch`` of 64x64 frames
(one per output), or an error for a prompt containing "fail". The modules that cannot be
installed here are inert (``stubs.py``). ``GET /_engine/seen`` (not an SGLang route) tells the
tests what reached the scheduler.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
os.environ["SGLANG_USE_CPU_ENGINE"] = "1"  # sglang/srt/platforms/__init__.py: CPU defaults

import stubs
from facts import FAIL_WORD, FRAMES, RUN_SECONDS, SGLANG_MODELS

# Not installable on a CPU machine (or pulling those in at import time), served inert:
STUBBED = [
    "torch",  # CUDA wheels of several GB, imported at the top of most sglang modules
    "torchvision",  # idem
    "triton",  # GPU kernels' compiler
    "transformers",  # model configs and processors (sglang/srt/configs/*)
    "diffusers",  # pipelines and model classes (multimodal_gen/runtime/models/*)
    "sglang.srt.utils.hf_transformers_patches",  # patches transformers (sglang/__init__.py:21)
    "sglang.kernels",  # GPU kernels (sglang/kernels/fused_op.py)
    "sglang.srt.layers",  # LLM model layers, torch.nn subclasses
    "sglang.srt.hardware_backend",  # NPU/MLX back ends
    "sglang.srt.model_loader",  # LLM weight loaders
    "sglang.multimodal_gen.runtime.layers",  # diffusion model layers, torch.nn subclasses
]
stubs.install(
    STUBBED,
    overrides={
        # sglang/srt/utils/common.py:120 parses torch's version; sglang/srt/platforms and
        # common.py:190 probe `hasattr(torch, "npu")` and the like: none of them here.
        "torch": {"__version__": "2.9.1", "ABSENT": ("npu", "xpu", "musa", "mlu", "hpu")},
        "transformers": {"__version__": "5.13.0"},
    },
)

import numpy as np  # noqa: E402
import uvicorn  # noqa: E402
import zmq  # noqa: E402
import zmq.asyncio  # noqa: E402
from sglang.multimodal_gen.runtime.entrypoints.http_server import create_app  # noqa: E402
from sglang.multimodal_gen.runtime.pipelines_core.schedule_batch import (  # noqa: E402
    OutputBatch,
)
from sglang.multimodal_gen.runtime.scheduler_client import async_scheduler_client  # noqa: E402
from sglang.multimodal_gen.runtime.server_args.server_args import (  # noqa: E402
    ServerArgs,
    set_global_server_args,
)

STEPS = 3


class FakeScheduler:
    """Answers `AsyncSchedulerClient.forward` (scheduler_client.py:271) as the GPU would."""

    def __init__(self, progress_endpoint: str | None) -> None:
        self.progress_endpoint = progress_endpoint
        self.seen: list[dict[str, Any]] = []
        self._push: Any = None

    def _progress(self, request_id: str, completed: int) -> None:
        if self.progress_endpoint is None:
            return
        if self._push is None:
            self._push = zmq.asyncio.Context.instance().socket(zmq.PUSH)
            self._push.connect(self.progress_endpoint)
        self._push.send_json([request_id, completed, STEPS])

    async def forward(self, batch: Any, timeout_ms: int | None = None) -> Any:
        reqs = batch if isinstance(batch, list) else [batch]
        req = reqs[0]
        params = req.sampling_params
        self.seen.append(
            {
                "request_id": req.request_id,
                "prompt": params.prompt,
                "image_path": params.image_path,
                "width": params.width,
                "height": params.height,
                "num_frames": params.num_frames,
                "seed": params.seed,
                "outputs": params.num_outputs_per_prompt,
            }
        )
        for step in range(STEPS):
            await asyncio.sleep(RUN_SECONDS / (STEPS + 1))
            self._progress(req.request_id, step)
        await asyncio.sleep(RUN_SECONDS / (STEPS + 1))
        if FAIL_WORD in str(params.prompt).lower():
            return OutputBatch(error="CUDA out of memory (fake scheduler)")
        count = max(1, int(params.num_outputs_per_prompt or 1))
        return OutputBatch(output=[_frames(req.request_id, i) for i in range(count)])


def _frames(request_id: str, index: int) -> Any:
    """FRAMES frames of 64x64 (THWC, uint8), a colour drawn from the id and output index."""
    seed = int.from_bytes(request_id.encode()[-4:], "big") + 97 * index
    colour = np.array([seed % 256, (seed >> 8) % 256, (40 * index) % 256], dtype=np.uint8)
    frames = np.zeros((FRAMES, 64, 64, 3), dtype=np.uint8) + colour
    for i in range(FRAMES):
        frames[i, :, i * 8 : i * 8 + 8] = 255
    return frames


def model_folder(task: str) -> Path:
    """A model folder holding only `model_index.json`, as SGLang resolves its pipeline from."""
    folder = Path.cwd() / "models" / SGLANG_MODELS[task]
    folder.mkdir(parents=True, exist_ok=True)
    index = {"_class_name": "WanPipeline", "_diffusers_version": "0.35.0"}
    (folder / "model_index.json").write_text(json.dumps(index))
    return folder


def main() -> None:
    port, task = int(sys.argv[1]), sys.argv[2]
    server_args = ServerArgs.from_kwargs(
        model_path=str(model_folder(task)),
        served_model_name=SGLANG_MODELS[task],
        host="127.0.0.1",
        port=port,
    )
    set_global_server_args(server_args)
    app = create_app(server_args)
    scheduler = FakeScheduler(server_args.progress_endpoint)
    async_scheduler_client.forward = scheduler.forward  # type: ignore[method-assign]

    @app.get("/_engine/seen")
    async def seen() -> dict[str, Any]:
        return {"seen": scheduler.seen}

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
