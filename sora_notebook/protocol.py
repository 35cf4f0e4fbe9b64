"""The OpenAI Video API as data: shapes, tolerant parsing, capabilities, prices. No I/O.

Parsing never fails on what real servers do differently (../shared/PROTOCOL.md):
unknown fields are kept in `raw`, unknown statuses stay plain strings, `error.code` may
be an integer or missing, a list page may lack `has_more`.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from sora_notebook.errors import ValidationError

__all__ = [
    "COMPLETED",
    "DEFAULT_MODEL",
    "DEFAULT_SECONDS",
    "DEFAULT_SIZE",
    "FAILED",
    "IN_PROGRESS",
    "MAX_PROMPT_CHARS",
    "MEDIA_TYPES",
    "MODELS",
    "QUEUED",
    "TERMINAL_STATUSES",
    "VARIANTS",
    "DeletedVideo",
    "MediaType",
    "ModelSpec",
    "Video",
    "VideoError",
    "VideoPage",
    "check_video_id",
    "estimate_cost",
    "id_file_stem",
    "id_path_segment",
    "normalize_seconds",
    "parse_size",
    "validate_create",
]

QUEUED, IN_PROGRESS, COMPLETED, FAILED = "queued", "in_progress", "completed", "failed"
TERMINAL_STATUSES = frozenset({COMPLETED, FAILED})
VARIANTS = ("video", "thumbnail", "spritesheet")


@dataclass(frozen=True)
class MediaType:
    """What a media variant is on disk and on the wire."""

    ext: str  # file suffix, with its dot
    mime: str  # Content-Type


#: The one table of media variants: file suffix and content type of each.
MEDIA_TYPES: Mapping[str, MediaType] = {
    "video": MediaType(".mp4", "video/mp4"),
    "thumbnail": MediaType(".webp", "image/webp"),
    "spritesheet": MediaType(".jpg", "image/jpeg"),
}
MAX_PROMPT_CHARS = 32_000
#: Ids are opaque and can be long (a LiteLLM proxy's are 240+ characters); this only
#: bounds what is kept from a server.
MAX_ID_CHARS = 4096
DEFAULT_MODEL, DEFAULT_SIZE, DEFAULT_SECONDS = "sora-2", "720x1280", "4"


@dataclass(frozen=True)
class ModelSpec:
    """What one model accepts, and what it cost per second of output by size."""

    sizes: tuple[str, ...]
    seconds: tuple[str, ...]
    price_per_second: Mapping[str, float] = field(default_factory=dict)


_SECONDS = ("4", "8", "12", "16", "20")
_SORA2 = ModelSpec(
    sizes=("720x1280", "1280x720"),
    seconds=_SECONDS,
    price_per_second={"720x1280": 0.10, "1280x720": 0.10},
)
_SORA2_PRO = ModelSpec(
    sizes=("720x1280", "1280x720", "1024x1792", "1792x1024", "1080x1920", "1920x1080"),
    seconds=_SECONDS,
    price_per_second={
        "720x1280": 0.30,
        "1280x720": 0.30,
        "1024x1792": 0.50,
        "1792x1024": 0.50,
        "1080x1920": 0.70,
        "1920x1080": 0.70,
    },
)


def _emulated(sizes: tuple[str, ...], rate: float) -> ModelSpec:
    return ModelSpec(sizes=sizes, seconds=_SECONDS, price_per_second=dict.fromkeys(sizes, rate))


_PORTRAIT_LANDSCAPE = ("720x1280", "1280x720")
#: Models whose limits are known. Any other model name is passed through unchecked.
#: The `emu-*` models exist only on the built-in emulator (its arena of several models).
MODELS: Mapping[str, ModelSpec] = {
    "sora-2": _SORA2,
    "sora-2-2025-10-06": _SORA2,
    "sora-2-2025-12-08": _SORA2,
    "sora-2-pro": _SORA2_PRO,
    "sora-2-pro-2025-10-06": _SORA2_PRO,
    "emu-amber": _emulated(_PORTRAIT_LANDSCAPE, 0.05),
    "emu-slate": _emulated(_PORTRAIT_LANDSCAPE, 0.12),
    "emu-noir": _emulated((*_PORTRAIT_LANDSCAPE, "1024x1792", "1792x1024"), 0.25),
}


@dataclass(frozen=True)
class VideoError:
    """Why a job failed. `code` is a string on OpenAI, an integer on vLLM-Omni, or None."""

    message: str
    code: str | int | None = None

    @classmethod
    def from_dict(cls, data: Any) -> VideoError | None:
        if not data:
            return None
        if not isinstance(data, Mapping):
            return cls(message=str(data))
        return cls(message=str(data.get("message") or "unknown error"), code=data.get("code"))


@dataclass(frozen=True)
class Video:
    """One video job as a server reported it. `raw` keeps every field, known or not."""

    id: str
    status: str
    progress: int = 0
    model: str | None = None
    prompt: str | None = None
    size: str | None = None
    seconds: str | None = None
    created_at: int | None = None
    completed_at: int | None = None
    expires_at: int | None = None
    remixed_from_video_id: str | None = None
    error: VideoError | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def server_cost(self) -> float | None:
        """USD the server reported for this job (its dialect put it in `server_cost`)."""
        value = self.raw.get("server_cost")
        return (
            float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Video:
        if not isinstance(data, Mapping) or not data.get("id"):
            raise ValueError(f"not a video object: {str(data)[:200]!r}")
        seconds = data.get("seconds")
        return cls(
            id=str(data["id"]),
            status=str(data.get("status") or "unknown"),
            progress=max(0, min(100, _as_int(data.get("progress")) or 0)),
            model=_as_str(data.get("model")),
            prompt=_as_str(data.get("prompt")),
            size=_as_str(data.get("size")),
            seconds=None if seconds is None else str(seconds),
            created_at=_as_int(data.get("created_at")),
            completed_at=_as_int(data.get("completed_at")),
            expires_at=_as_int(data.get("expires_at")),
            remixed_from_video_id=_as_str(data.get("remixed_from_video_id")),
            error=VideoError.from_dict(data.get("error")),
            raw=dict(data),
        )

    def to_dict(self) -> dict[str, Any]:
        """The server's own fields, as received (for storing and re-parsing)."""
        return dict(self.raw) or {"id": self.id, "status": self.status}

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def is_completed(self) -> bool:
        return self.status == COMPLETED

    @property
    def is_failed(self) -> bool:
        return self.status == FAILED

    def is_expired(self, now: float | None = None) -> bool:
        """True when the server said its media is gone by now."""
        if self.expires_at is None:
            return False
        return (time.time() if now is None else now) >= self.expires_at


