"""Run by test_two_kernels.py: one "kernel" on the default backend (the in-process
emulator kept beside the library), submitting two jobs then waiting for every job.

    python two_kernels_script.py ROOT NAME

Prints one JSON line: {key: status} for every job in the library when it is done.
"""

from __future__ import annotations

import asyncio
import json
import sys

from sora_notebook.studio import Studio
from sora_notebook.studio.polling import PollPolicy

FAST = PollPolicy(min_interval=0.05, max_interval=0.5, first_delay=0.05)


async def main(root: str, name: str) -> None:
    async with Studio(library=root, poll=FAST) as studio:
        assert studio.backend.name == "emulator", studio.backend
        mine = [await studio.submit(f"{name}: a paper boat {i}", seconds=4) for i in range(2)]
        await asyncio.sleep(1.0)  # the other kernel's jobs are in the library by now
        for _ in range(2):  # jobs the other kernel added while this one waited
            for job in studio.jobs():
                try:
                    await studio.wait(job, timeout=90)
                except Exception as exc:  # the status says it; printed below
                    print(f"{job.key}: {type(exc).__name__}", file=sys.stderr)
        statuses = {job.key: job.status for job in studio.jobs()}
        statuses["mine"] = [j.key for j in mine]
        print(json.dumps(statuses), flush=True)


asyncio.run(main(sys.argv[1], sys.argv[2]))
