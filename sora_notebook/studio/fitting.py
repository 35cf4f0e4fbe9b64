"""Reference images for a plan: decoded once, fitted to the video size, described.

The API refuses a reference image whose size differs from the video's; the plan says so
by field, or fits it (`fit="crop"` fills and trims, `"pad"` adds black bars) and says how
(`ReferenceFit.describe()`: "1000x1000 -> cropped to 720x1280").
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sora_notebook.client.references import fit_reference, load_reference, open_image
from sora_notebook.errors import ValidationError
from sora_notebook.protocol import parse_size

__all__ = ["FITS", "ReferenceFit", "fit_reference_for"]

FITS = ("crop", "pad", "none")
Fit = Literal["crop", "pad", "none"]
_URL = ("http://", "https://", "data:")
_FIT_WORD = {"crop": "cropped", "pad": "padded"}


@dataclass(frozen=True)
class ReferenceFit:
    """How a reference image meets the video size: its own size, the target, the fit."""

    source_size: tuple[int, int]
    target_size: tuple[int, int] | None
    fit: Fit

    def describe(self) -> str:
        """E.g. "1000x1000 -> cropped to 720x1280"."""
        src = "x".join(map(str, self.source_size))
        if self.target_size is None:
            return f"{src}, sent as is"
        dst = "x".join(map(str, self.target_size))
        if self.fit == "none":
            return f"{src}, fits {dst} as is" if src == dst else f"{src}, does not fit {dst}"
        return f"{src} -> {_FIT_WORD[self.fit]} to {dst}"


def fit_reference_for(
    value: Any, target: str | None, fit: str
) -> tuple[ReferenceFit | None, bytes | None, dict[str, Any] | None]:
    """(fit, image bytes to upload, or the wire field for a URL/file id)."""
    if fit not in FITS:
        raise ValidationError(f"fit must be one of {', '.join(FITS)}; got {fit!r}.")
    if isinstance(value, str) and value.startswith(_URL):
        value = {"image_url": value}
    if isinstance(value, Mapping):
        if not {"image_url", "file_id"} & set(value):
            raise ValidationError(
                "input_reference as a dict needs 'image_url' or 'file_id'.",
                param="input_reference",
            )
        return None, None, dict(value)
    picture = open_image(value)  # the one decode
    source = (picture.width, picture.height)
    if target is None:
        return (
            ReferenceFit(source, None, "none"),
            load_reference(value, None, opened=picture).content,
            None,
        )
    wanted = parse_size(target)
    if source == wanted:
        return (
            ReferenceFit(source, wanted, "none"),
            load_reference(value, None, opened=picture).content,
            None,
        )
    if fit == "none":
        raise ValidationError(
            f"The reference image is {source[0]}x{source[1]} but the video size is {target}; "
            "they must match. Choose fit='crop' (fill and trim) or fit='pad' (black bars).",
            param="input_reference",
        )
    fitted = fit_reference(picture, target, "crop" if fit == "crop" else "pad")
    buffer = io.BytesIO()
    fitted.save(buffer, format="PNG")
    return ReferenceFit(source, wanted, "crop" if fit == "crop" else "pad"), buffer.getvalue(), None
