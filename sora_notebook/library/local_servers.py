"""Throwaway servers on 127.0.0.1 for trying a team library on one machine (the team
notebook, the tests, the benchmarks): PostgreSQL from Debian's packages, initialised into
a temporary folder, and an S3-compatible object store (moto's server). Both stop and
leave nothing behind on `stop()` / the end of a `with` block.

PostgreSQL refuses to run as root; as root, the server runs as `nobody`.
"""

from __future__ import annotations

import contextlib
import glob
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from sora_notebook.errors import SoraNotebookError

__all__ = ["LocalPostgres", "LocalS3", "free_port"]

_INSTALL = (
    "PostgreSQL's server is not installed. On Debian or Ubuntu: `apt-get install "
    "postgresql` (`make test` runs scripts/install-postgresql.sh, which does that)."
)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_bin() -> Path:
    """The folder of Debian's newest PostgreSQL server programs (else `initdb` on PATH)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    raise SoraNotebookError(_INSTALL)


class LocalPostgres:
    """A PostgreSQL server in a temp folder: `with LocalPostgres() as pg: pg.url`.

    `durable=False` (tests) turns off fsync; the default keeps PostgreSQL's settings.
    `database(name)` creates a database and returns its URL.
    """

    def __init__(self, *, durable: bool = True, start_timeout: float = 60.0) -> None:
        self.durable = durable
        self.start_timeout = start_timeout
        self.password = secrets.token_hex(12)
        self.port = 0
        self.folder: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return self.database_url("postgres")

    def database_url(self, name: str) -> str:
        return f"postgresql://postgres:{self.password}@127.0.0.1:{self.port}/{name}"

    def start(self) -> LocalPostgres:
        bindir = postgres_bin()
        user = _server_user()
        # as root the server's user must reach its folder: /tmp, whatever TMPDIR says
        self.folder = Path(tempfile.mkdtemp(prefix="sora-postgres-", dir="/tmp" if user else None))  # noqa: S108
        data = self.folder / "data"
        pwfile = self.folder / "pw"
        pwfile.write_text(self.password)
        if user is not None:
            shutil.chown(self.folder, user)
            shutil.chown(pwfile, user)
        made = subprocess.run(  # noqa: S603 (Debian's initdb, our arguments)
            [
                str(bindir / "initdb"),
                *("-D", str(data), "-U", "postgres", "--pwfile", str(pwfile)),
                *("--auth", "scram-sha-256", "-E", "UTF8", "--no-sync", "--locale", "C"),
            ],
            capture_output=True,
            text=True,
            user=user,
            cwd=self.folder,
        )
        if made.returncode != 0:
            self.stop()
            raise SoraNotebookError(f"initdb failed: {(made.stderr or made.stdout)[-2000:]}")
        pwfile.unlink()
        self.port = free_port()
        settings = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": "",
            "max_connections": "200",
            "timezone": "UTC",
        }
        if not self.durable:
            settings.update(fsync="off", full_page_writes="off", synchronous_commit="off")
        args = [str(bindir / "postgres"), "-D", str(data)]
        for name, value in settings.items():
            args += ["-c", f"{name}={value}"]
        log = open(self.folder / "server.log", "wb")  # noqa: SIM115 (the server's lifetime)
        self.process = subprocess.Popen(  # noqa: S603
            args, stdout=log, stderr=subprocess.STDOUT, user=user, cwd=self.folder
        )
        log.close()
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        import psycopg

        deadline = time.monotonic() + self.start_timeout
        while True:
            if self.process is not None and self.process.poll() is not None:
                self.stop()
                raise SoraNotebookError(f"PostgreSQL exited at start: {self.log()[-2000:]}")
            try:
                psycopg.connect(self.url, connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise
                time.sleep(0.1)

    def log(self) -> str:
        if self.folder is None:
            return ""
        with contextlib.suppress(OSError):
            return (self.folder / "server.log").read_text(errors="replace")
        return ""

    def database(self, name: str) -> str:
        """Create database `name` (letters, digits, `_`) and return its URL."""
        import psycopg

        if not name.replace("_", "").isalnum():
            raise ValueError(f"database names here are letters, digits and _; got {name!r}")
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.database_url(name)

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)  # fast shutdown: roll back, close, exit
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def __enter__(self) -> LocalPostgres:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _server_user() -> str | None:
    """Who runs the server: `nobody` when we are root (PostgreSQL refuses root)."""
    return "nobody" if hasattr(os, "geteuid") and os.geteuid() == 0 else None


class LocalS3:
    """An S3-compatible server (moto) on 127.0.0.1 in this process: `with LocalS3() as
    s3: s3.endpoint`. Its credentials are throwaway ones it accepts."""

    access_key = "local-team-access"
    secret_key = "local-team-secret"  # noqa: S105 (a throwaway server's)
    region = "us-east-1"

    def __init__(self) -> None:
        self.port = 0
        self._server: Any = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        """The variables an S3 client reads to reach this server."""
        return {
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ENDPOINT_URL_S3": self.endpoint,
        }

    def start(self) -> LocalS3:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request
        self.port = free_port()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.stop()

    def __enter__(self) -> LocalS3:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
