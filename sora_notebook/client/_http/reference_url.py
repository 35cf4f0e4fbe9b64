"""A reference image given by URL, fetched by the client for a server that takes no URL
(LiteLLM's proxy, whose video route only takes `input_reference` as an uploaded file).

The rules are those of media URLs (`media_url.py`): https, or plain http on the API's own
host; no key and none of the backend's headers go there; redirects are not followed (a
redirect could lead anywhere); the body is bounded in bytes (`Limits.reference_bytes`) and
the whole fetch in time (`Limits.reference_seconds`); what arrives must be a JPEG, PNG or
WebP. A `data:` URL is decoded locally under the same byte bound. Every failure is a
`ValidationError` raised before the create is sent, so nothing is made or billed.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from urllib.parse import unquote_to_bytes, urlsplit

import httpx

from sora_notebook.client._http.limits import Limits
from sora_notebook.client._http.media_url import MAX_URL_CHARS, fetchable
from sora_notebook.client._http.multipart import FilePart
from sora_notebook.client.references import upload_part
from sora_notebook.errors import ValidationError

__all__ = ["fetch_reference"]


def _refused(why: str) -> ValidationError:
    return ValidationError(
        f"The reference image could not be used: {why} Nothing was sent. Give the image "
        "itself (bytes, a path or a PIL image) instead.",
        param="input_reference",
    )


def _mb(n: int) -> str:
    return f"{n / (1 << 20):.3g} MB"


def _decode_data_url(url: str, limit: int) -> bytes:
    head, sep, payload = url.partition(",")
    if not sep:
        raise _refused("the data: URL has no comma before its data.")
    # base64 grows data by 4/3: refuse what cannot fit before decoding any of it
    if len(payload) > limit * 4 // 3 + 4:
        raise _refused(f"the data: URL holds more than {_mb(limit)} (Limits.reference_bytes).")
    try:
        if head.endswith(";base64"):
            content = base64.b64decode(payload, validate=True)
        else:
            content = unquote_to_bytes(payload)
    except (binascii.Error, ValueError):
        raise _refused("the data: URL's base64 is not valid.") from None
    if len(content) > limit:
        raise _refused(f"the data: URL holds more than {_mb(limit)} (Limits.reference_bytes).")
    return content


async def _download(http: httpx.AsyncClient, url: str, limit: int) -> bytes:
    shown = url.split("?", 1)[0]  # a signed URL's query stays out of messages
    request = http.build_request("GET", url, headers={"accept": "image/*"})
    try:
        response = await http.send(request, stream=True, follow_redirects=False)
    except httpx.TransportError as exc:
        raise _refused(f"{shown} could not be reached ({type(exc).__name__}).") from None
    try:
        if response.is_redirect:
            raise _refused(f"{shown} answered a redirect, which is not followed.")
        if not response.is_success:
            raise _refused(f"{shown} answered HTTP {response.status_code}.")
        length = response.headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            raise _refused(f"{shown} announced {_mb(int(length))}, more than {_mb(limit)}.")
        buf = bytearray()
        async for chunk in response.aiter_bytes():
            buf += chunk
            if len(buf) > limit:
                raise _refused(f"{shown} sent more than {_mb(limit)} (Limits.reference_bytes).")
        return bytes(buf)
    except httpx.TransportError as exc:
        raise _refused(f"{shown} broke off ({type(exc).__name__}).") from None
    finally:
        await response.aclose()


async def fetch_reference(
    http: httpx.AsyncClient, url: str, base_url: str, limits: Limits
) -> FilePart:
    """The image at `url` as a file to upload, under the rules above."""
    if not isinstance(url, str) or len(url) > MAX_URL_CHARS:
        raise _refused("the URL is not a string of at most 8,192 characters.")
    if url.startswith("data:"):
        content = _decode_data_url(url, limits.reference_bytes)
    else:
        if not fetchable(url, base_url):
            parts = urlsplit(url)
            raise _refused(
                f"{parts.scheme or 'a'}://{parts.hostname or '?'} is not fetched: only https "
                "URLs (or plain http on the API's own host) are."
            )
        try:
            content = await asyncio.wait_for(
                _download(http, url, limits.reference_bytes), limits.reference_seconds
            )
        except asyncio.TimeoutError:
            raise _refused(
                f"{url.split('?', 1)[0]} took more than {limits.reference_seconds:g} s "
                "(Limits.reference_seconds)."
            ) from None
    try:
        name, data, content_type = upload_part(content)
    except ValidationError:
        raise _refused("what arrived is not a JPEG, PNG or WebP image.") from None
    return FilePart(name, data, content_type)
