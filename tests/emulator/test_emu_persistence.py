"""Persistence with data_dir, temp-folder cleanup without it, and the CLI server."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from sora_notebook.cli import _parser, main

from .conftest import KEY, asgi_client, complete


async def test_jobs_and_media_survive_a_restart(make_app, clock, tmp_path):
    first = make_app(clock=clock, data_dir=tmp_path)
    async with asgi_client(first) as client:
        done = await complete(
            client, clock, (await client.post("/videos", json={"prompt": "a"})).json()["id"]
        )
        pending = (await client.post("/videos", json={"prompt": "b"})).json()
    digest = first.state.emulator.media_sha256(done["id"])
    first.state.emulator.close()
    assert tmp_path.exists()

    second = make_app(clock=clock, data_dir=tmp_path)
    assert second.state.emulator.created == 2
    async with asgi_client(second) as client:
        assert (await client.get(f"/videos/{done['id']}")).json() == done
        r = await client.get(f"/videos/{done['id']}/content")
        assert r.status_code == 200
        listed = [v["id"] for v in (await client.get("/videos")).json()["data"]]
        assert listed == [pending["id"], done["id"]]
        finished = await complete(client, clock, pending["id"])
        assert finished["status"] == "completed"
    assert second.state.emulator.media_sha256(done["id"]) == digest
    assert hashlib.sha256(r.content).hexdigest() == digest


def test_temp_folder_is_removed_on_close(make_app):
    app = make_app()
    root = app.state.emulator.root
    assert root.is_dir()
    app.state.emulator.close()
    assert not root.exists()


def test_temp_folder_is_removed_when_uvicorn_shuts_down(serve, make_app):
    app = make_app()
    root = app.state.emulator.root
    server = serve(app)
    with httpx.Client(base_url=server.base_url, headers=KEY) as client:
        assert client.get("/videos").status_code == 200
    server.__exit__()
    assert not root.exists()


def test_cli_defaults_and_bad_faults(capsys):
    args = _parser().parse_args(["emulator"])
    assert (args.host, args.port, args.speed, args.render) == ("127.0.0.1", 8000, 1.0, "full")
    assert main(["emulator", "--faults", "rate=7"]) == 2
    assert "--faults" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_cli_serves_and_stops_cleanly_on_ctrl_c(tmp_path):
    port = free_port()
    cmd = [sys.executable, "-m", "sora_notebook.cli", "emulator", "--port", str(port),
           "--speed", "500", "--render", "draft", "--data-dir", str(tmp_path / "data"),
           "--faults", "rate=0,seed=1"]  # fmt: skip
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()
        assert f"http://127.0.0.1:{port}/v1" in line
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.post(f"http://127.0.0.1:{port}/v1/videos", json={"prompt": "x"},
                               headers=KEY)  # fmt: skip
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.1)
        assert r.status_code == 200
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.get(f"http://127.0.0.1:{port}/v1/videos",
                      headers={**KEY, "x-emulator-fault": "drop-before"})  # fmt: skip
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
        assert "Traceback" not in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert Path(tmp_path / "data" / "jobs.json").exists()
