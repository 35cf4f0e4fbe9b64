import itertools
import random

from sora_notebook.widgets.layout import NODE_H, NODE_W, layout_forest


def _forest(n: int, seed: int = 7) -> list[tuple[str, str | None]]:
    rng = random.Random(seed)
    items: list[tuple[str, str | None]] = []
    for i in range(n):
        parent = None if i == 0 or rng.random() < 0.08 else f"n{rng.randrange(i)}"
        items.append((f"n{i}", parent))
    return items


def _overlap(a, b) -> bool:
    return a.x < b.x + NODE_W and b.x < a.x + NODE_W and a.y < b.y + NODE_H and b.y < a.y + NODE_H


def test_500_nodes_never_overlap():
    layout = layout_forest(_forest(500))
    placed = sorted(layout.nodes.values(), key=lambda p: (p.x, p.y))
    assert len(placed) == 500
    by_column: dict[float, list] = {}
    for p in placed:
        by_column.setdefault(p.x, []).append(p)
    for column in by_column.values():
        for a, b in itertools.pairwise(column):
            assert not _overlap(a, b), (a, b)
    for i, a in enumerate(placed):
        for b in placed[i + 1 : i + 40]:
            assert a.id == b.id or not _overlap(a, b)


def test_layout_is_deterministic_and_within_extent():
    first = layout_forest(_forest(500))
    second = layout_forest(_forest(500))
    assert first == second
    for p in first.nodes.values():
        assert 0 <= p.x <= first.width - NODE_W
        assert 0 <= p.y <= first.height - NODE_H


def test_children_sit_right_of_parents_and_parent_between_children():
    layout = layout_forest([("a", None), ("b", "a"), ("c", "a"), ("d", "c"), ("e", None)])
    n = layout.nodes
    assert n["b"].x == n["c"].x > n["a"].x
    assert n["b"].y < n["a"].y < n["c"].y or n["a"].y == (n["b"].y + n["c"].y) / 2
    assert n["d"].x > n["c"].x and n["d"].parent == "c"
    assert n["e"].parent is None and n["e"].y > n["d"].y


def test_keyboard_neighbours():
    n = layout_forest([("a", None), ("b", "a"), ("c", "a")]).nodes
    assert (n["a"].right, n["b"].left, n["b"].down, n["c"].up) == ("b", "a", "c", "b")
    assert n["a"].up is None and n["c"].down is None


def test_missing_parent_self_parent_and_cycles_become_roots():
    n = layout_forest([("x", "gone"), ("y", "y"), ("p", "q"), ("q", "p")]).nodes
    assert n["x"].parent is None and n["y"].parent is None
    assert {n["p"].parent, n["q"].parent} & {None}
    assert len(n) == 4


def test_deep_chain_does_not_recurse():
    items = [("n0", None)] + [(f"n{i}", f"n{i - 1}") for i in range(1, 3000)]
    layout = layout_forest(items)
    assert layout.nodes["n2999"].depth == 2999
