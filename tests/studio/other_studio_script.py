"""Run by test_two_processes.py: a second studio, in its own process, on the same library.

    python other_studio_script.py ROOT BASE_URL

It polls quickly, generates one job, waits for every job in the library, then prints
`done <key>` and exits.
"""

from __future__ import annotations

import asyncio
import sys

from sora_notebook.client.backend import Backend
from sora_notebook.studio import Studio
from sora_notebook.studio.polling import PollPolicy

FAST = PollPolicy(min_interval=0.05, max_interval=0.5, first_delay=0.05)


async def main(root: str, url: str) -> None:
    async with Studio(Backend.compatible(url, "sk-other"), library=root, poll=FAST) as studio:
        job = await studio.generate("made by the other process", seconds=4)
        for other in studio.jobs():
            await studio.wait(other, timeout=60)
        print(f"done {job.key}", flush=True)


asyncio.run(main(sys.argv[1], sys.argv[2]))
