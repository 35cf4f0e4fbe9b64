"""The view's ESM and CSS, assembled from `static/` at import time (no network, no bundler).

The ESM is split by concern into plain script files that share one module scope:
`common.js` first, `main.js` (which exports `render`) last. Full-line comments and
indentation are dropped on the way, which keeps the widget state small.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["CSS", "ESM", "MODULES", "STATIC", "assemble"]

STATIC = Path(__file__).parent / "static"
MODULES = ("common", "player", "form", "card", "cards", "tree", "compare", "duel", "main")


def _compact(source: str) -> str:
    lines = (line.strip() for line in source.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//"))


def assemble(modules: tuple[str, ...] = MODULES) -> str:
    """One ES module from `static/<name>.js` in order."""
    return "\n".join(_compact((STATIC / f"{name}.js").read_text("utf-8")) for name in modules)


ESM = assemble()
CSS = _compact((STATIC / "studio.css").read_text("utf-8"))
