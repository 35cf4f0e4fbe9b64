"""One person of a team, run by the team test: a studio on a shared library and a shared
server, sending COUNT jobs at once and waiting for them.

python team_worker.py LOCATION MEDIA CACHE BASE_URL TAG COUNT
prints "ready", sends when a line arrives on stdin, then prints one JSON line of outcomes.
"""

from __future__ import annotations

import asyncio
import json
import sys

from sora_notebook import Backend, BudgetExceeded, Studio
from sora_notebook.library import Library

PRICE = 0.1  # dollars per second of video
SECONDS = 4


async def main() -> None:
    location, media, cache, base_url, tag, count = sys.argv[1:7]
    library = Library(location, media=media or None, cache=cache or None, person=tag)
    backend = Backend.compatible(base_url, api_key="team-key")
    async with Studio(backend, library=library, prices={"sora-2": PRICE}) as studio:

        async def one(i: int) -> list[str | None]:
            try:
                job = await studio.generate(
                    f"{tag} {i}", model="sora-2", seconds=str(SECONDS), size="720x1280"
                )
            except BudgetExceeded:
                return ["refused", None]
            return [job.status, job.key]

        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)  # everyone starts together
        outcomes = await asyncio.gather(*(one(i) for i in range(int(count))))
    library.close()
    print(json.dumps(outcomes), flush=True)


asyncio.run(main())
