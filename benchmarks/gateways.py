"""Failure to red through a real LiteLLM proxy: how soon a Veo operation that failed, or
that Google's safety filter emptied, shows as a failed job in the studio.

A real LiteLLM proxy (scripts/install-litellm.sh; `SORA_LITELLM_VENV`) in front of the Veo
upstream of tests/thirdparty/veo_upstream.py (written from Google's REST reference). The
upstream notes when it first answers an operation `done`; a studio polling every
`INTERVAL` s notes when the job's `failed` event reaches its subscribers; the lag is the
difference. Side by side: the same studio with the proxy's retries on reads left on (the
project before `read_headers`), and with the LiteLLM dialect's failure hooks off too (how
it behaved before them: it waits until the timeout, `WAIT` s here).
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks._common import Goal, Result, median, run_async

NAME = "gateways"
TITLE = "A failed or safety-filtered Veo job through a real LiteLLM proxy: failure to red"
ROOT = Path(__file__).resolve().parent.parent
INTERVAL = 1.0
WAIT = {"smoke": 15.0, "full": 30.0}
RUNS = {"smoke": 1, "full": 3}
PROMPTS = {"failed operation": "the model breaks", "safety-filtered": "an unsafe scene"}
VARIANTS = {
    "now": "dialect hooks, no proxy retries on reads",
    "retries": "dialect hooks, the proxy's retries on",
    "before": "before (no hooks)",
}


def _dialect(variant: str) -> Any:
    """The LiteLLM dialect as it is ("now"), with the proxy's retries on reads left on
    ("retries": the project before `read_headers`), or without its failure hooks too
    ("before": the project before them)."""
    from sora_notebook.client.dialects.base import Dialect
    from sora_notebook.client.dialects.servers import LiteLLM

    @dataclass(frozen=True)
    class Retries(LiteLLM):
        read_headers = Dialect.read_headers

    @dataclass(frozen=True)
    class Before(Retries):
        failed_status = Dialect.failed_status
        failed_media = Dialect.failed_media

    return {"now": LiteLLM, "retries": Retries, "before": Before}[variant]()


async def _one(
    base: str, veo: Any, prompt: str, variant: str, wait: float
) -> tuple[float, float] | None:
    """(seconds from the upstream's first `done` to red, from its last read to red)."""
    from sora_notebook.client import Backend
    from sora_notebook.errors import VideoFailed, WaitTimeout
    from sora_notebook.studio import Studio
    from sora_notebook.studio.polling import PollPolicy
    from tests.thirdparty.litellm_proxy import MASTER_KEY, VEO_GROUP

    backend = Backend.litellm(base, MASTER_KEY).with_quirks(dialect=_dialect(variant))
    every = PollPolicy(min_interval=INTERVAL, max_interval=INTERVAL, first_delay=INTERVAL)
    red: dict[str, float] = {}

    def note(events: list[Any]) -> None:
        for event in events:
            if event.kind == "failed":
                red.setdefault(event.job.video_id or event.job.key, time.time())

    with tempfile.TemporaryDirectory(prefix="bench-gateways-") as tmp:
        async with Studio(backend, Path(tmp) / "lib", poll=every) as studio:
            studio.subscribe(note)
            job = await studio.submit(prompt, model=VEO_GROUP, seconds=4)
            with contextlib.suppress(VideoFailed, WaitTimeout):
                await studio.wait(job, timeout=wait)
            await asyncio.sleep(0.3)  # the event batch is delivered within 0.1 s
            video_id = studio.library.get(job.key).video_id
    name = _operation(video_id)
    done = veo.state.done_at.get(name)
    at = red.get(video_id or "")
    last = max((t for op, t in veo.state.reads if name.endswith(op)), default=None)
    if done is None or at is None or last is None:
        return None
    return at - done, at - last


def _operation(video_id: str | None) -> str:
    from sora_notebook.client.dialects.servers import litellm_parts

    parts = litellm_parts(video_id or "") or ["", "", "video_id:"]
    return parts[2].removeprefix("video_id:")


def run(size: str) -> Result:
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    from live_server import LiveServer

    from sora_notebook.emulator import create_app
    from tests.thirdparty.litellm_proxy import Proxy, write_config
    from tests.thirdparty.veo_upstream import veo_app

    rows: list[list[Any]] = []
    lags: list[float] = []
    shares: list[float] = []  # from the proxy's last upstream read: the project's part
    with tempfile.TemporaryDirectory(prefix="bench-litellm-") as tmp:
        veo = veo_app(polls=2)
        with LiveServer(create_app(render="draft")) as emulator, LiveServer(veo) as google:
            config = write_config(Path(tmp), emulator.base_url, f"http://127.0.0.1:{google.port}")
            proxy = Proxy(config, Path(tmp) / "proxy.log")
            try:
                proxy.wait_ready()
                for case, prompt in PROMPTS.items():
                    for variant, label in VARIANTS.items():
                        if size == "smoke" and variant != "now":
                            continue  # the smoke run checks the code runs, not the contrast
                        got = [
                            run_async(_one(proxy.base_url, veo, prompt, variant, WAIT[size]))
                            for _ in range(RUNS[size] if variant != "before" else 1)
                        ]
                        found = [g for g in got if g is not None]
                        if variant == "now":
                            lags += [g[0] for g in found]
                            shares += [g[1] for g in found]
                        whole = len(found) == len(got)
                        rows.append(
                            [
                                case,
                                label,
                                f"{max(g[0] for g in found):.2f}" if whole else "never",
                                f"{max(g[1] for g in found):.2f}" if whole else "never",
                            ]
                        )
            finally:
                proxy.stop()
    worst = max(lags) if lags else float("nan")
    goal = Goal(
        "failure to red, worst run",
        f"<= {2 * INTERVAL:g} s (two poll intervals)",
        f"{worst:.2f} s (median {median(lags):.2f} s)",
        bool(lags) and worst <= 2 * INTERVAL,
    )
    share = max(shares) if shares else float("nan")
    own = Goal(
        "the project's part (from the proxy's last upstream read to red)",
        f"<= {2 * INTERVAL:g} s",
        f"{share:.2f} s",
        bool(shares) and share <= 2 * INTERVAL,
    )
    return Result(
        NAME,
        TITLE,
        [
            "case",
            "studio",
            f"upstream done -> red, s (wait {WAIT[size]:g} s)",
            "proxy's last upstream read -> red, s",
        ],
        rows,
        goals=[goal, own],
        data={"lags": lags, "shares": shares, "interval": INTERVAL},
        notes=[
            "'never': still not failed when the wait gave up (its timeout).",
            "With its retries on, LiteLLM reads the operation twice more, with back-off, "
            "before it answers its 500; the dialect now asks it not to retry reads "
            "(x-litellm-num-retries: 0), as the studio polls and retries them itself.",
        ],
    )
