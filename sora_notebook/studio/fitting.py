"""Reference images for a plan: decoded once, fitted to the video size, described.

The API refuses a reference image whose size differs from the video's; the plan says so
by field, or fits it (`fit="crop"` fills and trims, `"pad"` adds black bars) and says how
(`ReferenceFit.describe()`: "1000x1000 -> cropped to 720x1280").
"""

from __future__ import annotations

import io
from collections import OrderedDict
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


Fitted = tuple[ReferenceFit | None, bytes | None, dict[str, Any] | None]

#: The last few fits of pictures given as bytes (the view re-plans its form on every state
#: flush; a picture is decoded and fitted once per change of picture, size or fit).
_RECENT: OrderedDict[tuple[bytes, str | None, str], Fitted | ValidationError] = OrderedDict()
_RECENT_SIZE = 4


def fit_reference_for(value: Any, target: str | None, fit: str) -> Fitted:
    """(fit, image bytes to upload, or the wire field for a URL/file id). A picture given
    as bytes is fitted once per (picture, size, fit): later calls reuse the outcome."""
    if not isinstance(value, bytes):
        return _fit(value, target, fit)
    key = (value, target, fit)
    outcome = _RECENT.get(key)
    if outcome is None:
        try:
            outcome = _fit(value, target, fit)
        except ValidationError as exc:
            outcome = exc
        _RECENT[key] = outcome
        while len(_RECENT) > _RECENT_SIZE:
            _RECENT.popitem(last=False)
    _RECENT.move_to_end(key)
    if isinstance(outcome, ValidationError):
        raise ValidationError(outcome.message, param=outcome.param)
    return outcome


def _fit(value: Any, target: str | None, fit: str) -> Fitted:
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
