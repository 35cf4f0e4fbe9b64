"""Rules for media at a URL a server gives (Together `outputs.video_url`, SGLang's cloud
`url`): https only, or plain http on the API's own host; the API key is never sent
there (the caller sends no auth header)."""

from __future__ import annotations

from urllib.parse import urlsplit

from sora_notebook.errors import DownloadError

__all__ = ["check_media_url"]

MAX_URL_CHARS = 8192


def check_media_url(url: str, base_url: str) -> str:
    """Return `url` when it may be fetched, else raise `DownloadError` saying why."""
    if not isinstance(url, str) or len(url) > MAX_URL_CHARS:
        raise DownloadError("The server gave a media URL that is not usable (too long).")
    parts = urlsplit(url)
    base = urlsplit(base_url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname and parts.netloc == base.netloc:
        return url
    raise DownloadError(
        f"The server gave the media at {parts.scheme or 'a'}://{parts.hostname or '?'} ; only "
        "https URLs (or the API's own host) are fetched, so nothing was downloaded."
    )
