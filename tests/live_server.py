"""uvicorn serving an ASGI app on 127.0.0.1 (an ephemeral port) in a thread, for tests
that need a real socket: streaming, Range, dropped connections, other processes."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import uvicorn

#: Open keep-alive connections must not hold a test's teardown forever.
SHUTDOWN_GRACE = 5.0


class LiveServer:
    """`with LiveServer(app) as server: server.base_url` -> `http://127.0.0.1:PORT/v1`."""

    def __init__(self, app: Any) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]
        config = uvicorn.Config(
            app, log_level="critical", lifespan="on", timeout_graceful_shutdown=SHUTDOWN_GRACE
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=SHUTDOWN_GRACE + 5)
        if self.thread.is_alive():
            self.server.force_exit = True
            self.thread.join(timeout=5)
        self.sock.close()

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
