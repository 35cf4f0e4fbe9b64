"""How each compatible server differs from the official protocol: the one place to say so.

`DIALECTS` maps a name (`Backend.compatible(..., dialect=NAME)`, `SORA_NOTEBOOK_DIALECT`)
to a `Dialect`: its request shape, its `Capabilities` (list, delete, remix, edit,
extend, cancel, characters, media variants, several outputs per job), how its answers
map to the official shape, and where its media and costs are. Adding a server means
adding a dialect here; the client, the studio and the view only read them.
"""

from __future__ import annotations

from collections.abc import Mapping

from sora_notebook.client.dialects.base import (
    ACTIONS,
    Capabilities,
    Dialect,
    MediaSource,
    ModelInfo,
    catalogue_problems,
)
from sora_notebook.client.dialects.gateways import OpenRouter, Together
from sora_notebook.client.dialects.servers import LiteLLM, SGLang, VLLMOmni

__all__ = [
    "ACTIONS",
    "DIALECTS",
    "OPENAI",
    "Capabilities",
    "Dialect",
    "MediaSource",
    "ModelInfo",
    "catalogue_problems",
    "dialect_named",
]

#: The official protocol (the emulator, OpenAI, Azure, OpenAI-shaped gateways).
OPENAI = Dialect()

#: Every known dialect by name.
DIALECTS: Mapping[str, Dialect] = {
    d.name: d for d in (OPENAI, LiteLLM(), VLLMOmni(), SGLang(), OpenRouter(), Together())
}


def dialect_named(name: str | None) -> Dialect:
    """The dialect called `name` (None: the official protocol)."""
    from sora_notebook.errors import ValidationError

    if name is None or name == "":
        return OPENAI
    try:
        return DIALECTS[name]
    except KeyError:
        raise ValidationError(
            f"Unknown dialect {name!r}; use one of {', '.join(sorted(DIALECTS))}, or none.",
            param="dialect",
        ) from None
