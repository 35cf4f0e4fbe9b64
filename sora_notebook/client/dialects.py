"""How each compatible server differs from the official protocol: the one place to say so.

A dialect is a table of quirks that the client, the studio and the view read; adding a
server means adding an entry here (see PROTOCOL.md, "Differences").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["DIALECTS"]

#: Known compatible servers and how they differ (see PROTOCOL.md, "Differences").
DIALECTS: Mapping[str, Mapping[str, Any]] = {
    "vllm-omni": {
        "label": "vLLM-Omni",
        "multipart": True,
        "supports_remix": False,
        "supports_edit": False,
        "supports_extend": False,
        "image_url_field": "image_reference",
        "variants": ("video",),
    },
    # LiteLLM's list wants a provider hint this client does not send: poll jobs one by one.
    "litellm": {"label": "LiteLLM", "multipart": True, "supports_list": False},
    "sglang": {
        "label": "SGLang",
        "multipart": False,
        "supports_remix": False,
        "supports_edit": False,
        "supports_extend": False,
        "variants": ("video",),
    },
}
