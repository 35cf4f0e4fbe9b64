"""The HTML format: one static gallery file with no script.

Every prompt, id, note, metric name, ranking field and server message is escaped by
`export.html.esc` (quotes too, for attributes); media is
embedded as data URLs or linked relatively. Each card carries the person's rating, the
metrics cached in the library and the variant's place in the ranking; a leaderboard
heads the page when a ranking is given, then the storyboards' films with their takes.
"""

from __future__ import annotations

import base64
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from sora_notebook.export.html import esc, nested_list
from sora_notebook.library import Job, Library, files
from sora_notebook.library.lineage import Tree
from sora_notebook.protocol import MEDIA_TYPES

__all__ = ["SUFFIXES", "Ranked", "Standing", "export_html", "write"]


class Ranked(Protocol):
    """One place in a ranking (what `studio.ranking()` returns)."""

    @property
    def job(self) -> Job: ...
    @property
    def score(self) -> float: ...
    @property
    def sigma(self) -> float: ...
    @property
    def wins(self) -> float: ...
    @property
    def losses(self) -> float: ...
    @property
    def ties(self) -> int: ...


class Standing(Protocol):
    """One model's row of the leaderboard by model (what `studio.leaderboard()` returns)."""

    @property
    def model(self) -> str: ...
    @property
    def score(self) -> float: ...
    @property
    def sigma(self) -> float: ...
    @property
    def wins(self) -> float: ...
    @property
    def losses(self) -> float: ...
    @property
    def ties(self) -> int: ...
    @property
    def cost_per_video(self) -> float | None: ...
    @property
    def seconds_per_video(self) -> float | None: ...
    @property
    def wins_per_dollar(self) -> float | None: ...


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
table{border-collapse:collapse;font-size:12px;margin-top:6px}
td,th{padding:1px 8px 1px 0;text-align:left;color:#bbb}
.board{background:#1c1c1c;border-radius:8px;padding:10px;margin-bottom:16px}
.stars{color:#fc6}
"""
_CSP = (
    "default-src 'none'; img-src data: file: http: https: 'self' *; "
    "media-src data: file: http: https: 'self' *; style-src 'unsafe-inline'"
)
#: A file larger than this is linked, not embedded, even with `embed=True` (base64 in a
#: string would hold several times its size in memory).
MAX_EMBED_BYTES = 64 * 1024 * 1024
#: Content type by file suffix: the media variants, and PNG references.
_MIME = {t.ext: t.mime for t in MEDIA_TYPES.values()} | {".png": "image/png"}


def _src(library: Library, rel: str | None, html_dir: Path, embed: bool) -> str | None:
    if not rel:
        return None
    path = (library.root / rel).resolve()
    if not path.is_file() or not path.is_relative_to(library.media_dir.resolve()):
        return None  # only media: never the database or another file of the root
    if embed and path.stat().st_size <= MAX_EMBED_BYTES:
        mime = _MIME.get(path.suffix, "application/octet-stream")
        return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}"
    return Path(os.path.relpath(path, html_dir)).as_posix()


def _number(value: object) -> str:
    if isinstance(value, (int, float)) and math.isfinite(value):
        return f"{value:.4g}"
    return "-"


def _metrics_table(values: dict[str, object]) -> str:
    e = esc
    rows = "".join(
        f"<tr><th>{e(str(k))}</th><td>{e(_number(v))}</td></tr>"
        for k, v in list(values.items())[:40]
    )
    return f'<table class="metrics">{rows}</table>' if rows else ""


def _judging(library: Library, job: Job, place: tuple[int, Ranked] | None) -> list[str]:
    """The card's rating, ranking place and cached metrics, as escaped HTML pieces."""
    e = esc
    parts = []
    if job.rating is not None:
        stars = "★" * job.rating + "☆" * (5 - job.rating)
        parts.append(f'<div class="meta">rated <span class="stars">{stars}</span></div>')
    if place is not None:
        n, r = place
        parts.append(
            f'<div class="meta">rank #{n} · score {e(_number(r.score))} ± '
            f"{e(_number(r.sigma))} · {_record(r)} (W-L-T)</div>"
        )
    cached = library.judging.load_metrics(job.key)
    values = cached[1].get("values") if cached else None
    if isinstance(values, dict):
        parts.append(_metrics_table(values))
    return parts


def _record(r: Ranked | Standing) -> str:
    """Wins-losses-ties, escaped (a ranking is the caller's data, not ours)."""
    return "-".join(esc(_number(v)) for v in (r.wins, r.losses, r.ties))


def _leaderboard(ranking: Sequence[Ranked]) -> str:
    e = esc
    rows = "".join(
        f"<tr><td>#{n}</td><td>{e(r.job.prompt[:80])}</td><td>{e(_number(r.score))} ± "
        f"{e(_number(r.sigma))}</td><td>{_record(r)}</td></tr>"
        for n, r in enumerate(ranking, 1)
    )
    head = "<tr><th>rank</th><th>prompt</th><th>score</th><th>W-L-T</th></tr>"
    return f'<div class="board"><h2>Ranking</h2><table>{head}{rows}</table></div>'


def _model_board(models: Sequence[Standing]) -> str:
    e = esc
    rows = "".join(
        f"<tr><td>#{n}</td><td>{e(s.model)}</td><td>{e(_number(s.score))} ± "
        f"{e(_number(s.sigma))}</td><td>{_record(s)}</td>"
        f"<td>{e(_dollars(s.cost_per_video))}</td><td>{e(_number(s.seconds_per_video))}</td>"
        f"<td>{e(_number(s.wins_per_dollar))}</td></tr>"
        for n, s in enumerate(models, 1)
    )
    head = (
        "<tr><th>rank</th><th>model</th><th>score</th><th>W-L-T</th><th>$ per video</th>"
        "<th>s per video</th><th>wins per $</th></tr>"
    )
    return f'<div class="board"><h2>Models</h2><table>{head}{rows}</table></div>'


def _dollars(value: float | None) -> str:
    return "unknown" if value is None else f"${value:.2f}"


def _card(
    library: Library,
    job: Job,
    html_dir: Path,
    embed: bool,
    place: tuple[int, Ranked] | None = None,
) -> str:
    e = esc
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
            job.backend,
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
    parts.extend(_judging(library, job, place))
    parts.append("</div>")
    return "".join(parts)


def _films(library: Library, tree: Tree, html_dir: Path, embed: bool) -> str:
    """The storyboards' films whose takes are all in `tree`, each with its lineage: the
    board and, in order, the take each shot used."""
    e = esc
    cards = []
    for film in library.boards.films():
        if not film.takes or not all(k in tree.nodes for k in film.takes):
            continue
        board = library.boards.get(film.board)
        title = board.title if board is not None and board.title else film.board
        video = _src(library, film.path, html_dir, embed)
        shots = "".join(
            f'<li>{e(tree.nodes[k].prompt[:120])} <span class="meta">({e(k)})</span></li>'
            for k in film.takes
        )
        player = f'<video controls preload="metadata" src="{e(video)}"></video>' if video else ""
        cards.append(
            f'<div class="card film">{player}<div class="prompt">{e(title)}</div>'
            f'<div class="meta">film of storyboard {e(film.board)} · {film.seconds:.1f}s · '
            f"{len(film.takes)} shots</div><ol>{shots}</ol></div>"
        )
    if not cards:
        return ""
    return f'<div class="board"><h2>Films</h2>{"".join(cards)}</div>'


def export_html(
    library: Library,
    tree: Tree,
    dest: str | os.PathLike[str],
    *,
    embed: bool = True,
    title: str = "sora-notebook gallery",
    ranking: Sequence[Ranked] | None = None,
    models: Sequence[Standing] | None = None,
) -> Path:
    """A static gallery of `tree` at `dest` (one file when `embed`, else linking media;
    a file over `MAX_EMBED_BYTES` is always linked), with a leaderboard and each card's
    place when `ranking` is given, and the leaderboard by model when `models` is."""
    dest = Path(dest).resolve()
    html_dir = dest.parent
    places = {r.job.key: (n, r) for n, r in enumerate(ranking or (), 1)}
    out: list[str] = [_model_board(models)] if models else []
    out += [_leaderboard(ranking)] if ranking else []
    out.append(_films(library, tree, html_dir, embed))

    def card(job: Job, _depth: int) -> str:
        return _card(library, job, html_dir, embed, places.get(job.key))

    out.append(nested_list(tree.walk(), card, ' class="root"'))
    doc = (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{esc(title)}</h1>"
        f'<p class="meta">{len(tree.nodes)} videos</p>' + "".join(out) + "</body></html>\n"
    )
    with files.atomic_output(dest) as tmp:
        tmp.write_text(doc, "utf-8")
    return dest


def write(
    library: Library,
    tree: Tree,
    dest: Path,
    *,
    embed: bool = True,
    ranking: Sequence[Ranked] | None = None,
    models: Sequence[Standing] | None = None,
) -> Path:
    """The registry's entry point."""
    return export_html(library, tree, dest, embed=embed, ranking=ranking, models=models)
