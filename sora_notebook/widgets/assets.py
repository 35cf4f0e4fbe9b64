"""The views' ESM and CSS files. A view that needs the shared helpers (`common.js`:
the page's base URL, requests to Python, text-only elements) gets them put in front of
its own ESM here, so the files stay plain ESM with no bundler."""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).parent / "static"


def esm(name: str, *, common: bool = False) -> str:
    """The ESM of `static/<name>`, with `static/common.js` before it when `common`."""
    parts = [STATIC / "common.js"] if common else []
    return "\n".join(path.read_text(encoding="utf-8") for path in [*parts, STATIC / name])
