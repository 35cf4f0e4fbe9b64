"""The history forest as the page draws it: positions and edges, computed in Python.

Depth runs left to right and every leaf has a row of its own (`layout.py`), so at the
default zoom labels keep their size and a large history scrolls instead of shrinking.
Refused requests (nothing created, nothing billed) are left out unless asked for.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sora_notebook.library import Job
from sora_notebook.widgets.diff import word_diff
from sora_notebook.widgets.layout import COL_GAP, NODE_H, NODE_W, ROW_GAP, layout_forest

__all__ = ["GEOMETRY", "tree_state"]

GEOMETRY = {"node_w": NODE_W, "node_h": NODE_H, "col_gap": COL_GAP, "row_gap": ROW_GAP}


@functools.lru_cache(maxsize=4096)
def _edge_diff(old: str, new: str) -> tuple[tuple[str, str], ...]:
    return tuple((text, flag) for text, flag in word_diff(old, new))


def tree_state(jobs: Sequence[Job], *, show_rejected: bool = False) -> dict[str, Any]:
    """`{nodes: [[key, x, y]], edges: [[from, to, kind, diff]], width, height, hidden,
    deleted}`. A deleted video that others were made from stays as a node of its own
    (`deleted` lists their keys), so its children keep their place and their edges."""
    shown = [j for j in jobs if show_rejected or j.status != "rejected"]
    shown.sort(key=lambda j: (j.submitted_at or 0, j.key))
    by_key = {j.key: j for j in shown}
    known = {j.key for j in jobs}
    gone = list(dict.fromkeys(j.parent_key for j in shown if j.parent_key not in known))
    deleted = [key for key in gone if key is not None]
    pairs = [(key, None) for key in deleted] + [(j.key, j.parent_key) for j in shown]
    layout = layout_forest(pairs)
    nodes: list[list[Any]] = [[key, layout.nodes[key].x, layout.nodes[key].y] for key in deleted]
    edges: list[list[Any]] = []
    for job in shown:
        placed = layout.nodes[job.key]
        nodes.append([job.key, placed.x, placed.y])
        if placed.parent is not None:
            parent = by_key.get(placed.parent)
            was = parent.prompt or "" if parent is not None else ""
            diff = [list(t) for t in _edge_diff(was, job.prompt or "")] if parent else []
            edges.append([placed.parent, job.key, job.edge_kind or "remix", diff])
    return {
        "nodes": nodes,
        "edges": edges,
        "width": layout.width,
        "height": layout.height,
        "hidden": len(jobs) - len(shown),
        "deleted": deleted,
        "geometry": GEOMETRY,
    }
