"""Run by test_kill_board.py: a studio making a storyboard, SIGKILLed mid-board.

    python board_kill_script.py LOCATION MEDIA CACHE BASE_URL BOARD_ID

The third create reaches the server (the job exists there) and its answer never
arrives, so that take is recorded in the library but its slot is never filled; the
process prints "created" then and goes on with the other chain until it is killed.
"""

from __future__ import annotations

import asyncio
import signal
import sys

import httpx

from sora_notebook.client import AsyncSoraClient
from sora_notebook.client.backend import Backend
from sora_notebook.library import Library
from sora_notebook.storyboard import Production, Shot, Storyboard
from sora_notebook.studio import Studio
from sora_notebook.studio.polling import PollPolicy

BOARD = Storyboard(
    shots=(
        Shot("a red fox trots through fresh snow", seconds=4),
        Shot("the fox stops and looks up", seconds=4, join="continue"),
        Shot("a quiet harbour at dawn", seconds=4),
    )
)
TAKES = 2
HANG_AT = 3


class HangOnCreate(httpx.AsyncBaseTransport):
    """Passes requests through; the `HANG_AT`th create is answered by the server and
    then never returns."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.creates = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method == "POST" and request.url.path.endswith("/videos"):
            self.creates += 1
            if self.creates == HANG_AT:
                await response.aread()
                print("created", flush=True)
                await asyncio.Event().wait()
        return response


async def main() -> None:
    location, media, cache, url, board_id = sys.argv[1:6]
    library = Library(location, media=media or None, cache=cache or None)
    backend = Backend.compatible(url, api_key="sk-test")
    client = AsyncSoraClient(backend, http_client=httpx.AsyncClient(transport=HangOnCreate()))
    studio = Studio(
        backend,
        library,
        client=client,
        max_rps=100,
        poll=PollPolicy(min_interval=0.05, max_interval=0.2, first_delay=0.05),
    )
    made = Production(studio, BOARD, takes=TAKES, id=board_id)
    print("running", flush=True)
    await made.run()
    print("finished", flush=True)  # never reached: the parent kills first


if __name__ == "__main__":
    signal.alarm(180)  # never outlive a test that died before it could kill us
    asyncio.run(main())
