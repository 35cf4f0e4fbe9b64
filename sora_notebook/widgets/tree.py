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

__all__ = ["GEOMETRY", "node_label", "tree_state"]

GEOMETRY = {"node_w": NODE_W, "node_h": NODE_H, "col_gap": COL_GAP, "row_gap": ROW_GAP}


@functools.lru_cache(maxsize=4096)
def _edge_diff(old: str, new: str) -> tuple[tuple[str, str], ...]:
    return tuple((text, flag) for text, flag in word_diff(old, new))


#: The settings a node's label names when its prompt is its parent's.
_SETTINGS = (("model", ""), ("size", ""), ("seconds", " s"))


def node_label(job: Job, parent: Job | None) -> str:
    """What a node's label says: a root's prompt; a child's change from its parent: the
    words it adds (or removes), else the settings that differ ("seconds 4 s -> 8 s")."""
    if parent is None:
        return job.prompt or ""
    tokens = _edge_diff(parent.prompt or "", job.prompt or "")
    added = " … ".join(text for text, flag in tokens if flag == "+")
    if added:
        return f"+ {added}"
    removed = " … ".join(text for text, flag in tokens if flag == "-")
    if removed:
        return f"- {removed}"
    changed = [
        f"{name} {getattr(parent, name)}{unit} -> {getattr(job, name)}{unit}"
        for name, unit in _SETTINGS
        if getattr(parent, name) != getattr(job, name)
    ]
    return ", ".join(changed) or f"{job.edge_kind or 'remix'}, same prompt"


def tree_state(jobs: Sequence[Job], *, show_rejected: bool = False) -> dict[str, Any]:
    """`{nodes: [[key, x, y]], edges: [[from, to, kind, diff]], labels: {key: label},
    width, height, hidden, deleted}`. A deleted video that others were made from stays as
    a node of its own (`deleted` lists their keys), so its children keep their place and
    their edges. A child's label says how it differs from its parent (`node_label`)."""
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
    labels: dict[str, str] = {}
    for job in shown:
        placed = layout.nodes[job.key]
        nodes.append([job.key, placed.x, placed.y])
        parent = by_key.get(placed.parent) if placed.parent is not None else None
        labels[job.key] = node_label(job, parent)[:200]
        if placed.parent is not None:
            was = parent.prompt or "" if parent is not None else ""
            diff = [list(t) for t in _edge_diff(was, job.prompt or "")] if parent else []
            edges.append([placed.parent, job.key, job.edge_kind or "remix", diff])
    return {
        "nodes": nodes,
        "edges": edges,
        "width": layout.width,
        "height": layout.height,
        "labels": labels,
        "hidden": len(jobs) - len(shown),
        "deleted": deleted,
        "geometry": GEOMETRY,
    }
