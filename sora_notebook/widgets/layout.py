"""Layered layout of the history forest, computed in Python (testable without a browser).

Depth runs left to right (one column per generation); siblings stack top to bottom.
Every leaf owns its own row and a parent sits midway between its first and last child,
so two nodes never overlap: nodes in one column come from disjoint row ranges, and
columns are a node width plus a gap apart. The result depends only on the input order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["COL_GAP", "NODE_H", "NODE_W", "ROW_GAP", "Layout", "Placed", "layout_forest"]

NODE_W, NODE_H = 168, 64
COL_GAP, ROW_GAP = 56, 14


@dataclass(frozen=True)
class Placed:
    """One node's top-left corner, depth and keyboard neighbours (ids or None)."""

    id: str
    x: float
    y: float
    depth: int
    parent: str | None
    up: str | None = None
    down: str | None = None
    left: str | None = None
    right: str | None = None


@dataclass(frozen=True)
class Layout:
    nodes: dict[str, Placed]
    width: float
    height: float


def _forest(
    items: Iterable[tuple[str, str | None]],
) -> tuple[list[str], dict[str, str | None], dict[str, list[str]], list[str]]:
    """Order, parent of each node (None for roots), children, roots."""
    order: list[str] = []
    parent_of: dict[str, str | None] = {}
    for node_id, parent in items:
        if node_id in parent_of:
            continue
        order.append(node_id)
        parent_of[node_id] = parent
    children: dict[str, list[str]] = {n: [] for n in order}
    roots: list[str] = []
    for node_id in order:
        parent = parent_of[node_id]
        if parent is None or parent not in children or parent == node_id:
            parent_of[node_id] = None
            roots.append(node_id)
        else:
            children[parent].append(node_id)
    return order, parent_of, children, roots


class _Rows:
    """Rows and depths: every leaf a row of its own, a parent midway between its children."""

    def __init__(self, children: dict[str, list[str]]) -> None:
        self.children = children
        self.row: dict[str, float] = {}
        self.depth: dict[str, int] = {}
        self.visited: set[str] = set()
        self.next_row = 0

    def place(self, root: str) -> None:
        stack: list[tuple[str, bool]] = [(root, False)]
        self.depth[root] = 0
        while stack:
            node, done = stack.pop()
            if done:
                kids = [k for k in self.children[node] if k in self.row]
                if kids:
                    self.row[node] = (self.row[kids[0]] + self.row[kids[-1]]) / 2
                else:
                    self.row[node] = float(self.next_row)
                    self.next_row += 1
                continue
            self.visited.add(node)
            stack.append((node, True))
            for kid in reversed(self.children[node]):
                if kid not in self.visited:
                    self.depth[kid] = self.depth[node] + 1
                    stack.append((kid, False))


def _columns(order: list[str], rows: _Rows) -> tuple[dict[str, str | None], dict[str, str | None]]:
    """The node above and below each node in its column."""
    columns: dict[int, list[str]] = {}
    for node_id in order:
        columns.setdefault(rows.depth[node_id], []).append(node_id)
    up: dict[str, str | None] = {}
    down: dict[str, str | None] = {}
    for ids in columns.values():
        ids.sort(key=lambda n: rows.row[n])
        for i, node_id in enumerate(ids):
            up[node_id] = ids[i - 1] if i > 0 else None
            down[node_id] = ids[i + 1] if i + 1 < len(ids) else None
    return up, down


def layout_forest(items: Iterable[tuple[str, str | None]]) -> Layout:
    """Place `(id, parent_id)` pairs, given in display order (children keep that order).

    A parent that is missing (or the node itself) makes the node a root. Cycles, which a
    history cannot have, are broken rather than looped on.
    """
    order, parent_of, children, roots = _forest(items)
    rows = _Rows(children)
    for root in roots:
        rows.place(root)
    # Nodes on a cycle are unreachable from any root: give them rows of their own.
    for node_id in order:
        if node_id not in rows.visited:
            parent_of[node_id] = None
            rows.place(node_id)
    up, down = _columns(order, rows)
    placed: dict[str, Placed] = {}
    for node_id in order:
        kids = [k for k in children[node_id] if parent_of.get(k) == node_id]
        placed[node_id] = Placed(
            id=node_id,
            x=rows.depth[node_id] * (NODE_W + COL_GAP),
            y=rows.row[node_id] * (NODE_H + ROW_GAP),
            depth=rows.depth[node_id],
            parent=parent_of[node_id],
            up=up[node_id],
            down=down[node_id],
            left=parent_of[node_id],
            right=kids[0] if kids else None,
        )
    width = max((p.x for p in placed.values()), default=-NODE_W) + NODE_W
    height = max((p.y for p in placed.values()), default=-NODE_H) + NODE_H
    return Layout(nodes=placed, width=max(width, 0), height=max(height, 0))
