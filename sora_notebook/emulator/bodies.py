"""Request bodies and error answers: JSON or multipart (bracketed keys), field checks."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse

from sora_notebook.emulator.gate import error_body
from sora_notebook.errors import ValidationError
from sora_notebook.protocol import validate_create

__all__ = ["Refused", "error_response", "image_bytes", "prompt_field", "read_body", "text_field"]

_MAX_UPLOAD = 50 * 1024 * 1024
_MAX_DEPTH = 32  # a request body is a few levels deep; refuse bombs before they recurse
_DATA_URL = re.compile(r"^data:([\w.+-]+/[\w.+-]+)?(;[\w=.+-]+)*;base64,(.*)$", re.DOTALL)


class Refused(Exception):
    """An API error answer: raised inside handlers, turned into the error envelope."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        type: str = "invalid_request_error",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.param, self.code = status, message, param, code
        self.type, self.headers = type, headers or {}


def error_response(exc: Refused) -> JSONResponse:
    body = error_body(exc.message, type=exc.type, param=exc.param, code=exc.code)
    return JSONResponse(body, status_code=exc.status, headers=exc.headers)


async def read_body(request: Request) -> dict[str, Any]:
    """JSON or form body as a dict; bracketed form keys (`a[b]`) become nested dicts."""
    ctype = request.headers.get("content-type", "")
    if ctype.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        try:
            form = await request.form(max_files=4, max_fields=64, max_part_size=_MAX_UPLOAD)
        except Exception as exc:  # python-multipart raises several types on junk
            raise Refused(400, f"Could not parse the form body: {exc}") from exc
        try:
            return check_text(await _form_dict(form))
        finally:
            await form.close()  # uploaded parts live in temp files
    raw = await request.body()
    if not raw:
        return {}
    if _depth(raw) > _MAX_DEPTH:
        raise Refused(400, f"The request body is nested more than {_MAX_DEPTH} levels deep.")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise Refused(400, "The request body is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise Refused(400, "The request body must be a JSON object.")
    return check_text(data)


def _depth(raw: bytes) -> int:
    """How deep brackets nest in a JSON text (outside strings), without parsing it."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
            if deepest > _MAX_DEPTH:
                return deepest
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def check_text(body: dict[str, Any]) -> dict[str, Any]:
    """Refuse text that cannot be stored or answered (lone surrogates such as \\ud800)."""
    stack: list[Any] = [body]
    while stack:
        item = stack.pop()
        values = (
            [*item.keys(), *item.values()]
            if isinstance(item, dict)
            else item
            if isinstance(item, list)
            else [item]
        )
        for value in values:
            if isinstance(value, (dict, list)):
                stack.append(value)
            elif isinstance(value, str):
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError:
                    raise Refused(
                        400,
                        "The request holds text that is not valid Unicode (a lone "
                        "surrogate such as \\ud800); send UTF-8 text.",
                    ) from None
    return body


async def _form_dict(form: Any) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for key, value in form.multi_items():
        item: Any = value
        if isinstance(value, UploadFile):
            item = await value.read()
        match = re.fullmatch(r"([^\[\]]+)\[([^\[\]]+)\]", key)
        if match:
            target = body.setdefault(match[1], {})
            if isinstance(target, dict):
                target[match[2]] = item
        else:
            body[key] = item
    return body


def text_field(body: dict[str, Any], name: str, default: str | None = None) -> str | None:
    value = body.get(name, default)
    if value is None:
        return None
    if isinstance(value, bytes):
        raise Refused(400, f"'{name}' must be a text field, not a file.", param=name)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise Refused(400, f"'{name}' must be a string.", param=name)
    return str(value)


def prompt_field(body: dict[str, Any]) -> str:
    prompt = text_field(body, "prompt")
    if prompt is None:
        raise Refused(400, "Missing required parameter: 'prompt'.", param="prompt")
    try:
        validate_create(prompt, None, None, None)
    except ValidationError as exc:
        raise Refused(400, exc.message, param=exc.param) from exc
    return prompt


def image_bytes(ref: Any) -> bytes:
    """The bytes of an `input_reference`: a file part, or `{image_url: data:...}`."""
    if isinstance(ref, bytes):
        return ref
    url = ref.get("image_url") if isinstance(ref, dict) else ref if isinstance(ref, str) else None
    if isinstance(ref, dict) and ref.get("file_id") and not url:
        raise Refused(
            400,
            "The emulator has no Files API; send the image itself or a data URL.",
            param="input_reference",
        )
    if not isinstance(url, str) or not url:
        raise Refused(
            400, "input_reference needs an image file, or image_url.", param="input_reference"
        )
    match = _DATA_URL.match(url.strip())
    if not match:
        raise Refused(
            400,
            "The emulator works offline: send input_reference as a file or a "
            "base64 data URL, not a remote URL.",
            param="input_reference",
        )
    try:
        return base64.b64decode(match[3], validate=False)
    except (binascii.Error, ValueError) as exc:
        raise Refused(400, "The data URL is not valid base64.", param="input_reference") from exc
