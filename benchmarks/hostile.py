"""Hostile server: an endless JSON body and an endless MP4 stream, the client against raw httpx.

A raw asyncio socket server in its own process (`python -m benchmarks.hostile serve`)
answers `GET /v1/videos/<id>` with a chunked JSON body that never ends and
`GET /v1/videos/<id>/content` with a chunked `video/mp4` body (it starts with `ftyp`)
that never ends. Each side runs in a fresh process of its own, so one side's memory does
not hide the other's:
- JSON: `AsyncSoraClient.retrieve` (default `Limits`, 16 MB cap) against
  `httpx.AsyncClient.get(...).json()`. Measured: peak RSS growth (sampled every 5 ms)
  and how it ended. The raw side is stopped by the benchmark at a time or memory limit.
- MP4: `AsyncSoraClient.download` with a ceiling (`Limits(media_bytes=...)`) against a
  raw httpx stream into a file. Measured: the most bytes on disk at any moment (sampled
  every 5 ms) and what is left after. The raw side is stopped at a time or size limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

from benchmarks._common import Goal, Result, fmt, run_async

NAME = "hostile"
TITLE = (
    "Endless JSON body and endless MP4 stream: AsyncSoraClient against raw httpx; "
    "hostile files: this code against the code reviewed"
)
MB = 1 << 20
#: How long, and how far, the unbounded raw side is allowed to run before it is stopped.
RAW_SECONDS = {"smoke": 1.0, "full": 10.0}
RAW_BYTES = {"smoke": 256 * MB, "full": 2048 * MB}
CEILING = {"smoke": 8 * MB, "full": 64 * MB}
MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
ROOT = Path(__file__).resolve().parent.parent


# --- the server -------------------------------------------------------------------------


async def _serve() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            video = "/content" in head.split("\r\n", 1)[0]
            kind = "video/mp4" if video else "application/json"
            writer.write(
                f"HTTP/1.1 200 OK\r\ncontent-type: {kind}\r\n"
                "transfer-encoding: chunked\r\n\r\n".encode()
            )
            first = MP4_HEAD if video else b'{"id": "'
            writer.write(f"{len(first):x}\r\n".encode() + first + b"\r\n")
            piece = (b"\x00" if video else b"A") * 65536
            frame = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
            while True:
                writer.write(frame)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(f"port {server.sockets[0].getsockname()[1]}", flush=True)
    await server.serve_forever()


# --- one side, in its own process ----------------------------------------------------------


class _Sampler:
    """The peak of `measure()` sampled every 5 ms in a thread."""

    def __init__(self, measure: Any) -> None:
        self.measure = measure
        self.base = self.peak = measure()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, self.measure())

    def __enter__(self) -> _Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self.peak = max(self.peak, self.measure())


def _rss() -> int:
    import psutil

    return int(psutil.Process().memory_info().rss)


def _folder_bytes(folder: Path) -> int:
    total = 0
    for path in folder.rglob("*"):
        with contextlib.suppress(OSError):
            total += path.stat().st_size
    return total


async def _side(side: str, url: str, folder: Path, size: str) -> dict[str, Any]:
    import httpx

    from sora_notebook.client import AsyncSoraClient, Backend, Limits

    seconds, cap = RAW_SECONDS[size], RAW_BYTES[size]
    if side == "client-json":
        async with AsyncSoraClient(Backend.compatible(url, "k"), max_retries=0) as client:
            try:
                await client.retrieve("video_1")
            except Exception as exc:
                return {"ended": type(exc).__name__}
        return {"ended": "returned"}
    if side == "client-mp4":
        limits = Limits(media_bytes=CEILING[size])
        async with AsyncSoraClient(Backend.compatible(url, "k"), limits=limits) as client:
            try:
                await client.download("video_1", folder / "clip.mp4")
            except Exception as exc:
                return {"ended": type(exc).__name__}
        return {"ended": "returned"}
    deadline = time.monotonic() + seconds
    got = 0
    async with httpx.AsyncClient(timeout=5) as http:
        if side == "raw-json":  # what `response.json()` on an unbounded body does
            async with http.stream("GET", f"{url}/videos/video_1") as response:
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if time.monotonic() > deadline or len(body) > cap:
                        return {"ended": "stopped by the benchmark", "read": len(body)}
        else:
            async with http.stream("GET", f"{url}/videos/video_1/content") as response:
                with (folder / "raw.mp4").open("wb") as fh:
                    async for chunk in response.aiter_bytes():
                        fh.write(chunk)
                        got += len(chunk)
                        if time.monotonic() > deadline or got > cap:
                            return {"ended": "stopped by the benchmark", "read": got}
    return {"ended": "returned"}


def _measure_side(side: str, url: str, size: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as tmp:
        folder = Path(tmp)
        measure = _rss if side.endswith("json") else (lambda: _folder_bytes(folder))
        start = time.perf_counter()
        with _Sampler(measure) as sampler:
            out = run_async(_side(side, url, folder, size))
        out["seconds"] = time.perf_counter() - start
        out["peak_growth"] = sampler.peak - sampler.base
        out["left_on_disk"] = _folder_bytes(folder)
    return out


# --- hostile files: peak memory and loop stalls, today's code beside the code reviewed -------

#: The commit reliability review 2 attacked; its `sora_notebook` runs beside this one's.
BEFORE = "28dcfe5"
#: Address-space cap on each child, so the code before cannot take the machine with it.
CHILD_CAP = 4096 * MB
FILE_SIZES = {
    "smoke": {"tall": 24, "big": 3, "uhd": 3, "zip": 64 * MB, "json": 32 * MB, "tags": 16_000},
    "full": {
        **{"tall": 600, "big": 61, "uhd": 61},
        **{"zip": 1024 * MB, "json": 256 * MB, "tags": 128_000},
    },
}
#: case -> (what it is, what runs on it)
FILE_CASES = {
    "tall": ("160x4096 MP4 (F4)", "judge.measure"),
    "big": ("4096x4096 MP4 at 1 fps (F5)", "studio.stills.make_stills"),
    "uhd": ("3840x2160 MP4 at 1 fps (accepted)", "studio.stills.make_stills"),
    "reference": ("13000x13000 PNG reference (F7)", "client.references.fit_reference"),
    "thumbnail": ("20000x10000 PNG thumbnail (F10)", "widgets.thumbs.thumb_data_url"),
    "zip": ("zip bomb member (F6 A)", "export.import_archive"),
    "json": ("studio.json bomb (F6 B)", "export.import_archive"),
    "tags": ("unique comma-separated tags (F9)", "widgets.actions._tags on the loop"),
    "flush": ("8000x6000 JPEG reference, 10 state flushes (F7)", "widgets StudioView.flush"),
}


def black_clip(path: Path, width: int, height: int, frames: int, fps: int) -> Path:
    """A black H.264 MP4 (libx264, ultrafast): small on disk whatever its size."""
    from fractions import Fraction

    import av
    import numpy as np

    with av.open(str(path), mode="w") as out:
        stream = out.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        black = np.zeros((height, width, 3), np.uint8)
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(black, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def _build(folder: Path, size: str) -> None:
    """Write the hostile files of `FILE_CASES` into `folder` (in a child process)."""
    from PIL import Image

    n = FILE_SIZES[size]
    black_clip(folder / "tall.mp4", 160, 4096, n["tall"], 24)
    black_clip(folder / "big.mp4", 4096, 4096, n["big"], 1)
    black_clip(folder / "uhd.mp4", 3840, 2160, n["uhd"], 1)
    Image.new("1", (13000, 13000)).save(folder / "reference.png")
    Image.new("RGB", (8000, 6000), (90, 140, 200)).save(folder / "photo.jpg", quality=90)
    Image.new("1", (20000, 10000)).save(folder / "thumbnail.png")
    head = json.dumps({"format": "sora-notebook/1", "jobs": []})
    victim = {
        **{"key": "k1", "video_id": "video_1", "backend": "emulator", "status": "completed"},
        **{"progress": 100, "prompt": "p", "model": None, "size": None, "seconds": None},
        **{"media": {"video": "media/bomb.mp4"}, "tags": []},
    }
    with zipfile.ZipFile(folder / "zip.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("studio.json", json.dumps({"format": "sora-notebook/1", "jobs": [victim]}))
        with zf.open("media/bomb.mp4", "w", force_zip64=True) as fh:
            for _ in range(n["zip"] // MB):
                fh.write(bytes(MB))
    with (
        zipfile.ZipFile(folder / "json.zip", "w", zipfile.ZIP_DEFLATED) as zf,
        zf.open("studio.json", "w", force_zip64=True) as fh,
    ):
        fh.write(head[:-1].encode() + b', "pad": "')
        for _ in range(n["json"] // MB):
            fh.write(b"A" * MB)
        fh.write(b'"}')
    tags = ",".join(f"t{i}" for i in range(n["tags"]))
    (folder / "tags.txt").write_text(tags[: n["tags"] * 4])


def _file_case(case: str, folder: Path) -> dict[str, Any]:
    """Run one case in this process (a child); its peak RSS is the whole process's."""
    import resource

    import sora_notebook

    out: dict[str, Any] = {"code": str(Path(sora_notebook.__file__).parent)}
    start = time.perf_counter()
    try:
        out.update(_run_case(case, folder))
        out["ended"] = "returned"
    except BaseException as exc:
        out["ended"] = f"{type(exc).__name__}: {str(exc)[:60]}"
    out["seconds"] = time.perf_counter() - start
    out["peak_rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return out


def _run_case(case: str, folder: Path) -> dict[str, Any]:
    if case == "tall":
        from sora_notebook.judge import measure

        measure(folder / "tall.mp4")
    elif case in ("big", "uhd"):
        from sora_notebook.studio.stills import make_stills

        with tempfile.TemporaryDirectory() as tmp:
            make_stills(folder / f"{case}.mp4", Path(tmp) / "t.webp", Path(tmp) / "s.jpg")
    elif case == "reference":
        from sora_notebook.client.references import fit_reference

        fit_reference((folder / "reference.png").read_bytes(), "1280x720")
    elif case == "thumbnail":
        from sora_notebook.widgets.thumbs import thumb_data_url

        return {"result": f"{len(thumb_data_url(folder / 'thumbnail.png'))} characters"}
    elif case in ("zip", "json"):
        from sora_notebook.export import import_archive
        from sora_notebook.library import Library

        with tempfile.TemporaryDirectory() as tmp, Library(Path(tmp) / "lib") as lib:
            import_archive(lib, folder / f"{case}.zip")
    elif case == "tags":
        return {"stall": run_async(_stall((folder / "tags.txt").read_text()))}
    elif case == "flush":
        return {"stall": run_async(_flush_stall((folder / "photo.jpg").read_bytes()))}
    return {}


async def _flush_stall(photo: bytes) -> float:
    """The longest of ten state flushes of a view whose form holds a 48 MP photo as its
    reference: a flush runs on the kernel's loop, so its length is a loop stall."""
    from sora_notebook import Studio
    from sora_notebook.widgets import StudioView

    with tempfile.TemporaryDirectory() as tmp:
        async with Studio(library=Path(tmp) / "lib") as studio:
            view = StudioView(studio, root=None)
            view.set_reference(photo, name="photo.jpg")
            worst = 0.0
            for _ in range(10):
                start = time.perf_counter()
                view.flush()
                worst = max(worst, time.perf_counter() - start)
            view.close()
    return worst


async def _stall(text: str) -> float:
    """The longest a 1 ms ticker on the loop was held up while `_tags` ran on it (as the
    annotate intent runs it)."""
    from sora_notebook.widgets.actions import _tags

    worst = 0.0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal worst
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            worst = max(worst, now - last - 0.001)
            last = now

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0.01)
    _tags(text)
    await asyncio.sleep(0.01)
    done.set()
    await task
    return worst


