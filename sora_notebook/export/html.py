"""The one escaping HTML renderer of history: the exported gallery and the view's static
snapshot both draw through it. Every value is `html.escape`d; markup comes only from
here and from the callers' literal templates."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

from sora_notebook.library import Job

__all__ = ["esc", "nested_list", "short"]


def esc(value: object) -> str:
    """`value` as HTML text (None as empty), quotes escaped for attributes too."""
    return html.escape("" if value is None else str(value), quote=True)


def short(text: str | None, limit: int) -> str:
    """`text` on one line, cut to `limit` characters with an ellipsis."""
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def nested_list(
    pairs: Sequence[tuple[int, Job]], item: Callable[[Job, int], str], css: str = ""
) -> str:
    """Nested `<ul>` lists from a depth-first walk (`Tree.walk()`): each job's `<li>` holds
    `item(job, depth)` and then its children's list."""
    if not pairs:
        return ""
    out = [f"<ul{css}>"]
    depth = -1
    for level, job in pairs:
        level = min(level, depth + 1)  # a walk never skips a level; clamp bad input
        if depth >= 0 and level > depth:
            out.append("<ul>")
        elif depth >= 0:
            out.append("</li>" + "</ul></li>" * (depth - level))
        out.append("<li>" + item(job, level))
        depth = level
    out.append("</li>" + "</ul></li>" * depth + "</ul>")
    return "".join(out)
