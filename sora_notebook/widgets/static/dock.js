// The docked stage: the player, compare and duel sit in a column beside the videos (above
// them when the studio is narrow) and stick to the top of the page's scroller, so what opens
// there is in view wherever the person has scrolled, and the card clicked does not move.
//
// Sticking needs the page's scroller to be the stage's nearest clipping ancestor. The front
// ends wrap an output in boxes that clip without scrolling (JupyterLab's and Notebook 7's
// output areas, except in an output's own panel, where the output area is the scroller;
// Notebook 7 also caps a long output at 312 px once it grows) or cap it in a scroll box of their own (marimo edit: 610 px, a scroll box
// inside the page). `openHost` lets those boxes show their content, so the studio scrolls
// with the page, and puts them back as they were when the view goes.

import { button, make } from "./dom.js";

/** JupyterLab's and Notebook 7's output boxes: as tall as their output, and clipping it. */
const CLIPPING_OUTPUTS = ["jp-OutputArea-output", "jp-OutputArea-child", "jp-OutputArea"];
const MAX_DEPTH = 16;

/** @param {Element} el @returns {Element | null} the parent, across a shadow root */
function parentOf(el) {
  if (el.parentElement) return el.parentElement;
  const root = el.getRootNode();
  return root instanceof ShadowRoot ? root.host : null;
}

/**
 * Open the boxes between `root` and the page's scroller.
 * @param {HTMLElement} root
 * @returns {{ scroller: Element | null, restore: () => void }}
 */
export function openHost(root) {
  /** @type {[HTMLElement, string, string][]} */
  const changed = [];
  let scroller = null;
  let el = parentOf(root);
  for (let depth = 0; el && el !== document.body && depth < MAX_DEPTH; depth += 1, el = parentOf(el)) {
    if (!(el instanceof HTMLElement)) continue;
    const style = getComputedStyle(el);
    const clips = style.overflowX !== "visible" || style.overflowY !== "visible";
    if (!clips) continue;
    // An output box that scrolls is the scroller (JupyterLab's output in a panel of its own).
    const scrolls = el.scrollHeight > el.clientHeight + 1;
    const output = !scrolls && CLIPPING_OUTPUTS.some((name) => el instanceof HTMLElement && el.classList.contains(name));
    const capped = style.maxHeight !== "none" && /auto|scroll/.test(style.overflowY);
    if (!output && !capped) { scroller = el; break; }
    changed.push([el, el.style.overflow, el.style.maxHeight]);
    el.style.overflow = "visible";
    el.style.maxHeight = "none";  // also against a cap set later (Notebook 7's scrolled outputs)
  }
  const restore = () => {
    for (const [box, overflow, maxHeight] of changed) {
      box.style.overflow = overflow;
      box.style.maxHeight = maxHeight;
    }
  };
  return { scroller, restore };
}

/**
 * The stage: the parts (player, compare, duel) in a sticky box as tall as the scroller
 * shows. One part shows at a time, the one opened last; tabs bring back the others open.
 * @param {HTMLElement} root the studio
 * @param {{ el: HTMLElement, label: string }[]} parts
 */
export function dockedStage(root, parts) {
  const stage = make("div", "sn-stage");
  stage.dataset.testid = "sn-stage";
  stage.setAttribute("aria-label", "Stage: the player, compare and duel");
  stage.setAttribute("role", "region");
  const hint = make("p", "sn-stage-hint sn-muted", "Play a video, compare two or start a blind duel: it shows here, in view while you scroll.");
  const tabs = make("div", "sn-row sn-stage-tabs");
  tabs.setAttribute("role", "group");
  tabs.setAttribute("aria-label", "Open on the stage");
  for (const part of parts) part.el.classList.add("sn-stage-part");
  stage.append(hint, tabs, ...parts.map((part) => part.el));
  /** @type {HTMLElement[]} parts in the order they were opened, the front one last */
  let opened = [];
  const arrange = () => {
    opened = opened.filter((el) => !el.hidden);
    for (const part of parts) if (!part.el.hidden && !opened.includes(part.el)) opened.push(part.el);
    const front = opened[opened.length - 1];
    for (const part of parts) part.el.classList.toggle("sn-stage-behind", part.el !== front);
    tabs.replaceChildren(...(opened.length < 2 ? [] : parts.filter((part) => opened.includes(part.el)).map((part) => {
      const tab = button(part.label, `sn-stage-tab`);
      tab.setAttribute("aria-pressed", String(part.el === front));
      tab.addEventListener("click", () => bringForward(part.el));
      return tab;
    })));
  };
  const bringForward = (/** @type {HTMLElement} */ el) => {
    opened = [...opened.filter((other) => other !== el), el];
    arrange();
  };
  const watcher = new MutationObserver(arrange);
  for (const part of parts) watcher.observe(part.el, { attributes: true, attributeFilter: ["hidden"] });
  let host = { scroller: /** @type {Element | null} */ (null), restore: () => {} };
  const fit = () => {
    const height = host.scroller ? host.scroller.clientHeight : window.innerHeight;
    root.style.setProperty("--sn-dock-h", `${Math.max(240, height)}px`);
  };
  const sizes = new ResizeObserver(fit);
  // The view is in the page only after render returns: open the host on the next frame.
  const frame = requestAnimationFrame(() => {
    host = openHost(root);
    if (host.scroller) sizes.observe(host.scroller);
    fit();
  });
  window.addEventListener("resize", fit);
  /** Put `part` in front and bring the stage into view: stuck to the scroller it already
   * is, so this scrolls only when the studio is out of view or the stage above the videos. */
  const show = (/** @type {HTMLElement} */ part) => {
    bringForward(part);
    requestAnimationFrame(() => { stage.scrollTop = 0; stage.scrollIntoView({ block: "nearest" }); });
  };
  const dispose = () => {
    cancelAnimationFrame(frame);
    window.removeEventListener("resize", fit);
    watcher.disconnect();
    sizes.disconnect();
    host.restore();
  };
  return { el: stage, show, dispose };
}
