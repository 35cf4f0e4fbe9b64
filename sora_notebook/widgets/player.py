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

from sora_notebook.decoding import open_picture
from sora_notebook.library import Job

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
        picture = open_picture(path, box=(width, width * 4)).convert("RGB")
    except (OSError, UnidentifiedImageError, ValueError):
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
        mime, source = self._locate(key, variant)
        return mime, source if isinstance(source, bytes) else source.read_bytes()

    def _locate(self, key: str, variant: str) -> tuple[str, Path | bytes]:
        """The media's type and its file (or its bytes, for small derived pictures),
        checked against the size limit before anything is read."""
        if key in self.extra:
            return self.extra[key]
        job = self._find(key)
        path = self._path_of(job, variant) if job is not None and variant in MIME else None
        if path is None:
            raise LookupError(f"No local {variant} file for this video.")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ValueError(f"The {variant} file is {size:,} bytes, too large to send inline.")
        if variant == "thumbnail":
            data = _small(str(path), path.stat().st_mtime_ns, THUMB_WIDTH)
            if data:
                return "image/webp", data
        return MIME[variant], path

    def batch(self, items: Any) -> Reply:
        """`items` = [[key, variant], ...] -> per item `{mime}` or `{error}`; buffers in order.

        Sizes are checked before any file is read (the batch's limit included), and an
        item asked for twice shares one buffer."""
        results: list[dict[str, Any]] = []
        buffers: list[bytes] = []
        sent: dict[tuple[str, str], dict[str, Any]] = {}
        total = 0
        for item in list(items)[:64] if isinstance(items, list) else []:
            key, variant = _pair(item)
            if (key, variant) in sent:
                results.append(sent[(key, variant)])
                continue
            try:
                mime, source = self._locate(key, variant)
                size = len(source) if isinstance(source, bytes) else source.stat().st_size
                if total + size > MAX_BATCH_BYTES and buffers:
                    raise ValueError("Too much media in one request; ask again.")
                data = source if isinstance(source, bytes) else source.read_bytes()
            except (LookupError, ValueError, OSError) as exc:
                results.append({"key": key, "variant": variant, "error": str(exc)})
                continue
            total += len(data)
            sent[(key, variant)] = {
                "key": key,
                "variant": variant,
                "mime": mime,
                "buffer": len(buffers),
            }
            results.append(sent[(key, variant)])
            buffers.append(data)
        return {"items": results}, buffers


def _pair(item: Any) -> tuple[str, str]:
    """A page's `[key, variant]`, or an empty pair for anything else (refused below)."""
    if isinstance(item, list | tuple) and len(item) == 2:
        return str(item[0])[:4096], str(item[1])[:32]
    return "", ""


def png_frame(buffers: Sequence[Any]) -> bytes:
    """The PNG the page captured from a video frame (checked)."""
    if not buffers:
        raise ValueError("The frame arrived without its image.")
    data = bytes(buffers[0])
    if not data.startswith(b"\x89PNG"):
        raise ValueError("The frame is not a PNG image.")
    return data
