"""A small multipart/form-data encoder with bracketed fields for nested values.

`{"input_reference": {"image_url": u}}` becomes the field `input_reference[image_url]`,
lists become repeated `key[]` fields, booleans `true`/`false`, None is left out.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["FilePart", "encode_multipart", "flatten_fields"]


@dataclass(frozen=True)
class FilePart:
    """One uploaded file."""

    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def flatten_fields(fields: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Nested mappings and lists as flat `(name, value)` pairs in bracket notation."""
    out: list[tuple[str, Any]] = []
    for key, value in fields.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        if value is None:
            continue
        if isinstance(value, Mapping):
            out.extend(flatten_fields(value, name))
        elif isinstance(value, list | tuple):
            out.extend((f"{name}[]", item) for item in value if item is not None)
        elif isinstance(value, FilePart):
            out.append((name, value))
        else:
            out.append((name, _scalar(value)))
    return out


def _quote(name: str) -> str:
    return name.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def encode_multipart(
    fields: Mapping[str, Any], *, boundary: str | None = None
) -> tuple[bytes, str]:
    """Encode `fields` (values: scalars, mappings, lists, FilePart); return (body, content type)."""
    boundary = boundary or secrets.token_hex(16)
    chunks: list[bytes] = []
    for name, value in flatten_fields(fields):
        chunks.append(f"--{boundary}\r\n".encode())
        if isinstance(value, FilePart):
            chunks.append(
                f'Content-Disposition: form-data; name="{_quote(name)}"; '
                f'filename="{_quote(value.filename)}"\r\n'
                f"Content-Type: {value.content_type}\r\n\r\n".encode()
            )
            chunks.append(value.content)
        else:
            chunks.append(f'Content-Disposition: form-data; name="{_quote(name)}"\r\n\r\n'.encode())
            chunks.append(str(value).encode("utf-8"))
        chunks.append(b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"
