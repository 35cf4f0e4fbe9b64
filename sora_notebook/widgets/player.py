"""Media for the page over the widget channel, where no `files/` URL reaches it.

VS Code, Colab and marimo have no Jupyter `/files/` route, and a library outside the
server root has none either: the page then asks for a job's media by key and variant
(batched, one reply with several buffers) and plays a Blob URL. Only the library's own
files of known jobs are sent, each bounded in size; the page never names a path.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

from sora_notebook import Job

__all__ = ["MAX_BYTES", "MIME", "MediaServer", "png_frame"]

MIME = {"video": "video/mp4", "thumbnail": "image/webp", "spritesheet": "image/jpeg"}
MAX_BYTES = 512 * 1024 * 1024
MAX_BATCH_BYTES = 64 * 1024 * 1024
THUMB_WIDTH = 360
Reply = tuple[dict[str, Any], list[bytes]]


@functools.lru_cache(maxsize=1024)
def _small(path: str, mtime_ns: int, width: int) -> bytes:
    del mtime_ns  # part of the cache key only
    try:
        with Image.open(path) as im:
            picture = im.convert("RGB")
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
        return b""
    if picture.width > width:
        height = max(1, round(picture.height * width / picture.width))
        picture = picture.resize((width, height), Image.Resampling.BILINEAR)
    out = io.BytesIO()
    picture.save(out, format="WEBP", quality=70)
    return out.getvalue()


class MediaServer:
    """Answers the page's `media` requests from a job lookup and a media-path lookup."""

    def __init__(
        self, find: Callable[[str], Job | None], path_of: Callable[[Job, str], Path | None]
    ) -> None:
        self._find = find
        self._path_of = path_of
        self.extra: dict[str, tuple[str, bytes]] = {}  # "@reference" -> (mime, bytes)

    def one(self, key: str, variant: str) -> tuple[str, bytes]:
        if key in self.extra:
            return self.extra[key]
        return self._read(self._locate(key, variant), variant)

    def _locate(self, key: str, variant: str) -> Path:
        """The file to send, checked by `stat` before anything is read."""
        job = self._find(key)
        path = self._path_of(job, variant) if job is not None and variant in MIME else None
        if path is None:
            raise LookupError(f"No local {variant} file for this video.")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ValueError(f"The {variant} file is {size:,} bytes, too large to send inline.")
        return path

    def _size(self, key: str, variant: str) -> int:
        """What an item will cost the batch (a thumbnail is sent small)."""
        if key in self.extra:
            return len(self.extra[key][1])
        path = self._locate(key, variant)
        return (
            min(path.stat().st_size, 1024 * 1024) if variant == "thumbnail" else path.stat().st_size
        )

    def _read(self, path: Path, variant: str) -> tuple[str, bytes]:
        if variant == "thumbnail":
            data = _small(str(path), path.stat().st_mtime_ns, THUMB_WIDTH)
            if data:
                return "image/webp", data
        return MIME[variant], path.read_bytes()

    def batch(self, items: Sequence[Any]) -> Reply:
        """`items` = [[key, variant], ...] -> per item `{mime}` or `{error}`; buffers in order."""
        results: list[dict[str, Any]] = []
        buffers: list[bytes] = []
        sent: dict[tuple[str, str], dict[str, Any]] = {}  # an item asked twice is read once
        total = 0
        for item in list(items)[:64]:
            pair = (
                (str(item[0]), str(item[1]))
                if isinstance(item, list | tuple) and len(item) == 2
                else ("", "")
            )
            key, variant = pair
            if pair in sent:
                results.append(sent[pair])
                continue
            try:
                size = self._size(key, variant)  # the limit is checked before reading
                if total + size > MAX_BATCH_BYTES and buffers:
                    raise ValueError("Too much media in one request; ask again.")
                mime, data = self.one(key, variant)
            except (LookupError, ValueError, OSError, Image.DecompressionBombError) as exc:
                results.append({"key": key, "variant": variant, "error": str(exc)})
                continue
            total += len(data)
            answer = {"key": key, "variant": variant, "mime": mime, "buffer": len(buffers)}
            sent[pair] = answer
            results.append(answer)
            buffers.append(data)
        return {"items": results}, buffers


def png_frame(buffers: Sequence[Any]) -> bytes:
    """The PNG the page captured from a video frame (checked)."""
    if not buffers:
        raise ValueError("The frame arrived without its image.")
    data = bytes(buffers[0])
    if not data.startswith(b"\x89PNG"):
        raise ValueError("The frame is not a PNG image.")
    return data
