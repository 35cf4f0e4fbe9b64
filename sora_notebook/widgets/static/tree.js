// The history tree: one SVG laid out by Python, inside a scrolling box. At the default
// zoom labels are 12 px; a large history scrolls and pans (drag) instead of shrinking.
// Click plays, Ctrl/Cmd/Shift+click selects 2-4 to compare; arrows move, Enter selects.
// Only the nodes and edges near the visible part of the box are in the DOM (a window that
// follows scrolling and zoom), so a history of hundreds of videos paints at once.

import { button, diffTokens, make, svgEl } from "./dom.js";
import { short } from "./format.js";
import { kernelNow, progressAt } from "./progress.js";

/** A node's label: how it differs from its parent (Python's `node_label`), else its prompt. */
function labelOf(ctx, job) {
  const labels = (ctx.model.get("tree") || {}).labels || {};
  return labels[job.key] || job.prompt;
}

function treeNode(ctx, job, x, y, g) {
  const node = svgEl("g", "sn-node");
  node.setAttribute("transform", `translate(${x},${y})`);
  node.setAttribute("tabindex", "-1");
  node.setAttribute("role", "treeitem");
  node.dataset.testid = "sn-tree-node";
  node.dataset.key = job.key;
  const bg = svgEl("rect", "sn-node-bg");
  bg.setAttribute("width", g.node_w);
  bg.setAttribute("height", g.node_h);
  bg.setAttribute("rx", "6");
  const track = svgEl("rect", "sn-node-track");
  track.setAttribute("x", "8"); track.setAttribute("y", String(g.node_h - 10));
  track.setAttribute("width", String(g.node_w - 16)); track.setAttribute("height", "4");
  const bar = svgEl("rect", "sn-node-bar");
  bar.setAttribute("x", "8"); bar.setAttribute("y", String(g.node_h - 10)); bar.setAttribute("height", "4");
  const label = svgEl("text", "sn-node-label");
  label.setAttribute("x", "8"); label.setAttribute("y", "20");
  label.textContent = short(labelOf(ctx, job), 24);
  const meta = svgEl("text", "sn-node-meta");
  meta.setAttribute("x", "8"); meta.setAttribute("y", "38");
  const title = svgEl("title");
  title.textContent = job.prompt;
  node.append(title, bg, track, bar, label, meta);
  return { node, bar, meta, label, title, prompt: job.prompt };
}

// Each drawn edge's prompt diff, for its tooltip.
/** @type {WeakMap<Element, [string, string][]>} */
const edgeDiffs = new WeakMap();

function treeEdge(a, b, kind, diff, g) {
  const edge = svgEl("g", `sn-edge sn-edge-${String(kind).replace(/[^a-z_]/g, "")}`);
  edge.dataset.testid = "sn-tree-edge";
  edge.dataset.kind = kind;
  const x1 = a.x + g.node_w, y1 = a.y + g.node_h / 2, x2 = b.x, y2 = b.y + g.node_h / 2;
  const mid = (x1 + x2) / 2;
  const d = `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`;
  const hit = svgEl("path", "sn-edge-hit");
  const line = svgEl("path", "sn-edge-line");
  hit.setAttribute("d", d);
  line.setAttribute("d", d);
  const label = svgEl("text", "sn-edge-label");
  label.setAttribute("x", String(mid - 14));
  label.setAttribute("y", String((y1 + y2) / 2 - 4));
  label.textContent = kind;
  edge.append(hit, line, label);
  edgeDiffs.set(edge, diff || []);
  return edge;
}

