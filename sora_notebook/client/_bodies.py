"""Request bodies: what a create sends to this backend's dialect (JSON or multipart)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from sora_notebook.client._http.limits import read_capped, within
from sora_notebook.client._http.multipart import FilePart, encode_multipart
from sora_notebook.client._http.reference_url import fetch_reference
from sora_notebook.client._requests import (
    _OPEN_MODEL,
    RequestCore,
    _Body,
)
from sora_notebook.client.dialects.base import data_url
from sora_notebook.client.references import upload_part
from sora_notebook.errors import SoraNotebookError, ValidationError
from sora_notebook.protocol import (
    validate_create,
)

__all__ = ["Bodies"]


class Bodies:
    """What a create sends, built for the client's backend: checks, the reference image
    as that server takes it, the JSON or multipart body. A part of `AsyncSoraClient`."""

    def __init__(self, core: RequestCore) -> None:
        self.core = core
        self._providers: dict[Any, str | None] = {}  # a gateway's provider per model

    def server_accepts(self, model: str | None, extra: Mapping[str, Any]) -> None:
        """Refuse what this server's dialect says it cannot take, before sending: no
        model where it routes by model (LiteLLM, OpenRouter, Together), a sound switch
        where it has none."""
        if not model and self.core.backend.dialect.requires_model:
            raise ValidationError(
                f"{self.core.backend.label} needs a model name (it routes by model); pick one of "
                "`await studio.models()` or `await client.models()`.",
                param="model",
            )
        if extra.get("audio") is not None and self.core.backend.dialect.audio_field is None:
            raise ValidationError(
                f"{self.core.backend.label} has no sound switch (the server decides); "
                "leave out audio=.",
                param="audio",
            )

    def wire(
        self, prompt: str, size: str | None, seconds: int | str | None
    ) -> tuple[str | None, str | None]:
        """(size, seconds) normalized, refusing what no server could take (an empty or
        oversized prompt, a size not WIDTHxHEIGHT, seconds not a whole positive number).
        What a model can make, and whether an image fits, are `studio.plan`'s checks."""
        _, size, secs = validate_create(prompt, _OPEN_MODEL, size, seconds)
        return size, secs

    def reference_fields(self, reference: Any) -> dict[str, Any]:
        if reference is None:
            return {}
        if isinstance(reference, str) and reference.startswith(("http://", "https://", "data:")):
            reference = {"image_url": reference}
        if isinstance(reference, Mapping):
            if not {"image_url", "file_id"} & set(reference):
                raise ValidationError(
                    "input_reference as a dict needs 'image_url' or 'file_id'.",
                    param="input_reference",
                )
            return {"input_reference": dict(reference)}
        return {"input_reference": FilePart(*upload_part(reference))}

    async def reference_for_server(self, fields: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """(fields, whether they must go as JSON): the reference as this server takes it.
        One given by URL is fetched (bounded, https or the API's own host, no key sent)
        and uploaded where the server takes no URL (`dialect.takes_image_url`); a file id
        is refused there; a file goes as a `data:` URL in JSON where the gateway's
        provider for the model takes no file (`dialect.data_url_limit`), refused when it is
        longer than that provider takes. Never dropped."""
        ref = fields.get("input_reference")
        dialect = self.core.backend.dialect
        if isinstance(ref, Mapping) and not dialect.takes_image_url:
            ref = await self._fetched(ref)
        if isinstance(ref, FilePart):
            provider = await self._provider(fields.get("model"))
            limit = dialect.data_url_limit(provider)
            if limit is not None:
                url = data_url(ref)
                if len(url) >= limit:
                    raise ValidationError(
                        f"{self.core.backend.label} passes a first frame to {provider} as a data "
                        f"URL, which {provider} takes only under {limit / 2**20:g} MB; this "
                        f"one is {len(url) / 2**20:.1f} MB. Nothing was sent: use a smaller "
                        "JPEG (or a lower resolution).",
                        param="input_reference",
                    )
                return {**fields, "input_reference": url}, True
            return {**fields, "input_reference": ref}, False
        return fields, False

    async def _provider(self, model: Any) -> str | None:
        """The provider a gateway routes `model` to (asked once per model; None when the
        gateway does not say, or cannot be asked)."""
        path = self.core.backend.dialect.providers_path(str(model)) if model else None
        if path is None:
            return None
        if model not in self._providers:
            root = self.core.backend.base_url.removesuffix("/").removesuffix("/v1")
            provider = None
            try:
                request = self.core.http.build_request(
                    "GET", root + path, headers=await self.core.backend.request_headers()
                )
                sending = self.core.http.send(request, stream=True)
                response = await within(self.core.request_deadline, sending, url=root, what=path)
                await read_capped(response, self.core.limits.json_bytes)
                if response.is_success:
                    provider = self.core.backend.dialect.provider_of(response.json())
            except (httpx.HTTPError, SoraNotebookError, ValueError):
                provider = None
            self._providers[model] = provider
        return self._providers[model]

    async def _fetched(self, ref: Mapping[str, Any]) -> FilePart:
        if "image_url" not in ref:
            raise ValidationError(
                f"{self.core.backend.label} takes a reference image only as an uploaded file, not "
                "by file id; give the image itself (bytes, a path or a PIL image) or a URL.",
                param="input_reference",
            )
        return await fetch_reference(
            self.core.http, str(ref["image_url"]), self.core.backend.base_url, self.core.limits
        )

    def outputs_fields(self, n: int | None) -> dict[str, Any]:
        if n is None or n == 1:
            return {}
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 10:
            raise ValidationError("outputs must be a whole number from 1 to 10.", param="outputs")
        reason = self.core.backend.capabilities.reason("outputs_per_job")
        if reason is not None or not self.core.backend.dialect.outputs_field(n):
            raise ValidationError(
                (reason or f"{self.core.backend.label} makes one output per job.")
                + " Submit several jobs instead (studio.variants).",
                param="outputs",
            )
        return self.core.backend.dialect.outputs_field(n)

    def create_body(self, fields: Mapping[str, Any], *, as_json: bool = False) -> _Body:
        fields = self.core.backend.dialect.create_fields(fields)
        has_file = any(isinstance(v, FilePart) for v in fields.values())
        if has_file and self.core.backend.dialect.json_only:
            raise ValidationError(
                f"{self.core.backend.label} takes no file uploads; give the reference by URL.",
                param="input_reference",
            )
        if (self.core.backend.multipart or has_file) and not (
            self.core.backend.dialect.json_only or as_json
        ):
            content, content_type = encode_multipart(fields)
            return _Body(content, content_type)
        clean = {k: v for k, v in fields.items() if v is not None}
        return _Body(json.dumps(clean).encode(), "application/json")
