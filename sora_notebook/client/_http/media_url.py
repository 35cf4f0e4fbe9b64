"""Rules for media at a URL a server gives (Together `outputs.video_url`, SGLang's cloud
`url`): https only, or plain http on the API's own host; the API key is never sent
there (the caller sends no auth header)."""

from __future__ import annotations

from urllib.parse import urlsplit

from sora_notebook.errors import DownloadError

__all__ = ["check_media_url", "fetchable"]

MAX_URL_CHARS = 8192


def fetchable(url: str, base_url: str) -> bool:
    """Whether `url` is https, or plain http on the API's own host (`base_url`'s)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    return (
        parts.scheme == "http"
        and bool(parts.hostname)
        and parts.netloc == urlsplit(base_url).netloc
    )


def check_media_url(url: str, base_url: str) -> str:
    """Return `url` when it may be fetched, else raise `DownloadError` saying why."""
    if not isinstance(url, str) or len(url) > MAX_URL_CHARS:
        raise DownloadError("The server gave a media URL that is not usable (too long).")
    if fetchable(url, base_url):
        return url
    parts = urlsplit(url)
    raise DownloadError(
        f"The server gave the media at {parts.scheme or 'a'}://{parts.hostname or '?'} ; only "
        "https URLs (or the API's own host) are fetched, so nothing was downloaded."
    )