export function treeView(ctx) {
  const el = make("section", "sn-tree");
  const bar = make("div", "sn-row sn-toolbar");
  const zoomOut = button("−", "sn-tree-zoom-out", "Zoom out");
  const zoomReset = button("100%", "sn-tree-zoom-reset", "Default size");
  const zoomIn = button("+", "sn-tree-zoom-in", "Zoom in");
  const info = make("span", "sn-muted");
  bar.append(make("span", "sn-field-label", "History"), zoomOut, zoomReset, zoomIn, info);
  const scroller = make("div", "sn-tree-scroll");
  scroller.dataset.testid = "sn-tree";
  const svg = svgEl("svg", "sn-tree-svg");
  svg.setAttribute("role", "tree");
  svg.setAttribute("aria-label", "History of generations");
  svg.setAttribute("aria-multiselectable", "true");
  const edges = svgEl("g");
  const nodes = svgEl("g");
  svg.append(edges, nodes);
  const tip = make("div", "sn-tip");
  tip.hidden = true;
  tip.dataset.testid = "sn-tree-tip";
  scroller.append(svg);
  el.append(bar, scroller, tip);
  const state = { zoom: 1, items: new Map(), sig: "", current: null, tree: {} };
  const size = () => {
    const t = state.tree;
    svg.setAttribute("width", String(Math.max(1, (t.width || 0) + 32) * state.zoom));
    svg.setAttribute("height", String(Math.max(1, (t.height || 0) + 32) * state.zoom));
    svg.setAttribute("viewBox", `-16 -16 ${(t.width || 0) + 32} ${(t.height || 0) + 32}`);
  };
  const zoom = (z) => { state.zoom = Math.min(3, Math.max(0.25, z)); zoomReset.textContent = `${Math.round(state.zoom * 100)}%`; size(); drawWindow(state); };
  zoomIn.addEventListener("click", () => zoom(state.zoom * 1.25));
  zoomOut.addEventListener("click", () => zoom(state.zoom / 1.25));
  zoomReset.addEventListener("click", () => zoom(1));
  scroller.addEventListener("wheel", (e) => { if (e.ctrlKey || e.metaKey) { e.preventDefault(); zoom(state.zoom * (e.deltaY < 0 ? 1.1 : 0.9)); } }, { passive: false });
  treePan(scroller);
  Object.assign(state, { scroller, layers: { nodes, edges }, ctx });
  treeEvents(ctx, state, svg, tip, el);
  let pending = false;
  const follow = () => { if (!pending) { pending = true; requestAnimationFrame(() => { pending = false; drawWindow(state); }); } };
  scroller.addEventListener("scroll", follow, { passive: true });
  const resize = typeof ResizeObserver === "function" ? new ResizeObserver(follow) : null;
  if (resize) resize.observe(scroller);
  state.follow = follow;
  function update() {
    const t = ctx.model.get("tree") || {};
    const sig = JSON.stringify([t.nodes, t.edges]);
    if (sig !== state.sig) { state.sig = sig; state.tree = t; build(ctx, state); size(); }
    const hidden = t.hidden ? ` · ${t.hidden} refused hidden` : "";
    info.textContent = `${(t.nodes || []).length} videos${hidden}`;
    drawWindow(state);
  }
  return { el, update, tick: () => paint(ctx, state), dispose: () => resize && resize.disconnect() };
}

function build(ctx, state) {
  const t = state.tree;
  state.items = new Map();
  for (const [key, x, y] of t.nodes || []) state.items.set(key, { key, x, y, node: null });
  state.edgeList = (t.edges || []).filter(([a, b]) => state.items.has(a) && state.items.has(b))
    .map(([from, to, kind, diff]) => ({ from, to, kind, diff, el: null }));
  state.layers.nodes.replaceChildren();
  state.layers.edges.replaceChildren();
  const first = state.items.keys().next().value;
  state.current = state.items.has(state.current) ? state.current : first || null;
}

// The part of the layout (in its own units) near what the scroll box shows.
function windowBox(state) {
  const s = state.scroller, z = state.zoom, margin = 240;
  const w = s.clientWidth || 1200, h = s.clientHeight || 420;
  return { x0: s.scrollLeft / z - 16 - margin, x1: (s.scrollLeft + w) / z - 16 + margin,
    y0: s.scrollTop / z - 16 - margin, y1: (s.scrollTop + h) / z - 16 + margin };
}

function drawWindow(state) {
  if (!state.tree.geometry) return;
  const g = state.tree.geometry, box = windowBox(state), ctx = state.ctx;
  const near = (x0, x1, y0, y1) => x1 >= box.x0 && x0 <= box.x1 && y1 >= box.y0 && y0 <= box.y1;
  const frag = document.createDocumentFragment();
  for (const item of state.items.values()) {
    const show = item.key === state.current || near(item.x, item.x + g.node_w, item.y, item.y + g.node_h);
    if (show && !item.node) {
      Object.assign(item, treeNode(ctx, ctx.byKey.get(item.key) || { key: item.key, prompt: "(deleted)", status: "deleted" }, item.x, item.y, g), { width: g.node_w - 16 });
      frag.append(item.node);
    } else if (!show && item.node) { item.node.remove(); item.node = null; }
  }
  state.layers.nodes.append(frag);
  const edgeFrag = document.createDocumentFragment();
  for (const e of state.edgeList) {
    const a = state.items.get(e.from), b = state.items.get(e.to);
    const show = near(a.x, b.x + g.node_w, Math.min(a.y, b.y), Math.max(a.y, b.y) + g.node_h);
    if (show && !e.el) { e.el = treeEdge(a, b, e.kind, e.diff, g); edgeFrag.append(e.el); }
    else if (!show && e.el) { e.el.remove(); e.el = null; }
  }
  state.layers.edges.append(edgeFrag);
  paint(ctx, state);
}

