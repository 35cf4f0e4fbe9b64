"""The one home for decoding pictures and video frames, bounded (a leaf: PIL and PyAV).

Every file a server, an archive or a person hands over is decoded here, so the limits
hold everywhere: a picture or frame past `MAX_PIXELS` is refused from its header before
its pixels are decoded (JPEGs are first reduced by the decoder when a smaller size is
wanted), a video yields at most `MAX_FRAMES` frames, each scaled down as it is decoded,
one at a time (no list of full-size frames). A file past a limit raises `DecodeError`
(a `ValueError`) saying what to do.
"""

from __future__ import annotations

import io
import math
import os
import warnings
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sora_notebook.errors import SoraNotebookError

if TYPE_CHECKING:
    from PIL import Image

__all__ = [
    "MAX_FRAMES",
    "MAX_PIXELS",
    "DecodeError",
    "fit_within",
    "open_picture",
    "picture_size",
    "video_frames",
]

#: The most pixels one picture or video frame may have (4096x2160, DCI 4K; Sora's
#: largest output is 1792x1024). A decoder holds several frames of this size at once.
MAX_PIXELS = 4096 * 2160
#: At most this many frames are decoded from one video (about 2 minutes at 24 fps).
MAX_FRAMES = 3000

PictureSource = bytes | bytearray | str | os.PathLike[str]


class DecodeError(SoraNotebookError, ValueError):
    """A picture or video that cannot be decoded within the limits."""


def _name(source: object) -> str:
    return Path(source).name if isinstance(source, str | os.PathLike) else "the picture"


def _too_big(what: str, width: int, height: int, limit: int) -> DecodeError:
    return DecodeError(
        f"{what} is {width}x{height} ({width * height:,} pixels); at most {limit:,} are "
        "decoded. Use a smaller file."
    )


def open_picture(
    source: PictureSource, *, box: tuple[int, int] | None = None, max_pixels: int = MAX_PIXELS
) -> Image.Image:
    """Decode a picture (bytes or a path), refusing one past `max_pixels` before its
    pixels are read. A JPEG is decoded at a reduced scale (1/2 to 1/8) that still covers
    `box`, and always one under `max_pixels`, so a 48 MP photo opens at a quarter of its
    size instead of being refused. Returns a loaded image."""
    from PIL import Image, UnidentifiedImageError

    name = _name(source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            if isinstance(source, bytes | bytearray):
                picture = Image.open(io.BytesIO(bytes(source)))
            else:
                picture = Image.open(Path(source))
            if picture.format == "JPEG":
                _reduce(picture, box, max_pixels)
            width, height = picture.size
            if width * height > max_pixels:
                picture.close()
                raise _too_big(name, width, height, max_pixels)
            picture.load()
    except Image.DecompressionBombError as exc:
        raise DecodeError(f"{name} is too large to decode ({exc}). Use a smaller file.") from None
    except FileNotFoundError:
        raise
    except UnidentifiedImageError:
        raise DecodeError(
            f"{name} is not a picture that can be read: use a PNG, JPEG, WebP, GIF, BMP or "
            "TIFF file."
        ) from None
    except (OSError, SyntaxError, EOFError) as exc:
        raise DecodeError(f"{name} cannot be read as a picture ({exc}).") from exc
    return picture


def _reduce(picture: Image.Image, box: tuple[int, int] | None, max_pixels: int) -> None:
    """Let the JPEG decoder scale by 1/2, 1/4 or 1/8 while decoding: down to `box`, and
    always far enough to come under `max_pixels` (a 48 MP photo still opens)."""
    width, height = picture.size
    if width * height > max_pixels:
        # the decoder's result is at most twice the target each way: aim at half
        k = math.sqrt(max_pixels / (width * height)) / 2
        under = (math.ceil(width * k), math.ceil(height * k))
        box = under if box is None else (min(box[0], under[0]), min(box[1], under[1]))
    if box is not None:
        picture.draft("RGB", box)


def picture_size(source: PictureSource) -> tuple[int, int]:
    """(width, height) from the header alone; `DecodeError` when it cannot be read."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            data = io.BytesIO(bytes(source)) if isinstance(source, bytes | bytearray) else source
            with Image.open(data) as picture:
                return picture.size
    except Image.DecompressionBombError as exc:
        raise DecodeError(f"{_name(source)} is too large ({exc}).") from None
    except (UnidentifiedImageError, OSError, SyntaxError, EOFError) as exc:
        raise DecodeError(f"{_name(source)} cannot be read as a picture ({exc}).") from exc


def fit_within(width: int, height: int, box: tuple[int, int]) -> tuple[int, int]:
    """The even size of `width`x`height` scaled down (never up) to fit inside `box`."""
    scale = min(1.0, box[0] / max(1, width), box[1] / max(1, height))
    return max(2, round(width * scale) // 2 * 2), max(2, round(height * scale) // 2 * 2)


def video_frames(
    path: str | os.PathLike[str],
    box: tuple[int, int] | None,
    *,
    fmt: str = "rgb24",
    max_frames: int = MAX_FRAMES,
    max_pixels: int = MAX_PIXELS,
    info: dict[str, Any] | None = None,
) -> Generator[Any, None, None]:
    """Yield the frames of the first video stream as PyAV frames scaled into `box` (one
    at a time, `fmt` pixels; `box=None`: as decoded, for a caller that keeps only a
    few, each scaled as it is taken), at most `max_frames`. A stream or frame past `max_pixels`
    raises `DecodeError` before it is decoded at full size. `info`, when given, receives
    the stream's `width`, `height`, `fps` and `seconds` before the first frame."""
    import av

    name = Path(path).name
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise DecodeError(f"{name} has no video stream.")
            stream = container.streams.video[0]
            width, height = stream.codec_context.width, stream.codec_context.height
            if width * height > max_pixels:
                raise _too_big(name, width, height, max_pixels)
            stream.thread_type = "AUTO"
            if info is not None:
                info.update(
                    width=width,
                    height=height,
                    fps=float(stream.average_rate or 24),
                    seconds=_seconds(container, stream),
                )
            for count, frame in enumerate(container.decode(stream), 1):
                if frame.width * frame.height > max_pixels:
                    raise _too_big(name, frame.width, frame.height, max_pixels)
                if box is None:
                    yield frame
                else:
                    w, h = fit_within(frame.width, frame.height, box)
                    yield frame.reformat(w, h, fmt, interpolation="AREA")
                if count >= max_frames:
                    break
    except av.error.FFmpegError as exc:
        raise DecodeError(f"Could not decode {name}: {exc}") from exc


def _seconds(container: Any, stream: Any) -> float:
    duration, base = getattr(stream, "duration", None), getattr(stream, "time_base", None)
    if duration is not None and base is not None:
        return max(0.04, float(duration * base))
    total = getattr(container, "duration", None)
    return max(0.04, total / 1_000_000) if total else 1.0
