"""The panel's static fallback: plain HTML for a notebook opened without a kernel.

GitHub and nbviewer show the `text/html` entry of the panel's output when no widget
state is available: small data-URL thumbnails, every prompt `html.escape`d, and the
history tree as an indented list. Inline styles only; no script.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sora_notebook.export.html import esc as _esc
from sora_notebook.export.html import nested_list
from sora_notebook.export.html import short as _short
from sora_notebook.library.lineage import build_tree
from sora_notebook.widgets.thumbs import thumb_data_url

__all__ = ["static_html"]

MAX_CARDS, MAX_TREE, PROMPT_CHARS = 48, 500, 280
ThumbPath = Callable[[Any], Any]


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
        walk = build_tree(jobs).walk()[:MAX_TREE]
        parts.append("<details open><summary>History tree</summary>")
        parts.append(nested_list(walk, _tree_row, ' style="list-style:none"'))
        parts.append("</details>")
    parts.append("</div>")
    return "".join(parts)


def _tree_row(job: Any, depth: int) -> str:
    kind = f"{job.edge_kind} → " if depth and job.edge_kind else ("→ " if depth else "")
    return f"{_esc(kind)}{_esc(_short(job.prompt, 120))} <small>({_esc(job.status)})</small>"
