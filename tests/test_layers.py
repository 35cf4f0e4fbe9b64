"""The layers of docs/CONTRACTS.md, checked on every module's imports.

The folders are the layers: the package facade (`sora_notebook/__init__.py`) -> widgets
-> studio -> client, library, judge, export -> protocol, errors, _headers; the emulator
sees only the leaves. Nothing inside the package imports the facade (`from sora_notebook
import Studio` pulls in everything). An import inside a function climbs no layer either,
except the pairs listed in `LAZY`. No module imports itself back through others at import
time.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "sora_notebook"

LEAVES = {"errors", "protocol", "_headers", "decoding"}
ENGINE = LEAVES | {"client", "library", "judge", "export", "studio"}
#: layer (a folder or top-level module under sora_notebook) -> the layers it may import
ALLOWED: dict[str, set[str]] = {
    "_headers": set(),
    "errors": {"_headers"},
    "protocol": {"errors"},
    "decoding": {"errors"},
    "client": LEAVES,
    "library": LEAVES,
    "judge": LEAVES,
    "export": LEAVES | {"library"},
    "studio": ENGINE,
    "widgets": ENGINE | {"storyboard"},
    "storyboard": ENGINE,
    "emulator": LEAVES,
    "cli": ENGINE | {"emulator"},
    "__init__": ENGINE | {"widgets", "storyboard"},
}
#: (layer, imported layer) pairs allowed only inside a function: `Backend.emulator()`
#: builds the in-process emulator on demand (client/backend.py).
LAZY = {("client", "emulator")}


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _resolve(name: str) -> str | None:
    """The package module `name` names (a folder's `__init__` or a file), if any."""
    path = PACKAGE.parent.joinpath(*name.split("."))
    if (path / "__init__.py").exists() or path.with_suffix(".py").exists():
        return name
    return None


def imports(path: Path) -> list[tuple[str, bool]]:
    """(module imported, inside a function or TYPE_CHECKING?) for every package import."""
    tree = ast.parse(path.read_text())
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, nested: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = nested or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                inner = True
            names: list[str] = []
            if isinstance(child, ast.Import):
                names = [a.name for a in child.names]
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                # `from pkg import sub` imports the module pkg.sub where there is one;
                # any other name comes from pkg itself (for the root: the facade)
                subs = [f"{child.module}.{a.name}" for a in child.names]
                names = [s for s in subs if _resolve(s)]
                if len(names) < len(subs):
                    names.append(child.module)
            found.extend((n, inner) for n in names if n.split(".")[0] == "sora_notebook")
            visit(child, inner)

    visit(tree, False)
    return found


def layer_of(module: str) -> str:
    """The layer a module is in; the root package itself is the facade, `__init__`."""
    return module.split(".")[1] if "." in module else "__init__"


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_follow_the_layers(path):
    layer = layer_of(_module_name(path))
    allowed = ALLOWED[layer] | {layer}
    if layer == "__init__":
        allowed -= {"__init__"}  # the facade does not import itself back
    wrong = [
        target
        for target, nested in imports(path)
        if layer_of(target) not in allowed and not (nested and (layer, layer_of(target)) in LAZY)
    ]
    assert not wrong, f"{layer} may not import {sorted(set(wrong))} (see docs/CONTRACTS.md)"


def import_graph() -> dict[str, set[str]]:
    """module -> the package modules it imports at import time."""
    return {
        _module_name(p): {t for t, nested in imports(p) if not nested and _resolve(t)}
        for p in MODULES
    }


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_import_circles():
    graph = import_graph()
    assert len(graph) > 40
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_the_checkers_see_a_violation_and_a_circle(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from sora_notebook.widgets import Panel\n\ndef f():\n    import sora_notebook.emulator\n"
        "from sora_notebook import Studio, errors\n"
        "def g():\n    from sora_notebook.widgets import StudioView\n"
    )
    assert imports(bad) == [
        ("sora_notebook.widgets", False),
        ("sora_notebook.emulator", True),
        ("sora_notebook.errors", False),
        ("sora_notebook", False),  # the facade, through a name that is not a module
        ("sora_notebook.widgets", True),
    ]
    assert layer_of("sora_notebook") == "__init__" and "__init__" not in ALLOWED["studio"]
    assert ("studio", "widgets") not in LAZY  # the engine never reaches up to its view
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
