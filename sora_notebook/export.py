"""Take history out of the studio: a zip of media and JSON, or a static HTML gallery.

The zip holds `studio.json` (the records, lineage edges and response snapshots) and the
media files at the same relative paths as in the library, so `import_archive` restores
it into another library. The gallery is one HTML file with no script: every prompt, id
and server message is `html.escape`d, media is embedded as data URLs or linked relatively.
"""

from __future__ import annotations

import base64
import contextlib
import html
import json
import os
import zipfile
from collections.abc import Iterable
from dataclasses import fields
from pathlib import Path, PurePosixPath

from sora_notebook._store import files
from sora_notebook.library import Job, Library
from sora_notebook.lineage import Tree, build_tree

__all__ = ["FORMAT", "export_html", "export_zip", "import_archive"]

FORMAT = "sora-notebook/1"
_JOB_FIELDS = {f.name for f in fields(Job)}


def _atomic_target(dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    return dest.with_name(f".{dest.name}.{os.getpid()}.partial")


def export_zip(library: Library, jobs: Iterable[Job], dest: str | os.PathLike[str]) -> Path:
    """Write `jobs` (records, edges, snapshots, media files) to a zip at `dest`."""
    dest = Path(dest)
    jobs = list(jobs)
    tree = build_tree(jobs)
    payload = {
        "format": FORMAT,
        "jobs": [j.to_dict() for j in jobs],
        "edges": tree.to_dict()["edges"],
        "snapshots": {j.key: library.snapshots(j.key) for j in jobs},
    }
    tmp = _atomic_target(dest)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as zf:
            zf.writestr("studio.json", json.dumps(payload, indent=1, sort_keys=True))
            written: set[str] = set()
            for job in jobs:
                for rel in _media_files(job):
                    path = (library.root / rel).resolve()
                    if rel in written or not path.is_file():
                        continue
                    if not path.is_relative_to(library.root):
                        continue
                    zf.write(path, rel)
                    written.add(rel)
        files.commit_file(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return dest


def _media_files(job: Job) -> list[str]:
    rels = list(job.media.values())
    ref = job.params.get("input_reference")
    if isinstance(ref, str):
        rels.append(ref)
    return rels


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return (
        not path.is_absolute()
        and ".." not in path.parts
        and bool(path.parts)
        and path.parts[0] == "media"
        and "\\" not in name
    )


def import_archive(library: Library, src: str | os.PathLike[str]) -> int:
    """Restore an `export_zip` archive into `library`; returns the number of new jobs.

    Jobs already present (same key) are skipped; member names that would leave the
    media folder are refused.
    """
    added = 0
    with zipfile.ZipFile(src) as zf:
        payload = json.loads(zf.read("studio.json"))
        if payload.get("format") != FORMAT:
            raise ValueError(f"not a sora-notebook archive (format {payload.get('format')!r})")
        for record in payload.get("jobs", []):
            data = {k: v for k, v in record.items() if k in _JOB_FIELDS}
            if library.find_key(data["key"]) is not None:
                continue
            for rel in [
                *dict(data.get("media") or {}).values(),
                data.get("params", {}).get("input_reference"),
            ]:
                if isinstance(rel, str) and _safe_member(rel) and rel in zf.namelist():
                    files.write_bytes_atomic(library.media_dir, library.root / rel, zf.read(rel))
            library.restore(
                Job(**{**data, "tags": tuple(data.get("tags") or ())}),
                snapshots=payload.get("snapshots", {}).get(data["key"], []),
            )
            added += 1
    return added


# --- HTML gallery -----------------------------------------------------------------

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
    tmp = _atomic_target(dest)
    try:
        tmp.write_text(doc, "utf-8")
        files.commit_file(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return dest
