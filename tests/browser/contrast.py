"""Text/background contrast of every text element in the view, computed in the page.

``measure(root)`` runs on the view's root element (a Playwright locator) and returns one
row per visible text element: its text, colours and WCAG contrast ratio. The text colour
(``color``; ``fill`` for SVG text) is composited over the background actually under it:
the element's and its ancestors' ``background-color`` (through a shadow root to its host,
up to the page), and for SVG text the filled shapes drawn before it in its group (a tree
node's box). Opacity of the element and its ancestors scales the text's alpha. Disabled
controls are exempt (WCAG 1.4.3: inactive components), and so are ``<option>`` rows (drawn
by the platform).
"""

from __future__ import annotations

from pathlib import Path

MEASURE_JS = "\n".join(
    line
    for line in (Path(__file__).parent / "contrast.js").read_text(encoding="utf-8").splitlines()
    if not line.startswith("//")
)


def measure(root) -> list[dict]:
    """Every visible text element under ``root`` (a locator) with its contrast ratio."""
    return root.evaluate(MEASURE_JS)


def failures(rows: list[dict], minimum: float = 4.5) -> list[dict]:
    return [r for r in rows if r["ratio"] < minimum]


def describe(rows: list[dict]) -> str:
    return "\n".join(
        f"  {r['ratio']:5.2f}  {r['fg']} on {r['bg']}  <{r['tag']} class={r['cls']!r}> "
        f"{r['text']!r} ({r['size']})"
        for r in rows
    )
