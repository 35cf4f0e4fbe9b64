"""The panel's static fallback: plain HTML for a notebook opened without a kernel.

GitHub and nbviewer show the `text/html` entry of the panel's output when no widget
state is available: small data-URL thumbnails, every prompt `html.escape`d, and the
history tree as an indented list. Inline styles only; no script.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

from sora_notebook.widgets.thumbs import thumb_data_url

__all__ = ["static_html"]

MAX_CARDS, MAX_TREE, PROMPT_CHARS = 48, 500, 280
ThumbPath = Callable[[Any], Any]


def _esc(value: Any) -> str:
    return html.escape(str(value if value is not None else ""), quote=True)


def _short(text: str | None, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _dfs(jobs: Sequence[Any]) -> list[tuple[Any, int]]:
    """(job, depth) in depth-first order; a job whose parent is missing is a root."""
    keys = {j.key for j in jobs}
    children: dict[str | None, list[Any]] = {}
    for job in jobs:
        parent = job.parent_key if job.parent_key in keys and job.parent_key != job.key else None
        children.setdefault(parent, []).append(job)
    out: list[tuple[Any, int]] = []
    seen: set[str] = set()
    stack = [(j, 0) for j in reversed(children.get(None, []))]
    while stack:
        job, depth = stack.pop()
        if job.key in seen:
            continue
        seen.add(job.key)
        out.append((job, depth))
        stack += [(kid, depth + 1) for kid in reversed(children.get(job.key, []))]
    out += [(j, 0) for j in jobs if j.key not in seen]  # cycles, which cannot happen
    return out


def static_html(jobs: Sequence[Any], *, backend_label: str, thumbnail: ThumbPath) -> str:
    """The snapshot: header, newest cards with thumbnails, then the tree."""
    jobs = sorted(jobs, key=lambda j: (j.submitted_at or 0, j.key))
    parts = [
        '<div class="sn-static" style="font-family:sans-serif;font-size:13px">',
        f"<p><strong>sora-notebook studio</strong> · backend: {_esc(backend_label)} · "
        f"{len(jobs)} video{'s' if len(jobs) != 1 else ''} "
        "<em>(a static snapshot; run the notebook for the live panel)</em></p>",
    ]
    newest = list(reversed(jobs))[:MAX_CARDS]
    if newest:
        parts.append('<div style="display:flex;flex-wrap:wrap;gap:8px">')
        for job in newest:
            thumb = thumb_data_url(thumbnail(job), width=160, quality=50)
            prompt = _short(job.prompt, PROMPT_CHARS)
            img = (
                f'<img src="{_esc(thumb)}" alt="{_esc(_short(job.prompt, 100))}" '
                'width="160" style="display:block;max-width:160px">'
                if thumb
                else '<div style="width:160px;height:90px;background:#ddd"></div>'
            )
            meta = " · ".join(str(v) for v in (job.status, job.model, job.size) if v)
            if job.seconds:
                meta += f" · {job.seconds} s"
            parts.append(
                '<figure style="width:170px;margin:0">'
                f"{img}<figcaption>{_esc(prompt)}<br><small>{_esc(meta)}</small>"
                "</figcaption></figure>"
            )
        parts.append("</div>")
        if len(jobs) > MAX_CARDS:
            parts.append(f"<p><small>and {len(jobs) - MAX_CARDS} older videos</small></p>")
        parts.append('<details open><summary>History tree</summary><ul style="list-style:none">')
        for job, depth in _dfs(jobs)[:MAX_TREE]:
            kind = f"{job.edge_kind} → " if depth and job.edge_kind else ("→ " if depth else "")
            parts.append(
                f'<li style="margin-left:{min(depth, 40) * 1.2:.1f}em">'
                f"{_esc(kind)}{_esc(_short(job.prompt, 120))} "
                f"<small>({_esc(job.status)})</small></li>"
            )
        parts.append("</ul></details>")
    parts.append("</div>")
    return "".join(parts)
