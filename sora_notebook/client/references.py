"""Reference images: load them for upload, and make them fit a video size exactly.

The API refuses a reference image whose dimensions differ from `size` (400 "Inpaint
image must match the requested width and height"), the most common error users hit.
`fit_reference` crops or pads an image to the size; `load_reference` checks it first.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from PIL import Image, ImageOps

from sora_notebook.decoding import DecodeError, open_picture
from sora_notebook.errors import ValidationError
from sora_notebook.protocol import parse_size

__all__ = ["Reference", "fit_reference", "load_reference", "open_image", "upload_part"]

_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_EXT = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
ImageInput = bytes | bytearray | str | os.PathLike[str] | Image.Image


@dataclass(frozen=True, repr=False)
class Reference:
    """An encoded reference image ready to upload."""

    content: bytes
    content_type: str
    filename: str
    width: int
    height: int

    def __repr__(self) -> str:
        return f"Reference({self.filename!r}, {self.width}x{self.height}, {len(self.content)} B)"


def open_image(image: ImageInput) -> Image.Image:
    """A PIL image from bytes, a path or an image (JPEG, PNG or WebP)."""
    if isinstance(image, Image.Image):
        return image
    if not isinstance(image, bytes | bytearray | str | os.PathLike):
        raise ValidationError(
            f"A reference image must be bytes, a file path or a PIL image; got "
            f"{type(image).__name__}.",
            param="input_reference",
        )
    try:
        opened = open_picture(image)  # bounded: refused past MAX_PIXELS before decoding
    except FileNotFoundError as exc:
        raise ValidationError(
            f"No reference image at {image!s}; check the path.", param="input_reference"
        ) from exc
    except DecodeError as exc:
        raise ValidationError(
            f"The reference image cannot be used: {exc} Use a JPEG, PNG or WebP file.",
            param="input_reference",
        ) from exc
    return opened


def load_reference(
    image: ImageInput, size: str | None = None, *, opened: Image.Image | None = None
) -> Reference:
    """Encode a reference image for upload; with `size`, require it to match exactly.
    `opened`: the image already decoded from `image` (it is not decoded again)."""
    picture = opened if opened is not None else open_image(image)
    fmt = (picture.format or "").upper()
    if isinstance(image, Image.Image) or fmt not in _MIME:
        if fmt and fmt not in _MIME and not isinstance(image, Image.Image):
            raise ValidationError(
                f"The reference image is {fmt}; use JPEG, PNG or WebP.",
                param="input_reference",
            )
        buffer = io.BytesIO()
        picture.save(buffer, format="PNG")
        content, fmt = buffer.getvalue(), "PNG"
    elif isinstance(image, bytes | bytearray):
        content = bytes(image)
    else:
        content = Path(image).read_bytes()
    if size is not None:
        width, height = parse_size(size)
        if picture.size != (width, height):
            raise ValidationError(
                f"The reference image is {picture.width}x{picture.height} but the video size "
                f"is {size}; they must match exactly. Use "
                f"sora_notebook.fit_reference(image, {size!r}) to crop it (or mode='pad').",
                param="input_reference",
            )
    return Reference(
        content=content,
        content_type=_MIME[fmt],
        filename=f"reference.{_EXT[fmt]}",
        width=picture.width,
        height=picture.height,
    )


#: Leading bytes of the image formats the API takes, and their (format, MIME type).
_MAGIC = ((b"\x89PNG\r\n\x1a\n", "PNG"), (b"\xff\xd8\xff", "JPEG"), (b"RIFF", "WEBP"))


def upload_part(image: ImageInput) -> tuple[str, bytes, str]:
    """(file name, bytes, MIME type) of a reference image to upload, without decoding it:
    a PIL image is encoded as PNG; bytes or a file must start as a PNG, JPEG or WebP
    does. Whether it fits the video size is the studio's plan's business."""
    if isinstance(image, Image.Image):
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        content = buffer.getvalue()
    elif isinstance(image, bytes | bytearray):
        content = bytes(image)
    elif isinstance(image, str | os.PathLike):
        try:
            content = Path(image).read_bytes()
        except OSError as exc:
            raise ValidationError(
                f"No reference image at {image!s}; check the path.", param="input_reference"
            ) from exc
    else:
        raise ValidationError(
            f"A reference image must be bytes, a file path or a PIL image; got "
            f"{type(image).__name__}.",
            param="input_reference",
        )
    fmt = next((name for magic, name in _MAGIC if content.startswith(magic)), None)
    if fmt is None or (fmt == "WEBP" and content[8:12] != b"WEBP"):
        raise ValidationError(
            "The reference image is not a JPEG, PNG or WebP file.", param="input_reference"
        )
    return f"reference.{_EXT[fmt]}", content, _MIME[fmt]


def fit_reference(
    image: ImageInput, size: str, mode: Literal["crop", "pad"] = "crop"
) -> Image.Image:
    """The image at exactly `size` (`"WxH"`): `crop` fills and trims, `pad` fits and
    adds black bars. Aspect ratio is kept either way."""
    width, height = parse_size(size)
    picture = open_image(image)
    if picture.mode not in {"RGB", "RGBA"}:
        picture = picture.convert("RGB")
    if mode == "crop":
        return ImageOps.fit(picture, (width, height), method=Image.Resampling.LANCZOS)
    if mode == "pad":
        return ImageOps.pad(
            picture, (width, height), method=Image.Resampling.LANCZOS, color=(0, 0, 0)
        )
    raise ValidationError(f"mode must be 'crop' or 'pad'; got {mode!r}.", param="mode")