def _before_tree(folder: Path) -> Path | None:
    """`sora_notebook` as it was at BEFORE, unpacked from git (None when unavailable)."""
    tree = folder / "before"
    tree.mkdir()
    try:
        archive = subprocess.run(
            ["git", "archive", BEFORE, "sora_notebook"],
            cwd=ROOT,
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True, timeout=60)
    return tree


def _cap_child() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (CHILD_CAP, CHILD_CAP))


def _run_file_case(case: str, folder: Path, code: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": f"{code}{os.pathsep}{ROOT}"}
    cmd = [sys.executable, "-m", "benchmarks.hostile", "file", case, str(folder)]
    try:
        done = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            cwd=folder,
            env=env,
            timeout=600,
            preexec_fn=_cap_child,
        )
    except subprocess.TimeoutExpired:
        return {"ended": "stopped after 600 s", "peak_rss": float("nan"), "seconds": 600.0}
    lines = done.stdout.strip().splitlines()
    if not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"ended": f"died ({tail[:80]})", "peak_rss": float("nan"), "seconds": float("nan")}
    return dict(json.loads(lines[-1]))


def run_files(size: str) -> dict[str, dict[str, Any]]:
    """{case: {"before": ..., "now": ...}} for every hostile file."""
    with tempfile.TemporaryDirectory(prefix="bench-hostile-files-") as tmp:
        folder = Path(tmp)
        subprocess.run(
            [sys.executable, "-m", "benchmarks.hostile", "build", str(folder), size],
            cwd=ROOT,
            check=True,
            timeout=600,
        )
        before = _before_tree(folder)
        results: dict[str, dict[str, Any]] = {}
        for case in FILE_CASES:
            results[case] = {"now": _run_file_case(case, folder, ROOT)}
            if before is not None:
                results[case]["before"] = _run_file_case(case, folder, before)
    return results


