"""The HTML format: one static gallery file with no script.

Every prompt, id, note and server message is `html.escape`d; media is embedded as data
URLs or linked relatively.
"""

from __future__ import annotations

import base64
import html
import os
from pathlib import Path

from sora_notebook.library import Job, Library, files
from sora_notebook.library.lineage import Tree

__all__ = ["SUFFIXES", "export_html", "write"]

SUFFIXES = (".html", ".htm")


_CSS = """
body{font:14px system-ui,sans-serif;margin:24px;background:#111;color:#eee}
ul{list-style:none;padding-left:28px;border-left:1px solid #444}
ul.root{border:none;padding-left:0}
li{margin:12px 0}
.card{display:inline-block;background:#1c1c1c;border-radius:8px;padding:10px;max-width:420px}
.card video,.card img{max-width:400px;max-height:300px;display:block;border-radius:4px}
.meta{color:#aaa;font-size:12px;margin-top:6px}
.prompt{white-space:pre-wrap;margin-top:6px}
.edge{color:#8cf;font-size:12px}
.failed{color:#f88}
"""
_CSP = (
    "default-src 'none'; img-src data: file: http: https: 'self' *; "
    "media-src data: file: http: https: 'self' *; style-src 'unsafe-inline'"
)
_MIME = {".mp4": "video/mp4", ".webp": "image/webp", ".jpg": "image/jpeg", ".png": "image/png"}


def _src(library: Library, rel: str | None, html_dir: Path, embed: bool) -> str | None:
    if not rel:
        return None
    path = (library.root / rel).resolve()
    if not path.is_file() or not path.is_relative_to(library.root):
        return None
    if embed:
        mime = _MIME.get(path.suffix, "application/octet-stream")
        return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}"
    return Path(os.path.relpath(path, html_dir)).as_posix()


def _card(library: Library, job: Job, html_dir: Path, embed: bool) -> str:
    e = html.escape
    video = _src(library, job.media.get("video"), html_dir, embed)
    poster = _src(library, job.media.get("thumbnail"), html_dir, embed)
    parts = ['<div class="card">']
    if job.edge_kind:
        parts.append(f'<div class="edge">{e(job.edge_kind)}</div>')
    if video:
        poster_attr = f' poster="{e(poster)}"' if poster else ""
        parts.append(f'<video controls preload="metadata"{poster_attr} src="{e(video)}"></video>')
    elif poster:
        parts.append(f'<img alt="thumbnail" src="{e(poster)}">')
    parts.append(f'<div class="prompt">{e(job.prompt)}</div>')
    meta = " · ".join(
        e(str(x))
        for x in (
            job.video_id or job.key,
            job.model,
            job.size,
            f"{job.seconds}s" if job.seconds else None,
            job.status,
        )
        if x
    )
    parts.append(f'<div class="meta">{meta}</div>')
    if job.error_message:
        parts.append(f'<div class="meta failed">{e(job.error_message)}</div>')
    if job.media_expired:
        parts.append('<div class="meta failed">media expired before it was saved</div>')
    if job.notes:
        parts.append(f'<div class="meta">{e(job.notes)}</div>')
    parts.append("</div>")
    return "".join(parts)


def export_html(
    library: Library,
    tree: Tree,
    dest: str | os.PathLike[str],
    *,
    embed: bool = True,
    title: str = "sora-notebook gallery",
) -> Path:
    """A static gallery of `tree` at `dest` (one file when `embed`, else linking media)."""
    dest = Path(dest).resolve()
    html_dir = dest.parent
    out: list[str] = []

    def branch(jobs: list[Job], css: str = "") -> None:
        if not jobs:
            return
        out.append(f"<ul{css}>")
        for job in jobs:
            out.append("<li>" + _card(library, job, html_dir, embed))
            branch(tree.children(job.key))
            out.append("</li>")
        out.append("</ul>")

    branch(tree.roots, ' class="root"')
    doc = (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        f'<p class="meta">{len(tree.nodes)} videos</p>' + "".join(out) + "</body></html>\n"
    )
    with files.atomic_output(dest) as tmp:
        tmp.write_text(doc, "utf-8")
    return dest


def write(library: Library, tree: Tree, dest: Path, *, embed: bool = True) -> Path:
    """The registry's entry point."""
    return export_html(library, tree, dest, embed=embed)
