"""`TreeView`: the history forest as one SVG, laid out and diffed in Python.

Traits are split by how often they change, so a progress tick syncs a small dict and the
ESM updates only the affected SVG nodes: `nodes` (layout, when the structure changes),
`state` (id -> [status, progress]), `thumbs` (id -> small data URL), `edges` (kind and
the word diff of the prompt change). The page writes `selected` (click, Ctrl/Shift+click,
keyboard); Python keeps it to known ids, at most `max_select`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from typing import Any

import anywidget
import traitlets as t

from sora_notebook.widgets.assets import STATIC, esm
from sora_notebook.widgets.diff import word_diff
from sora_notebook.widgets.layout import COL_GAP, NODE_H, NODE_W, ROW_GAP, layout_forest
from sora_notebook.widgets.rpc import RequestsMixin
from sora_notebook.widgets.thumbs import thumb_data_url

__all__ = ["TreeView"]

_STATUS = re.compile(r"[^a-z_]")
LABEL_CHARS, TITLE_CHARS = 22, 400
ThumbPath = Callable[[Any], Any]


def _short(text: str | None, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@functools.lru_cache(maxsize=4096)
def _edge_diff(old: str, new: str) -> tuple[tuple[str, str], ...]:
    return tuple((text, flag) for text, flag in word_diff(old, new))


def status_class(status: str | None) -> str:
    """A CSS-safe status word (`in_progress`, `failed`, ...; anything odd -> `unknown`)."""
    word = _STATUS.sub("", str(status or "").lower())
    return word or "unknown"


class TreeView(RequestsMixin, anywidget.AnyWidget):
    """The history of generations: nodes, labelled edges, selection, zoom and pan."""

    _esm = esm("tree.js", common=True)
    _css = STATIC / "tree.css"

    nodes = t.List(t.Dict()).tag(sync=True)
    edges = t.List(t.Dict()).tag(sync=True)
    state = t.Dict().tag(sync=True)
    thumbs = t.Dict().tag(sync=True)
    selected = t.List(t.Unicode()).tag(sync=True)
    geometry = t.Dict(
        {"node_w": NODE_W, "node_h": NODE_H, "col_gap": COL_GAP, "row_gap": ROW_GAP}
    ).tag(sync=True)
    extent = t.Dict({"width": 0, "height": 0}).tag(sync=True)
    max_select = t.Int(4).tag(sync=True)

    def __init__(
        self, jobs: Iterable[Any] = (), *, thumbnail: ThumbPath | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self._init_requests()
        self._structure: tuple[tuple[str, str | None, str | None, str], ...] = ()
        self._thumbnail = thumbnail
        self.set_jobs(jobs)

    @t.validate("selected")
    def _valid_selection(self, proposal: dict[str, Any]) -> list[str]:
        known = {n["id"] for n in self.nodes}
        seen: list[str] = []
        for node_id in proposal["value"]:
            if node_id in known and node_id not in seen:
                seen.append(node_id)
        return seen[-self.max_select :] if self.max_select > 0 else []

    def set_jobs(self, jobs: Iterable[Any]) -> None:
        """Show these jobs (any objects with the `Job` fields); cheap when little changed."""
        jobs = sorted(jobs, key=lambda j: (getattr(j, "submitted_at", None) or 0, j.key))
        by_key = {j.key: j for j in jobs}
        structure = tuple((j.key, j.parent_key, j.edge_kind, j.prompt or "") for j in jobs)
        with self.hold_sync():
            if structure != self._structure:
                self._structure = structure
                self._relayout(jobs, by_key)
            self.state = {j.key: [status_class(j.status), int(j.progress or 0)] for j in jobs}
            if self._thumbnail is not None:
                thumbs = {}
                for j in jobs:
                    url = thumb_data_url(self._thumbnail(j), width=112, quality=55)
                    if url:
                        thumbs[j.key] = url
                self.thumbs = thumbs
            self.selected = [k for k in self.selected if k in by_key]

    def _relayout(self, jobs: list[Any], by_key: dict[str, Any]) -> None:
        layout = layout_forest((j.key, j.parent_key) for j in jobs)
        nodes, edges = [], []
        for j in jobs:
            p = layout.nodes[j.key]
            nodes.append(
                {
                    "id": j.key,
                    "x": p.x,
                    "y": p.y,
                    "label": _short(j.prompt, LABEL_CHARS),
                    "title": _short(j.prompt, TITLE_CHARS),
                    "up": p.up,
                    "down": p.down,
                    "left": p.left,
                    "right": p.right,
                }
            )
            if p.parent is not None:
                parent = by_key[p.parent]
                kind = j.edge_kind or "remix"
                edges.append(
                    {
                        "id": f"{p.parent}->{j.key}",
                        "source": p.parent,
                        "target": j.key,
                        "kind": kind,
                        "diff": [
                            list(tok) for tok in _edge_diff(parent.prompt or "", j.prompt or "")
                        ],
                    }
                )
        self.nodes = nodes
        self.edges = edges
        self.extent = {"width": layout.width, "height": layout.height}
