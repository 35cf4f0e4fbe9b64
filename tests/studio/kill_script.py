"""Run by test_kill.py: a studio that gets SIGKILLed mid-submit, mid-poll or mid-download.

    python kill_script.py ROOT BASE_URL MODE  (MODE: submit | poll | download | batch)
    python kill_script.py ROOT BASE_URL fanout BASE_URL_B  (a fan-out to two servers, the
        second one's create answer never arriving)

It prints a line when it reaches the point where the parent should kill it.
"""

from __future__ import annotations

import asyncio
import signal
import sys

import httpx

from sora_notebook.client import AsyncSoraClient
from sora_notebook.client.backend import Backend
from sora_notebook.studio import Studio
from sora_notebook.studio.polling import PollPolicy


def say(text: str) -> None:
    print(text, flush=True)


class FirstChunkThenHang(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream) -> None:
        self.inner = inner

    async def __aiter__(self):
        async for chunk in self.inner:
            yield chunk
            say("partial")  # the first chunk is on disk by now
            await asyncio.Event().wait()

    async def aclose(self) -> None:
        await self.inner.aclose()


class Stall(httpx.AsyncBaseTransport):
    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        is_create = request.method == "POST" and request.url.path.endswith("/videos")
        if self.mode == "submit" and is_create:
            say("created")  # the server has the job; its answer never arrives
            await asyncio.Event().wait()
        if self.mode == "download" and request.url.path.endswith("/content"):
            return httpx.Response(
                response.status_code,
                headers=response.headers,
                stream=FirstChunkThenHang(response.stream),
                request=request,
            )
        return response


async def fan_out(root: str, url: str, url_b: str) -> None:
    b = Backend.compatible(url_b, api_key="sk-b")
    studio = Studio({"a": Backend.compatible(url, api_key="sk-a")}, root, budget=5.0)
    stalled = AsyncSoraClient(b, http_client=httpx.AsyncClient(transport=Stall("submit")))
    studio.add_backend("b", b, client=stalled)
    await studio.fan_out("a lantern at sea", ["a:sora-2", "b:sora-2"], seconds=4)
    say("finished")  # never reached: b's create hangs


async def main() -> None:
    root, url, mode = sys.argv[1:4]
    if mode == "fanout":
        return await fan_out(root, url, sys.argv[4])
    backend = Backend.compatible(url, api_key="sk-test")
    client = AsyncSoraClient(backend, http_client=httpx.AsyncClient(transport=Stall(mode)))
    studio = Studio(
        backend,
        root,
        client=client,
        max_rps=100,
        poll=PollPolicy(min_interval=0.05, max_interval=0.2, first_delay=0.05),
    )
    if mode == "batch":  # one of two processes sharing a library
        jobs = [await studio.submit(f"lantern {i} of {root}", seconds=4) for i in range(5)]
        for job in jobs:
            await studio.wait(job)
        await studio.aclose()
        say("finished")
        return
    job = await studio.submit("a lantern in the rain", seconds=4)
    say(f"submitted {job.key}")
    await studio.wait(job)
    say("finished")  # never reached when the parent kills in time


if __name__ == "__main__":
    signal.alarm(180)  # never outlive a test that died before it could kill us
    asyncio.run(main())
