"""Checks that downloaded bytes are the media asked for, never an error page."""

from __future__ import annotations

import re

from sora_notebook.errors import DownloadError
from sora_notebook.protocol import MEDIA_TYPES

__all__ = ["check_content_type", "check_magic", "parse_content_range"]

#: The Content-Type family each variant must come in (video/..., image/...).
_EXPECTED = {v: t.mime.split("/")[0] + "/" for v, t in MEDIA_TYPES.items()}
_NEUTRAL = {"", "application/octet-stream", "binary/octet-stream"}


def check_content_type(video_id: str, variant: str, content_type: str | None) -> None:
    """Refuse a body whose Content-Type says it is not the variant asked for."""
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind in _NEUTRAL or kind.startswith(_EXPECTED.get(variant, "")):
        return
    if variant != "video" and kind.startswith("video/"):
        raise DownloadError(
            f"The server has no {variant} for {video_id}: it sent the video instead "
            "(some backends always send the MP4). Use the video itself, or make a "
            "thumbnail from it locally."
        )
    raise DownloadError(
        f"The server sent {kind!r} instead of the {variant} of {video_id}, so nothing was "
        "saved. Retry later; if it persists, check the backend."
    )


def check_magic(video_id: str, variant: str, head: bytes) -> None:
    """Check the first bytes: an MP4 `ftyp` box for videos, an image signature otherwise."""
    if len(head) < 12:
        return  # too short to judge yet; the caller checks again with more bytes
    if variant == "video":
        if head[4:8] != b"ftyp":
            raise DownloadError(
                f"What arrived for {video_id} is not an MP4 (no 'ftyp' box), so nothing was "
                "saved. Retry later; if it persists, check the backend."
            )
        return
    if head[4:8] == b"ftyp":
        raise DownloadError(
            f"The server has no {variant} for {video_id}: it sent the video instead. Use the "
            "video itself, or make a thumbnail from it locally."
        )
    is_image = (
        head.startswith(b"\xff\xd8\xff")
        or head.startswith(b"\x89PNG\r\n\x1a\n")
        or (head.startswith(b"RIFF") and head[8:12] == b"WEBP")
        or head.startswith((b"GIF87a", b"GIF89a"))
    )
    if not is_image:
        raise DownloadError(
            f"What arrived as the {variant} of {video_id} is not an image, so nothing was "
            "saved. Retry later; if it persists, check the backend."
        )


_RANGE_RE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$")


def parse_content_range(value: str | None) -> tuple[int, int | None] | None:
    """`bytes 100-199/500` -> (100, 500); total None when `*`; None when malformed."""
    match = _RANGE_RE.match(value or "")
    if not match:
        return None
    total = None if match[3] == "*" else int(match[3])
    return int(match[1]), total
