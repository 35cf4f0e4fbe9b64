"""`TextView`: untrusted text (prompts, server messages, ids) shown as text, nothing else.

ipywidgets' `Label` runs the page's LaTeX typesetter over its value and `HTML` parses it;
this view only ever sets `textContent`, so `<img onerror=...>` or `$\\href{...}$` in a
prompt is displayed literally.
"""

from __future__ import annotations

from typing import Any

import anywidget
import traitlets as t

from sora_notebook.widgets.assets import STATIC, esm

__all__ = ["TextView"]


class TextView(anywidget.AnyWidget):
    """Plain text; `title` is the hover text, `kind` one of a few CSS styles."""

    _esm = esm("text.js")
    _css = STATIC / "panel.css"

    value = t.Unicode("").tag(sync=True)
    title = t.Unicode("").tag(sync=True)
    kind = t.Enum(["plain", "muted", "error", "hint", "badge", "prompt", "strong"], "plain").tag(
        sync=True
    )

    def __init__(self, value: str = "", **kwargs: Any) -> None:
        super().__init__(value=value, **kwargs)
