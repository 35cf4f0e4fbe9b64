"""A thumbnail and a spritesheet made locally from an MP4, for servers that serve only the
video (vLLM-Omni, SGLang, LiteLLM, OpenRouter, Together): cards and scrubbing still work.

Decoding runs in a worker thread (`make_stills` is sync; the runner calls it through
`asyncio.to_thread`). The shapes match the emulator's: the thumbnail is the middle frame
as WebP; the spritesheet is one 160-pixel-wide tile per second, five to a row, JPEG.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from pathlib import Path
from typing import Any

from sora_notebook.decoding import DecodeError, fit_within, video_frames
from sora_notebook.library import Job, Library

__all__ = ["MAX_TILES", "make_local_stills", "make_stills"]

log = logging.getLogger(__name__)

TILE_WIDTH = 160
#: The thumbnail is the middle frame scaled to fit this box (never up).
POSTER_BOX = (1280, 1280)
MAX_TILES = 60
_COLUMNS = 5


def make_stills(video: Path, thumbnail: Path, spritesheet: Path) -> None:
    """Write `thumbnail` (WebP) and `spritesheet` (JPEG) from the MP4 at `video`.

    Frames come one at a time from `sora_notebook.decoding` (pixel and frame limits);
    each picture kept is scaled as it is taken (the poster to `POSTER_BOX`, tiles to
    `TILE_WIDTH`), so memory stays small whatever the video's size."""
    from PIL import Image

    info: dict[str, float] = {}
    frames = video_frames(video, None, info=info)
    tiles: list[Image.Image] = []
    poster: Image.Image | None = None
    last = None
    wanted: list[float] = []
    middle = 0.0
    for frame in frames:
        if last is None:
            duration = info["seconds"]
            count = max(1, min(MAX_TILES, math.ceil(duration)))
            wanted = [min(duration, s + 0.5) for s in range(count)]
            middle = duration / 2
        last = frame
        t = float(frame.time or 0.0)
        if poster is None and t >= middle:
            poster = _scaled(frame, POSTER_BOX)
        while wanted and t >= wanted[0]:
            wanted.pop(0)
            tiles.append(_scaled(frame, (TILE_WIDTH, TILE_WIDTH * 4)))
        if poster is not None and not wanted:
            break
    if last is None:
        raise ValueError("the video has no frames")
    poster = poster or _scaled(last, POSTER_BOX)
    tiles = tiles or [_scaled(last, (TILE_WIDTH, TILE_WIDTH * 4))]
    frames.close()  # the decoder's buffers go now, not when the generator is collected
    poster.save(thumbnail, format="WEBP", quality=80, method=0)
    height = max(2, round(TILE_WIDTH * poster.height / max(1, poster.width)))
    cols = min(len(tiles), _COLUMNS)
    rows = math.ceil(len(tiles) / cols)
    sheet = Image.new("RGB", (cols * TILE_WIDTH, rows * height), (0, 0, 0))
    for i, tile in enumerate(tiles):
        small = tile.convert("RGB").resize((TILE_WIDTH, height), Image.Resampling.BILINEAR)
        sheet.paste(small, ((i % cols) * TILE_WIDTH, (i // cols) * height))
    sheet.save(spritesheet, format="JPEG", quality=80)


def _scaled(frame: Any, box: tuple[int, int]) -> Any:
    """One frame as a PIL image no larger than `box`."""
    width, height = fit_within(frame.width, frame.height, box)
    return frame.reformat(width, height, "rgb24", interpolation="AREA").to_image()


async def make_local_stills(library: Library, job: Job) -> Job:
    """Save a thumbnail and spritesheet made from the job's saved MP4 (best effort: a
    video that cannot be decoded keeps its card without them)."""
    video = library.media_path(job, "video")
    if video is None or ("thumbnail" in job.media and "spritesheet" in job.media):
        return job
    thumb, sheet = library.temp_path(".webp"), library.temp_path(".jpg")
    try:
        await asyncio.to_thread(make_stills, video, thumb, sheet)
        job = library.save_media(job.key, "thumbnail", thumb)
        return library.save_media(job.key, "spritesheet", sheet)
    except DecodeError as exc:  # past a decode limit: said on its card, the rest goes on
        log.info("no local stills for %s: %s", job.key, exc)
        return library.update(job.key, error_message=f"No thumbnail or spritesheet: {exc}")
    except Exception as exc:
        log.info("no local stills for %s: %s", job.key, exc)
        return library.get(job.key)
    finally:
        for leftover in (thumb, sheet):
            with contextlib.suppress(OSError):
                leftover.unlink()
