"""A media batch checks its limits before reading anything (issue 20, F11)."""

from __future__ import annotations

from pathlib import Path

from sora_notebook.widgets.player import MAX_BATCH_BYTES, MediaServer
from tests.widgets.conftest import make_job


def _server(tmp_path: Path, sizes: dict[str, int]) -> MediaServer:
    paths = {}
    for key, size in sizes.items():
        path = tmp_path / f"{key}.mp4"
        with path.open("wb") as f:  # sparse: large on paper, nothing on disk
            f.truncate(size)
        paths[key] = path
    return MediaServer(lambda key: make_job(key), lambda job, _variant: paths[job.key])


def test_files_past_the_batch_limit_are_refused_unread(tmp_path, monkeypatch):
    big = MAX_BATCH_BYTES * 3 // 4
    server = _server(tmp_path, {"a": big, "b": big, "c": big})
    read: list[Path] = []
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: read.append(self) or real(self))
    result, buffers = server.batch([["a", "video"], ["b", "video"], ["c", "video"]])
    assert [len(b) for b in buffers] == [big]
    assert [i.get("error", "") for i in result["items"]][1:] == [
        "Too much media in one request; ask again."
    ] * 2
    assert read == [tmp_path / "a.mp4"]  # b and c were never read


def test_an_item_asked_many_times_is_read_once(tmp_path, monkeypatch):
    server = _server(tmp_path, {"a": 1000})
    read: list[Path] = []
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: read.append(self) or real(self))
    result, buffers = server.batch([["a", "video"]] * 64)
    assert len(buffers) == 1 and len(read) == 1
    assert all(item["buffer"] == 0 for item in result["items"]) and len(result["items"]) == 64
