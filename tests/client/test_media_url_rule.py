"""Media at a URL a server hands out: https, or the API's own host; anything else is
refused before a byte is asked for (it never gets the key either way)."""

from __future__ import annotations

import pytest

from sora_notebook.client._http.media_url import check_media_url
from sora_notebook.errors import DownloadError


def test_media_urls_elsewhere_must_be_https():
    base = "http://127.0.0.1:9/v1"
    assert check_media_url("https://cdn.example/v.mp4?sig=1", base)
    assert check_media_url("http://127.0.0.1:9/files/v.mp4", base)
    for bad in (
        "http://cdn.example/v.mp4",
        "http://127.0.0.1:10/v.mp4",  # the API's host, another port: another server
        "file:///etc/passwd",
        "ftp://x/v.mp4",
        "https://" + "a" * 9000,
    ):
        with pytest.raises(DownloadError):
            check_media_url(bad, base)
