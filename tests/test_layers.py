"""The dependency direction of ../shared/DESIGN.md, checked on every module's imports.

widgets -> studio -> client -> backend -> protocol -> errors; studio -> library; the
emulator sees only protocol and errors. Imports inside a function ("lazy") are allowed
only where a layer must reach up on demand, and are listed here by name.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "sora_notebook"

BASE = {"errors", "protocol"}
CLIENT = BASE | {"backend", "client", "images", "_http"}
STUDIO = CLIENT | {"library", "_store", "studio", "events", "export", "lineage", "polling",
                   "runner", "submission", "sync", "tracker"}  # fmt: skip
#: layer of a module (its first name under sora_notebook) -> what it may import
ALLOWED: dict[str, set[str]] = {
    "errors": {"protocol"},  # RateLimitError.retry_after parses its headers lazily
    "protocol": {"errors"},
    "emulator": BASE | {"emulator"},
    "_store": BASE | {"_store"},
    "library": BASE | {"_store"},
    "_http": BASE | {"_http"},
    "images": BASE,
    "backend": BASE,
    "client": CLIENT,
    **{name: STUDIO for name in STUDIO - CLIENT},
    "widgets": STUDIO | {"widgets"},
    "cli": STUDIO | {"emulator"},
    "__init__": STUDIO,
}
#: (module, imported layer) pairs allowed only inside a function
LAZY = {("backend", "emulator"), ("studio", "widgets")}


def imports(path: Path) -> list[tuple[str, bool]]:
    """(layer imported, inside a function?) for every sora_notebook import in a file."""
    tree = ast.parse(path.read_text())
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, nested: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = nested or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            names: list[str] = []
            if isinstance(child, ast.Import):
                names = [a.name for a in child.names]
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                names = [child.module] + [f"{child.module}.{a.name}" for a in child.names]
            for name in names:
                parts = name.split(".")
                if parts[0] == "sora_notebook" and len(parts) > 1:
                    found.append((parts[1], inner))
            visit(child, inner)

    visit(tree, False)
    return found


def layer_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py")


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_follow_the_layers(path):
    layer = layer_of(path)
    allowed = ALLOWED[layer] | {layer}
    wrong = [
        target
        for target, nested in imports(path)
        if target not in allowed and not (nested and (layer, target) in LAZY)
    ]
    assert not wrong, f"{layer} may not import {sorted(set(wrong))} (see DESIGN.md)"


def test_the_checker_sees_a_violation(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from sora_notebook.widgets import Panel\n\ndef f():\n    import sora_notebook.emulator\n"
    )
    assert imports(bad) == [("widgets", False), ("widgets", False), ("emulator", True)]
