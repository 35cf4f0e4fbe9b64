"""Another person of the live test: a studio on a shared team library and its own
in-process emulator, generating one video when told.

python live_worker.py LOCATION MEDIA PERSON
prints "ready", generates when a line arrives on stdin, printing {"key"} once the job is
recorded and {"done", "status"} once its video is saved.
"""

from __future__ import annotations

import asyncio
import json
import sys

from sora_notebook import Backend, Studio
from sora_notebook.library import Library
from sora_notebook.studio.polling import PollPolicy

QUICK = PollPolicy(min_interval=0.25, max_interval=0.5, first_delay=0.25, first_check=0.25)


async def main() -> None:
    location, media, person = sys.argv[1:4]
    library = Library(location, media=media, person=person)
    backend = Backend.emulator(speed=4, render="draft")
    async with Studio(backend, library=library, poll=QUICK) as studio:
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        job = await studio.submit("a heron wading at dawn", seconds="4")
        print(json.dumps({"key": job.key}), flush=True)
        job = await studio.wait(job)
        print(json.dumps({"done": job.key, "status": job.status}), flush=True)
    library.close()
    backend.app.state.emulator.close()


asyncio.run(main())