# --- the benchmark -----------------------------------------------------------------------


def _run_side(side: str, url: str, size: str) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "benchmarks.hostile", "side", side, url, size]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def run(size: str = "full") -> Result:
    server = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.hostile", "serve"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline().split()[1])
        url = f"http://127.0.0.1:{port}/v1"
        sides = {s: _run_side(s, url, size) for s in ("client-json", "raw-json")}
        sides.update({s: _run_side(s, url, size) for s in ("client-mp4", "raw-mp4")})
    finally:
        server.kill()
        server.wait()
        if server.stdout is not None:
            server.stdout.close()
    result = _result(sides, size)
    _add_files(result, run_files(size), size)
    return result


def _add_files(result: Result, files: dict[str, dict[str, Any]], size: str) -> None:
    """Rows, goals and data for the hostile files, today's code beside BEFORE's."""
    worst_peak, worst_stall = 0.0, 0.0
    for case, sides in files.items():
        what, runs = FILE_CASES[case]
        for side in ("before", "now"):
            s = sides.get(side)
            if s is None:
                continue
            label = f"{what}: {runs} ({'code at ' + BEFORE if side == 'before' else 'now'})"
            if case in ("tags", "flush"):
                stall = s.get("stall", float("nan"))
                result.rows.append(
                    [label, "longest loop stall (ms)", stall * 1000, s["seconds"], s["ended"], "-"]
                )
                if side == "now":
                    worst_stall = max(worst_stall, stall)
                continue
            peak = s["peak_rss"] / MB
            result.rows.append(
                [label, "peak RSS of the process", peak, s["seconds"], s["ended"], "-"]
            )
            if side == "now":
                worst_peak = max(worst_peak, peak)
    result.goals += [
        Goal(
            "peak memory per hostile file",
            "< 256 MB",
            f"{fmt(worst_peak)} MB at most",
            worst_peak < 256,
        ),
        Goal(
            "longest loop stall under the review's inputs",
            "< 50 ms",
            f"{fmt(worst_stall * 1000)} ms",
            worst_stall < 0.05,
        ),
    ]
    result.data["files"] = files
    result.notes.append(
        f"Hostile files: each case runs in a fresh process (peak RSS includes the imports), "
        f"capped at {CHILD_CAP // MB} MB of address space; 'code at {BEFORE}' is the code "
        "reliability review 2 attacked, unpacked from git and run on the same files."
    )


