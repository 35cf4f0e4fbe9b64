// The history tree: one SVG laid out by Python, inside a scrolling box. At the default
// zoom labels are 12 px; a large history scrolls and pans (drag) instead of shrinking.
// Click plays, Ctrl/Cmd/Shift+click selects 2-4 to compare; arrows move, Enter selects.

const SVGNS = "http://www.w3.org/2000/svg";

function svgEl(tag, cls) {
  const node = document.createElementNS(SVGNS, tag);
  if (cls) node.setAttribute("class", cls);
  return node;
}

function short(text, n) {
  const t = String(text || "").replace(/\s+/g, " ").trim();
  return t.length <= n ? t : `${t.slice(0, n - 1)}…`;
}

function treeNode(job, x, y, g) {
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
  label.textContent = short(job.prompt, 24);
  const meta = svgEl("text", "sn-node-meta");
  meta.setAttribute("x", "8"); meta.setAttribute("y", "38");
  const title = svgEl("title");
  title.textContent = job.prompt;
  node.append(title, bg, track, bar, label, meta);
  return { node, bar, meta, x, y, width: g.node_w - 16 };
}

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
  edge.diff = diff;
  return edge;
}

function diffTokens(parent, tokens) {
  for (const [text, flag] of tokens) {
    const span = make(flag === "+" ? "ins" : flag === "-" ? "del" : "span", flag === "+" ? "sn-ins" : flag === "-" ? "sn-del" : "", text);
    parent.append(span, document.createTextNode(" "));
  }
  return parent;
}

function treeView(ctx) {
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
  const zoom = (z) => { state.zoom = Math.min(3, Math.max(0.25, z)); zoomReset.textContent = `${Math.round(state.zoom * 100)}%`; size(); };
  zoomIn.addEventListener("click", () => zoom(state.zoom * 1.25));
  zoomOut.addEventListener("click", () => zoom(state.zoom / 1.25));
  zoomReset.addEventListener("click", () => zoom(1));
  scroller.addEventListener("wheel", (e) => { if (e.ctrlKey || e.metaKey) { e.preventDefault(); zoom(state.zoom * (e.deltaY < 0 ? 1.1 : 0.9)); } }, { passive: false });
  treePan(scroller);
  treeEvents(ctx, state, svg, tip, el);
  function update() {
    const t = ctx.model.get("tree") || {};
    const sig = JSON.stringify([t.nodes, t.edges]);
    if (sig !== state.sig) { state.sig = sig; state.tree = t; build(ctx, state, nodes, edges); size(); }
    const hidden = t.hidden ? ` · ${t.hidden} refused hidden` : "";
    info.textContent = `${(t.nodes || []).length} videos${hidden}`;
    paint(ctx, state);
  }
  return { el, update };
}

function build(ctx, state, nodeLayer, edgeLayer) {
  const t = state.tree;
  const g = t.geometry;
  const nodeFrag = document.createDocumentFragment();
  const edgeFrag = document.createDocumentFragment();
  state.items = new Map();
  for (const [key, x, y] of t.nodes || []) {
    const job = ctx.byKey.get(key) || { key, prompt: "" };
    const item = treeNode(job, x, y, g);
    state.items.set(key, item);
    nodeFrag.append(item.node);
  }
  for (const [from, to, kind, diff] of t.edges || []) {
    const a = state.items.get(from), b = state.items.get(to);
    if (a && b) edgeFrag.append(treeEdge(a, b, kind, diff, g));
  }
  nodeLayer.replaceChildren(nodeFrag);
  edgeLayer.replaceChildren(edgeFrag);
  const first = state.items.values().next().value;
  state.current = state.items.has(state.current) ? state.current : first ? first.node.dataset.key : null;
}

function paint(ctx, state) {
  const selected = new Set(ctx.model.get("selected"));
  const now = kernelNow();
  for (const [key, item] of state.items) {
    const job = ctx.byKey.get(key);
    if (!job) continue;
    const f = job.status === "completed" ? 1 : progressAt(job.p, now);
    item.node.setAttribute("class", `sn-node sn-status-${job.status}${selected.has(key) ? " sn-selected" : ""}`);
    item.node.setAttribute("aria-selected", String(selected.has(key)));
    item.node.setAttribute("tabindex", key === state.current ? "0" : "-1");
    item.bar.setAttribute("width", String(Math.max(0, item.width * f)));
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
    paint(ctx, state);
    state.items.get(next).node.focus();
  });
  svg.addEventListener("mouseover", (e) => {
    const edge = e.target.closest && e.target.closest(".sn-edge");
    if (!edge) return;
    tip.replaceChildren(make("div", "sn-tip-head", `${edge.dataset.kind}: prompt change`), diffTokens(make("div"), edge.diff || []));
    const box = el.getBoundingClientRect();
    tip.style.left = `${Math.max(0, e.clientX - box.left + 12)}px`;
    tip.style.top = `${Math.max(0, e.clientY - box.top + 12)}px`;
    tip.hidden = false;
  });
  svg.addEventListener("mouseout", (e) => { if (e.target.closest && e.target.closest(".sn-edge")) tip.hidden = true; });
}
