"""Small pictures for the page: downscaled thumbnail data URLs and spritesheet grids.

Data URLs keep cards, the tree and the saved-notebook fallback independent of any file
server; they are small (a WebP a few kB wide) and cached per file and size.
"""

from __future__ import annotations

import base64
import functools
import io
import os
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from sora_notebook.decoding import open_picture, picture_size

__all__ = ["sprite_grid", "sprite_grid_of", "thumb_data_url"]


@functools.lru_cache(maxsize=2048)
def _thumb(path: str, mtime_ns: int, width: int, quality: int) -> str:
    del mtime_ns  # part of the cache key only
    try:
        picture = open_picture(path, box=(width, width * 4)).convert("RGB")
    except (OSError, UnidentifiedImageError, ValueError):
        return ""
    if picture.width > width:
        height = max(1, round(picture.height * width / picture.width))
        picture = picture.resize((width, height), Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    picture.save(buffer, format="WEBP", quality=quality)
    return "data:image/webp;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def thumb_data_url(path: str | os.PathLike[str] | None, width: int = 160, quality: int = 60) -> str:
    """A small WebP data URL of an image file, or "" when there is none or it is unreadable."""
    if path is None:
        return ""
    file = Path(path)
    try:
        mtime = file.stat().st_mtime_ns
    except OSError:
        return ""
    return _thumb(str(file), mtime, width, quality)


def sprite_grid(
    sheet_size: tuple[int, int], video_size: str | None, seconds: str | int | None = None
) -> tuple[int, int, int] | None:
    """(columns, rows, frames) of a spritesheet of equal tiles with the video's aspect.

    The fewest columns whose tiles stack into a whole number of rows wins. With `seconds`
    known and one tile per second (the emulator's layout), a short last row is allowed for.
    """
    width, height = sheet_size
    try:
        vw, vh = (int(v) for v in str(video_size).split("x"))
    except (TypeError, ValueError):
        return None
    if width <= 0 or height <= 0 or vw <= 0 or vh <= 0:
        return None
    for cols in range(1, 41):
        tile_h = (width / cols) * vh / vw
        rows = height / tile_h
        if rows >= 0.95 and abs(rows - round(rows)) <= 0.03 * max(1, round(rows)):
            rows_i = round(rows)
            frames = cols * rows_i
            try:
                n = int(seconds) if seconds is not None else 0
            except (TypeError, ValueError):
                n = 0
            if (rows_i - 1) * cols < n <= frames:
                frames = n
            return cols, rows_i, frames
    return None


def sprite_grid_of(
    path: str | os.PathLike[str], video_size: str | None, seconds: str | int | None = None
) -> tuple[int, int, int] | None:
    """`sprite_grid` for an image file; None when it cannot be read."""
    try:
        size = picture_size(path)
    except (OSError, UnidentifiedImageError, ValueError):
        return None
    return sprite_grid(size, video_size, seconds)