@dataclass(frozen=True)
class VideoPage:
    """One page of `GET /videos`. `has_more` is None when the server did not say."""

    data: tuple[Video, ...]
    has_more: bool | None = None
    first_id: str | None = None
    last_id: str | None = None

    @classmethod
    def from_dict(cls, body: Mapping[str, Any]) -> VideoPage:
        items = body.get("data") if isinstance(body, Mapping) else None
        # Items that are not jobs (no id) are skipped rather than failing the whole page.
        videos = tuple(
            Video.from_dict(v) for v in items or () if isinstance(v, Mapping) and v.get("id")
        )
        has_more = body.get("has_more")
        return cls(
            data=videos,
            has_more=has_more if isinstance(has_more, bool) else None,
            first_id=_as_str(body.get("first_id")),
            last_id=_as_str(body.get("last_id")),
        )


@dataclass(frozen=True)
class DeletedVideo:
    id: str
    deleted: bool

    @classmethod
    def from_dict(cls, body: Mapping[str, Any], video_id: str) -> DeletedVideo:
        # SGLang answers a delete with the job itself; treat any 2xx as deleted.
        deleted = body.get("deleted", True) if isinstance(body, Mapping) else True
        return cls(id=str(body.get("id") or video_id), deleted=bool(deleted))


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError, OverflowError):
        return None


def _as_str(value: Any) -> str | None:
    return None if value is None else str(value)


# --- parameters ---------------------------------------------------------------------

_SIZE_RE = re.compile(r"^(\d{2,5})x(\d{2,5})$")


