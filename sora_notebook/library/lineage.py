"""History as a tree: every remix, edit or extension is an edge from its parent."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sora_notebook.library.records import Job

__all__ = ["Edge", "Tree", "build_tree", "lineage_of"]


@dataclass(frozen=True)
class Edge:
    parent: str
    child: str
    kind: str | None


@dataclass(frozen=True)
class Tree:
    """Jobs (`nodes`, keyed by local key) and parent -> child `edges`.

    A job whose parent is not among the nodes (deleted, or outside a subtree) is a root.
    """

    nodes: dict[str, Job] = field(default_factory=dict)
    edges: tuple[Edge, ...] = ()

    @property
    def roots(self) -> list[Job]:
        children = {e.child for e in self.edges}
        return [j for k, j in self.nodes.items() if k not in children]

    def children(self, key: str) -> list[Job]:
        return [self.nodes[e.child] for e in self.edges if e.parent == key]

    def depth(self, key: str) -> int:
        parents = {e.child: e.parent for e in self.edges}
        depth, seen = 0, {key}
        while key in parents and parents[key] not in seen:
            key = parents[key]
            seen.add(key)
            depth += 1
        return depth

    def walk(self) -> list[tuple[int, Job]]:
        """Depth-first (depth, job) pairs, children in submission order; the one tree
        walk (iterative, so a chain of any length is fine). Jobs no root reaches (a cycle
        of bad records) come last, at depth 0."""
        kids: dict[str, list[Job]] = {}
        for edge in self.edges:
            kids.setdefault(edge.parent, []).append(self.nodes[edge.child])
        out: list[tuple[int, Job]] = []
        seen: set[str] = set()
        stack = [(0, job) for job in reversed(self.roots)]
        while stack:
            depth, job = stack.pop()
            if job.key in seen:
                continue
            seen.add(job.key)
            out.append((depth, job))
            stack += [(depth + 1, kid) for kid in reversed(kids.get(job.key, []))]
        return out + [(0, job) for key, job in self.nodes.items() if key not in seen]

    def to_dict(self) -> dict[str, object]:
        return {
            "nodes": [j.to_dict() for j in self.nodes.values()],
            "edges": [{"parent": e.parent, "child": e.child, "kind": e.kind} for e in self.edges],
        }


def build_tree(jobs: Iterable[Job], root: str | None = None) -> Tree:
    """The tree of `jobs`; with `root`, only that job and its descendants."""
    by_key = {j.key: j for j in sorted(jobs, key=lambda j: j.submitted_at)}
    if root is not None:
        keep = {root} if root in by_key else set()
        frontier = list(keep)
        kids: dict[str, list[str]] = {}
        for job in by_key.values():
            if job.parent_key:
                kids.setdefault(job.parent_key, []).append(job.key)
        while frontier:
            key = frontier.pop()
            for child in kids.get(key, ()):
                if child not in keep:
                    keep.add(child)
                    frontier.append(child)
        by_key = {k: j for k, j in by_key.items() if k in keep}
    edges = tuple(
        Edge(j.parent_key, j.key, j.edge_kind)
        for j in by_key.values()
        if j.parent_key and j.parent_key in by_key and j.parent_key != j.key
    )
    return Tree(nodes=by_key, edges=edges)


def lineage_of(job: Job, lookup: dict[str, Job]) -> list[Job]:
    """The chain from the oldest known ancestor down to `job` (inclusive)."""
    chain = [job]
    seen = {job.key}
    while chain[-1].parent_key and chain[-1].parent_key in lookup:
        parent = lookup[chain[-1].parent_key]
        if parent.key in seen:
            break
        seen.add(parent.key)
        chain.append(parent)
    return chain[::-1]
