"""`PlayerView`: one MP4, played by URL from JupyterLab, or by bytes when the URL fails.

The view first loads `src` (a `files/...` URL resolved against the page's base URL). If
the frontend cannot load it (another frontend, a file outside the server root), the ESM
asks for the bytes with a `media` request and plays a Blob URL. The poster is a small
thumbnail data URL; hovering the poster scrubs through the spritesheet. In frame-picking
mode the ESM sends the shown frame back as PNG bytes (`frame` request).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anywidget
import traitlets as t

from sora_notebook.widgets.assets import STATIC, esm
from sora_notebook.widgets.media_url import files_url, server_root
from sora_notebook.widgets.rpc import Reply, RequestsMixin
from sora_notebook.widgets.thumbs import sprite_grid_of, thumb_data_url

__all__ = ["MIME", "MediaFiles", "PlayerView"]

MIME = {"video": "video/mp4", "thumbnail": "image/webp", "spritesheet": "image/jpeg"}
MAX_BYTES = 512 * 1024 * 1024
PathLike = str | os.PathLike[str]
FrameCallback = Callable[[bytes, float], None]


class MediaFiles:
    """The only files a view may send: registered by Python, never named by the page."""

    def __init__(self) -> None:
        self._files: dict[tuple[str, str], Path] = {}

    def set(self, key: str, variant: str, path: PathLike | None) -> None:
        if path is None:
            self._files.pop((key, variant), None)
        else:
            self._files[(key, variant)] = Path(path)

    def clear(self) -> None:
        self._files.clear()

    def read(self, key: str, variant: str) -> Reply:
        path = self._files.get((str(key), str(variant)))
        if path is None or not path.is_file():
            raise LookupError(f"No local {variant} file for this video.")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ValueError(f"The {variant} file is {size:,} bytes, too large to send inline.")
        data = path.read_bytes()
        return {"mime": MIME.get(variant, "application/octet-stream"), "size": size}, [data]


def media_urls(root: Path | None, **paths: PathLike | None) -> dict[str, str]:
    return {name: files_url(p, root) if p else "" for name, p in paths.items()}


class PlayerView(RequestsMixin, anywidget.AnyWidget):
    """Play one video file; the poster scrubs through the spritesheet on hover."""

    _esm = esm("player.js", common=True)
    _css = STATIC / "player.css"

    src = t.Unicode("").tag(sync=True)
    has_video = t.Bool(False).tag(sync=True)
    poster = t.Unicode("").tag(sync=True)
    sprite = t.Dict().tag(sync=True)
    label = t.Unicode("").tag(sync=True)
    message = t.Unicode("").tag(sync=True)
    filename = t.Unicode("video.mp4").tag(sync=True)
    picking = t.Bool(False).tag(sync=True)
    compact = t.Bool(False).tag(sync=True)

    def __init__(
        self,
        video: PathLike | None = None,
        *,
        thumbnail: PathLike | None = None,
        spritesheet: PathLike | None = None,
        size: str | None = None,
        seconds: str | int | None = None,
        label: str = "",
        root: Path | bool | None = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._init_requests()
        self._root = server_root() if root is True else (root or None)
        self._files = MediaFiles()
        self._frame_callbacks: list[FrameCallback] = []
        self.set_media(
            video,
            thumbnail=thumbnail,
            spritesheet=spritesheet,
            size=size,
            seconds=seconds,
            label=label,
        )

    def set_media(
        self,
        video: PathLike | None,
        *,
        thumbnail: PathLike | None = None,
        spritesheet: PathLike | None = None,
        size: str | None = None,
        seconds: str | int | None = None,
        label: str = "",
        message: str = "",
    ) -> None:
        """Show a video (None clears the player and shows `message`)."""
        for variant, path in (
            ("video", video),
            ("thumbnail", thumbnail),
            ("spritesheet", spritesheet),
        ):
            self._files.set("", variant, path)
        urls = media_urls(self._root, video=video, sprite=spritesheet)
        grid = sprite_grid_of(spritesheet, size, seconds) if spritesheet else None
        with self.hold_sync():
            self.src = urls["video"]
            self.has_video = bool(video) and Path(video).is_file()
            self.poster = thumb_data_url(thumbnail, width=480, quality=70)
            self.sprite = (
                {"url": urls["sprite"], "cols": grid[0], "rows": grid[1], "frames": grid[2]}
                if grid
                else {}
            )
            self.label = label
            self.message = message
            self.filename = Path(video).name if video else "video.mp4"

    def on_frame(self, callback: FrameCallback) -> None:
        """Call `callback(png_bytes, time_seconds)` when the person picks a frame."""
        self._frame_callbacks.append(callback)

    def play(self) -> None:
        self.command("play")

    def download(self) -> None:
        self.command("download", filename=self.filename)

    def request_media(self, args: dict[str, Any], _buffers: list[Any]) -> Reply:
        return self._files.read("", str(args.get("variant", "video")))

    def request_frame(self, args: dict[str, Any], buffers: list[Any]) -> Reply:
        if not buffers:
            raise ValueError("The frame arrived without its image.")
        data = bytes(buffers[0])
        if not data.startswith(b"\x89PNG"):
            raise ValueError("The frame is not a PNG image.")
        time = float(args.get("time") or 0.0)
        for callback in list(self._frame_callbacks):
            callback(data, time)
        return {"bytes": len(data)}, []
