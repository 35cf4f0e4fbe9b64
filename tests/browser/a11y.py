"""Accessibility checks in the page: axe-core (npm, pinned in package-lock.json, installed
by `make test`'s `npm ci`) run on the studio alone, and tab stops counted by pressing Tab."""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")
#: The element with focus, through shadow roots (marimo renders the view in one).
FOCUSED = """() => { let e = document.activeElement;
  while (e && e.shadowRoot && e.shadowRoot.activeElement) { e = e.shadowRoot.activeElement; }
  return e; }"""


def axe_violations(page, root) -> list[dict]:
    """axe-core's serious and critical violations inside `root` (the studio's element)."""
    if not AXE.exists():
        raise AssertionError(f"{AXE} is missing: run `npm ci` (make test does)")
    if not page.evaluate("() => Boolean(window.axe)"):
        page.add_script_tag(path=str(AXE))
    found = root.evaluate(
        """async (el) => (await window.axe.run(el, {resultTypes: ["violations"]})).violations
             .map(v => ({id: v.id, impact: v.impact, help: v.help, count: v.nodes.length,
                         first: v.nodes[0] && v.nodes[0].html.slice(0, 160)}))"""
    )
    return [v for v in found if v["impact"] in SERIOUS]


def tab_stops_in_cards(page, root, presses: int) -> dict[str, int]:
    """Press Tab `presses` times from the first card; how many stops fell in each card."""
    root.get_by_test_id("sn-card").first.focus()
    stops: dict[str, int] = {}
    for _ in range(presses):
        key = page.evaluate(
            f"""() => {{ const e = ({FOCUSED})();
                 const card = e && e.closest && e.closest('[data-testid="sn-card"]');
                 return card ? card.dataset.key : ""; }}"""
        )
        if key:
            stops[key] = stops.get(key, 0) + 1
        page.keyboard.press("Tab")
    return stops