def parse_size(size: str) -> tuple[int, int]:
    """`"720x1280"` -> `(720, 1280)` (width, height)."""
    match = _SIZE_RE.match(str(size).strip())
    if not match:
        raise ValidationError(
            f"size must look like 'WIDTHxHEIGHT', e.g. '1280x720'; got {size!r}.", param="size"
        )
    width, height = int(match[1]), int(match[2])
    if width < 16 or height < 16:
        raise ValidationError(f"size {size!r} is too small.", param="size")
    return width, height


def normalize_seconds(seconds: int | str) -> str:
    """The API sends seconds as a string; accept 8 or "8", refuse 0, -4, 2.5, "abc"."""
    text = str(seconds).strip()
    if isinstance(seconds, bool) or not text.isdigit() or int(text) <= 0:
        raise ValidationError(
            f"seconds must be a whole positive number such as 4, 8 or 12; got {seconds!r}.",
            param="seconds",
        )
    return str(int(text))


def validate_create(
    prompt: str, model: str | None, size: str | None, seconds: int | str | None
) -> tuple[str | None, str | None, str | None]:
    """Check a create before it is sent; return (model, size, seconds) normalized.

    Known models are held to their table; any other model (a compatible server's) is
    checked only for well-formed values.
    """
    if not isinstance(prompt, str) or not prompt.strip():
        raise ValidationError("The prompt is empty; describe the video to make.", param="prompt")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise ValidationError(
            f"The prompt has {len(prompt):,} characters; the limit is {MAX_PROMPT_CHARS:,}. "
            "Shorten it.",
            param="prompt",
        )
    if size is not None:
        parse_size(size)
        size = size.strip()
    if seconds is not None:
        seconds = normalize_seconds(seconds)
    spec = MODELS.get(model or DEFAULT_MODEL)
    if spec is not None:
        name = model or DEFAULT_MODEL
        if size is not None and size not in spec.sizes:
            raise ValidationError(
                f"{name} does not make {size} videos; choose one of {', '.join(spec.sizes)}"
                + ("" if name.startswith("sora-2-pro") else ", or use sora-2-pro for more sizes")
                + ".",
                param="size",
            )
        if seconds is not None and seconds not in spec.seconds:
            raise ValidationError(
                f"{name} makes clips of {', '.join(spec.seconds)} seconds; got {seconds}.",
                param="seconds",
            )
    return model, size, seconds


def estimate_cost(model: str | None, size: str | None, seconds: int | str | None) -> float | None:
    """USD for one video at the published per-second price; None where it is unknown."""
    spec = MODELS.get(model or DEFAULT_MODEL)
    if spec is None:
        return None
    rate = spec.price_per_second.get(size or DEFAULT_SIZE)
    try:
        secs = int(normalize_seconds(seconds if seconds is not None else DEFAULT_SECONDS))
    except ValidationError:
        return None
    return None if rate is None else round(rate * secs, 4)


# --- ids ---------------------------------------------------------------------------

_SAFE_STEM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


def check_video_id(video_id: str) -> str:
    """Refuse only what cannot be a job id: empty, `.`, `..`, control characters (and
    more than MAX_ID_CHARS). Long ids and ids with `/` or `+` are fine: each is sent
    percent-encoded as one path segment."""
    if not isinstance(video_id, str) or not video_id:
        raise ValidationError("A video id is required (a string such as 'video_123').")
    if len(video_id) > MAX_ID_CHARS:
        raise ValidationError(
            f"That video id is {len(video_id):,} characters, more than the {MAX_ID_CHARS:,} "
            "this client accepts."
        )
    if any(ord(c) < 32 or 127 <= ord(c) < 160 for c in video_id):
        raise ValidationError(f"The video id {video_id[:80]!r} contains control characters.")
    if video_id in {".", ".."}:
        raise ValidationError(f"{video_id!r} is not a video id.")
    return video_id


def id_path_segment(video_id: str) -> str:
    """The id as one URL path segment: `../x` or `a/b` can never change the path."""
    return quote(check_video_id(video_id), safe="")


def id_file_stem(video_id: str) -> str:
    """A file name stem for an id: the id itself when plainly safe, else a stable hash."""
    check_video_id(video_id)
    if _SAFE_STEM.match(video_id) and ".." not in video_id:
        return video_id
    return "id-" + hashlib.sha256(video_id.encode()).hexdigest()[:32]