function paint(ctx, state) {
  const selected = new Set(ctx.model.get("selected"));
  const now = kernelNow();
  for (const [key, item] of state.items) {
    const job = ctx.byKey.get(key);
    if (!job || !item.node) continue;
    const f = job.status === "completed" ? 1 : progressAt(job.p, now);
    item.node.setAttribute("class", `sn-node sn-tree-node sn-status-${job.status}${selected.has(key) ? " sn-selected" : ""}`);
    item.node.setAttribute("aria-selected", String(selected.has(key)));
    item.node.setAttribute("tabindex", key === state.current ? "0" : "-1");
    item.bar.setAttribute("width", String(Math.max(0, item.width * f)));
    if (item.prompt !== job.prompt) {
      item.prompt = job.prompt;
      item.label.textContent = short(labelOf(ctx, job), 24);
      item.title.textContent = job.prompt;
    }
    item.meta.textContent = [job.status.replace("_", " "), job.seconds ? `${job.seconds} s` : "", job.rating ? "★".repeat(job.rating) : ""].filter(Boolean).join(" · ");
  }
}

function treePan(scroller) {
  let drag = null;
  scroller.addEventListener("pointerdown", (e) => {
    if (e.target.closest && e.target.closest(".sn-node")) return;
    drag = { x: e.clientX, y: e.clientY, left: scroller.scrollLeft, top: scroller.scrollTop };
  });
  scroller.addEventListener("pointermove", (e) => {
    if (!drag) return;
    scroller.scrollLeft = drag.left - (e.clientX - drag.x);
    scroller.scrollTop = drag.top - (e.clientY - drag.y);
  });
  for (const ev of ["pointerup", "pointerleave"]) scroller.addEventListener(ev, () => { drag = null; });
}

function neighbour(state, key, dir) {
  const item = state.items.get(key);
  if (!item) return null;
  let best = null, bestD = Infinity;
  for (const [k, o] of state.items) {
    const dx = o.x - item.x, dy = o.y - item.y;
    const ok = dir === "ArrowRight" ? dx > 0 : dir === "ArrowLeft" ? dx < 0 : dir === "ArrowDown" ? dy > 0 && dx === 0 : dy < 0 && dx === 0;
    const d = Math.abs(dx) * 4 + Math.abs(dy);
    if (ok && k !== key && d < bestD) { best = k; bestD = d; }
  }
  return best;
}

function treeEvents(ctx, state, svg, tip, el) {
  const choose = (key, multi) => {
    state.current = key;
    const sel = ctx.model.get("selected");
    const next = multi ? (sel.includes(key) ? sel.filter((k) => k !== key) : [...sel, key].slice(-4)) : [key];
    ctx.select(next);
  };
  svg.addEventListener("click", (e) => {
    const node = e.target.closest && e.target.closest(".sn-node");
    if (node) choose(node.dataset.key, e.ctrlKey || e.metaKey || e.shiftKey);
  });
  svg.addEventListener("keydown", (e) => {
    const key = state.current;
    if (!key) return;
    if (e.key === "Enter" || e.key === " ") { e.preventDefault(); choose(key, e.shiftKey || e.ctrlKey || e.metaKey); return; }
    const next = e.key.startsWith("Arrow") ? neighbour(state, key, e.key) : null;
    if (!next) return;
    e.preventDefault();
    state.current = next;
    const item = state.items.get(next), s = state.scroller, z = state.zoom;
    s.scrollTop = Math.max(0, (item.y + 16) * z - s.clientHeight / 2);
    s.scrollLeft = Math.max(0, (item.x + 16) * z - s.clientWidth / 2);
    drawWindow(state);
    item.node.focus();
  });
  svg.addEventListener("mouseover", (e) => {
    const edge = e.target.closest && e.target.closest(".sn-edge");
    if (!edge) return;
    tip.replaceChildren(make("div", "sn-tip-head", `${edge.dataset.kind}: prompt change`), diffTokens(make("div"), edgeDiffs.get(edge) || []));
    const box = el.getBoundingClientRect();
    tip.style.left = `${Math.max(0, e.clientX - box.left + 12)}px`;
    tip.style.top = `${Math.max(0, e.clientY - box.top + 12)}px`;
    tip.hidden = false;
  });
  svg.addEventListener("mouseout", (e) => { if (e.target.closest && e.target.closest(".sn-edge")) tip.hidden = true; });
}
