// Keyboard in the card grid: one tab stop for the whole grid (the card last visited),
// arrow keys between cards (up and down by rows, Home and End), Enter or F2 into a card's
// controls, arrow keys among its buttons, Escape back to the card. A card's name says its
// status and prompt; so a person tabbing past 72 videos meets one stop, not 14 per card.

const CONTROLS = "button, input, select, textarea, video, a[href], [tabindex]";

/** @param {HTMLElement} card @returns {HTMLElement[]} the card's controls that show */
function controlsOf(card) {
  return /** @type {HTMLElement[]} */ ([...card.querySelectorAll(CONTROLS)]).filter(
    (c) => c !== card && !c.closest("[hidden]") && !(/** @type {any} */ (c).disabled),
  );
}

/** Cards per row times `step` (the grid wraps; its first row tells how many fit).
 * @param {HTMLElement[]} cards @param {number} step */
function rowStep(cards, step) {
  const first = cards[0];
  const perRow = first ? cards.filter((c) => c.offsetTop === first.offsetTop).length : 1;
  return step * Math.max(1, perRow);
}

/**
 * Make `grid`'s children (the cards) one roving tab stop.
 * @param {HTMLElement} grid
 */
export function rovingGrid(grid) {
  // JupyterLab's and Notebook 7's key bindings (arrows move between cells) run before the
  // page's own handlers; this attribute, on the grid and each card (where Lumino's search
  // for a matching binding starts), tells Lumino to leave keys there alone.
  grid.dataset.lmSuppressShortcuts = "true";
  /** @type {HTMLElement | null} */
  let current = null;
  const cards = () => /** @type {HTMLElement[]} */ ([...grid.children]).filter((c) => !c.hidden);
  const visit = (/** @type {HTMLElement} */ card) => {
    current = card;
    refresh();
    card.focus();
  };
  function refresh() {
    const all = cards();
    if (!current || !all.includes(current)) current = all[0] || null;
    for (const card of all) {
      card.tabIndex = card === current ? 0 : -1;
      card.dataset.lmSuppressShortcuts = "true";
      for (const c of controlsOf(card)) c.tabIndex = -1;
    }
  }
  grid.addEventListener("keydown", (e) => {
    const target = /** @type {HTMLElement} */ (e.target);
    const all = cards();
    const card = all.find((c) => c.contains(target));
    if (!card) return;
    if (target === card) {
      const i = all.indexOf(card);
      const moves = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: rowStep(all, 1), ArrowUp: rowStep(all, -1), Home: -i, End: all.length - 1 - i };
      const by = /** @type {Record<string, number>} */ (moves)[e.key];
      if (by !== undefined) {
        e.preventDefault();
        e.stopPropagation();  // the notebook's own keys (cell navigation) stay out of it
        visit(all[Math.min(all.length - 1, Math.max(0, i + by))]);
      } else if (e.key === "Enter" || e.key === "F2") {
        e.preventDefault();
        e.stopPropagation();
        const first = controlsOf(card)[0];
        if (first) first.focus();
      }
      return;
    }
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      visit(card);
      return;
    }
    if (target.tagName !== "BUTTON" || !["ArrowRight", "ArrowLeft", "ArrowDown", "ArrowUp"].includes(e.key)) return;
    e.preventDefault();  // arrows among a card's buttons (inputs keep theirs for the caret)
    e.stopPropagation();
    const controls = controlsOf(card);
    const by = e.key === "ArrowRight" || e.key === "ArrowDown" ? 1 : -1;
    const next = controls[(controls.indexOf(target) + by + controls.length) % controls.length];
    if (next) next.focus();
  });
  grid.addEventListener("focusin", (e) => {
    const card = cards().find((c) => c.contains(/** @type {Node} */ (e.target)));
    if (card && card !== current) { current = card; refresh(); }
  });
  return { refresh };
}