def _result(sides: dict[str, dict[str, Any]], size: str) -> Result:
    def mb(n: float) -> float:
        return n / MB

    rows: list[list[Any]] = []
    for side, what in (
        ("client-json", "AsyncSoraClient.retrieve (16 MB cap)"),
        ("raw-json", "httpx get + .json()"),
        ("client-mp4", f"AsyncSoraClient.download ({mb(CEILING[size]):.0f} MB ceiling)"),
        ("raw-mp4", "raw httpx stream into a file"),
    ):
        s = sides[side]
        measured = "peak RSS growth" if side.endswith("json") else "most bytes on disk"
        rows.append(
            [what, measured, mb(s["peak_growth"]), s["seconds"], s["ended"], mb(s["left_on_disk"])]
        )
    client_json = mb(sides["client-json"]["peak_growth"])
    client_disk = sides["client-mp4"]["peak_growth"]
    goals = [
        Goal(
            "peak memory growth under an endless JSON body",
            "<= 64 MB",
            f"{fmt(client_json)} MB (raw httpx: {fmt(mb(sides['raw-json']['peak_growth']))} MB "
            f"when stopped after {fmt(sides['raw-json']['seconds'])} s)",
            client_json <= 64,
        ),
        Goal(
            "disk written under an endless MP4 stream",
            f"<= the ceiling ({mb(CEILING[size]):.0f} MB)",
            f"{fmt(mb(client_disk))} MB at most, {sides['client-mp4']['left_on_disk']} bytes "
            f"left (raw httpx: {fmt(mb(sides['raw-mp4']['peak_growth']))} MB when stopped)",
            client_disk <= CEILING[size] and sides["client-mp4"]["left_on_disk"] == 0,
        ),
    ]
    return Result(
        name=NAME,
        title=TITLE,
        headers=["side", "measured", "MB", "seconds", "ended with", "MB left on disk"],
        rows=rows,
        goals=goals,
        data={"sides": sides, "ceiling": CEILING[size], "raw_limits": [RAW_SECONDS[size]]},
    )


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        run_async(_serve())
    elif sys.argv[1] == "build":
        _build(Path(sys.argv[2]), sys.argv[3])
    elif sys.argv[1] == "file":
        print(json.dumps(_file_case(sys.argv[2], Path(sys.argv[3]))), flush=True)
    else:
        _, _, side, url, size = sys.argv
        print(json.dumps(_measure_side(side, url, size)), flush=True)
