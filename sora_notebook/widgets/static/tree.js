// TreeView: the history forest as one SVG. Python computes the layout, diffs and
// selection rules; this file draws them and keeps one keyed DOM group per node and per
// edge, updating only what changed (a progress tick touches one rect).
// Text reaches the page through textContent only.

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, className) {
  const node = document.createElementNS(SVG, tag);
  if (className) node.setAttribute("class", className);
  return node;
}

function safeWord(value) {
  return String(value || "unknown").replace(/[^a-z_]/g, "") || "unknown";
}

function render({ model, el }) {
  const root = make("div", "sn-tree");
  root.dataset.testid = "sn-tree";
  const toolbar = make("div", "sn-tree-toolbar");
  const fitBtn = make("button", "sn-tree-fit", "Fit");
  const inBtn = make("button", "sn-tree-zoom-in", "+");
  const outBtn = make("button", "sn-tree-zoom-out", "−");
  inBtn.setAttribute("aria-label", "Zoom in");
  outBtn.setAttribute("aria-label", "Zoom out");
  for (const b of [fitBtn, inBtn, outBtn]) b.type = "button";
  const info = make("span", "sn-tree-info");
  toolbar.append(fitBtn, inBtn, outBtn, info);
  const canvas = svg("svg", "sn-tree-svg");
  canvas.setAttribute("role", "tree");
  canvas.setAttribute("aria-label", "Generation history");
  canvas.setAttribute("tabindex", "-1");
  const edgeLayer = svg("g", "sn-tree-edges");
  const nodeLayer = svg("g", "sn-tree-nodes");
  canvas.append(edgeLayer, nodeLayer);
  const tip = make("div", "sn-tree-tip");
  tip.hidden = true;
  tip.setAttribute("role", "tooltip");
  const empty = make("div", "sn-tree-empty", "No generations yet.");
  root.append(toolbar, canvas, tip, empty);
  el.append(root);

  const nodes = new Map(); // id -> {g, bg, img, bar, label, title, data}
  const edges = new Map(); // id -> {g, hit, line, label, data}
  let view = { x: 0, y: 0, w: 800, h: 400 };
  let userMoved = false;
  let current = null; // the node with tabindex 0

  const geo = () => model.get("geometry");

  function applyView() {
    canvas.setAttribute("viewBox", `${view.x} ${view.y} ${view.w} ${view.h}`);
  }

  function fit() {
    const ext = model.get("extent");
    const pad = 24;
    const w = Math.max(ext.width + 2 * pad, 200);
    const h = Math.max(ext.height + 2 * pad, 120);
    const rect = canvas.getBoundingClientRect();
    const aspect = rect.width && rect.height ? rect.width / rect.height : 2;
    view = w / h > aspect ? { x: -pad, y: -pad, w, h: w / aspect } : { x: -pad, y: -pad, w: h * aspect, h };
    applyView();
  }

  function zoom(factor, cx, cy) {
    const px = cx === undefined ? view.x + view.w / 2 : cx;
    const py = cy === undefined ? view.y + view.h / 2 : cy;
    const w = Math.min(Math.max(view.w * factor, 60), 200000);
    const k = w / view.w;
    view = { x: px - (px - view.x) * k, y: py - (py - view.y) * k, w, h: view.h * k };
    userMoved = true;
    applyView();
  }

  function toSvgPoint(event) {
    const rect = canvas.getBoundingClientRect();
    return {
      x: view.x + ((event.clientX - rect.left) / (rect.width || 1)) * view.w,
      y: view.y + ((event.clientY - rect.top) / (rect.height || 1)) * view.h,
    };
  }

  // --- nodes ---------------------------------------------------------------------
  function createNode(data) {
    const { node_w: w, node_h: h } = geo();
    const g = svg("g", "sn-tree-node");
    g.dataset.id = data.id;
    g.dataset.testid = "sn-tree-node";
    g.setAttribute("role", "treeitem");
    g.setAttribute("tabindex", "-1");
    const bg = svg("rect", "sn-node-bg");
    bg.setAttribute("width", w);
    bg.setAttribute("height", h);
    bg.setAttribute("rx", 6);
    const img = svg("image", "sn-node-thumb");
    img.setAttribute("x", 4);
    img.setAttribute("y", 4);
    img.setAttribute("width", w - 8);
    img.setAttribute("height", Math.round(((w - 8) * 9) / 16));
    img.setAttribute("preserveAspectRatio", "xMidYMid slice");
    const track = svg("rect", "sn-node-track");
    const barY = 8 + Math.round(((w - 8) * 9) / 16);
    track.setAttribute("x", 4);
    track.setAttribute("y", barY);
    track.setAttribute("width", w - 8);
    track.setAttribute("height", 4);
    const bar = svg("rect", "sn-node-progress");
    bar.setAttribute("x", 4);
    bar.setAttribute("y", barY);
    bar.setAttribute("height", 4);
    bar.setAttribute("width", 0);
    const label = svg("text", "sn-node-label");
    label.setAttribute("x", 6);
    label.setAttribute("y", h - 8);
    const title = svg("title");
    g.append(title, bg, img, track, bar, label);
    nodeLayer.append(g);
    const rec = { g, bg, img, bar, label, title, data: {}, status: null, progress: -1, thumb: null };
    nodes.set(data.id, rec);
    return rec;
  }

  function syncNodes() {
    const list = model.get("nodes");
    const seen = new Set();
    for (const data of list) {
      seen.add(data.id);
      const rec = nodes.get(data.id) || createNode(data);
      if (rec.data.x !== data.x || rec.data.y !== data.y) {
        rec.g.setAttribute("transform", `translate(${data.x},${data.y})`);
      }
      if (rec.data.label !== data.label) rec.label.textContent = data.label;
      if (rec.data.title !== data.title) rec.title.textContent = data.title;
      rec.data = data;
    }
    for (const [id, rec] of nodes) {
      if (!seen.has(id)) {
        rec.g.remove();
        nodes.delete(id);
      }
    }
    if (current && !nodes.has(current)) current = null;
    if (!current && list.length) setCurrent(list[list.length - 1].id, false);
    empty.hidden = list.length > 0;
    info.textContent = list.length ? `${list.length} generation${list.length === 1 ? "" : "s"}` : "";
    syncState();
    syncThumbs();
    syncSelection();
    syncEdges();
    if (!userMoved) fit();
  }

  function syncState() {
    const state = model.get("state");
    const w = geo().node_w - 8;
    for (const [id, rec] of nodes) {
      const [status, progress] = state[id] || ["unknown", 0];
      const word = safeWord(status);
      if (rec.status !== word) {
        rec.g.classList.remove(`sn-status-${rec.status}`);
        rec.g.classList.add(`sn-status-${word}`);
        rec.g.dataset.status = word;
        rec.status = word;
      }
      const p = Math.max(0, Math.min(100, Number(progress) || 0));
      if (rec.progress !== p) {
        rec.bar.setAttribute("width", (w * p) / 100);
        rec.progress = p;
      }
    }
  }

  function syncThumbs() {
    const thumbs = model.get("thumbs");
    for (const [id, rec] of nodes) {
      const url = thumbs[id] || "";
      if (rec.thumb === url) continue;
      if (url.startsWith("data:image/")) rec.img.setAttribute("href", url);
      else rec.img.removeAttribute("href");
      rec.thumb = url;
    }
  }

  function syncSelection() {
    const selected = new Set(model.get("selected"));
    for (const [id, rec] of nodes) {
      const on = selected.has(id);
      rec.g.classList.toggle("sn-selected", on);
      rec.g.setAttribute("aria-selected", on ? "true" : "false");
    }
  }

  // --- edges ---------------------------------------------------------------------
  function edgePath(src, dst) {
    const { node_w: w, node_h: h } = geo();
    const x1 = src.x + w;
    const y1 = src.y + h / 2;
    const x2 = dst.x;
    const y2 = dst.y + h / 2;
    const mx = (x1 + x2) / 2;
    return { d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`, lx: mx, ly: (y1 + y2) / 2 - 4 };
  }

  function syncEdges() {
    const seen = new Set();
    for (const data of model.get("edges")) {
      const src = nodes.get(data.source);
      const dst = nodes.get(data.target);
      if (!src || !dst) continue;
      seen.add(data.id);
      let rec = edges.get(data.id);
      if (!rec) {
        const g = svg("g", "sn-tree-edge");
        g.dataset.id = data.id;
        g.dataset.testid = "sn-tree-edge";
        const hit = svg("path", "sn-edge-hit");
        const line = svg("path", "sn-edge-line");
        const label = svg("text", "sn-edge-label");
        label.setAttribute("text-anchor", "middle");
        g.append(hit, line, label);
        edgeLayer.append(g);
        g.addEventListener("mouseenter", (e) => showTip(edges.get(g.dataset.id), e));
        g.addEventListener("mousemove", (e) => moveTip(e));
        g.addEventListener("mouseleave", hideTip);
        rec = { g, hit, line, label, data: {}, key: "" };
        edges.set(data.id, rec);
      }
      const key = `${src.data.x},${src.data.y},${dst.data.x},${dst.data.y}`;
      if (rec.key !== key) {
        const p = edgePath(src.data, dst.data);
        rec.hit.setAttribute("d", p.d);
        rec.line.setAttribute("d", p.d);
        rec.label.setAttribute("x", p.lx);
        rec.label.setAttribute("y", p.ly);
        rec.key = key;
      }
      if (rec.data.kind !== data.kind) {
        const kind = safeWord(data.kind);
        rec.g.setAttribute("class", `sn-tree-edge sn-edge-${kind}`);
        rec.g.dataset.kind = kind;
        rec.label.textContent = String(data.kind);
      }
      rec.data = data;
    }
    for (const [id, rec] of edges) {
      if (!seen.has(id)) {
        rec.g.remove();
        edges.delete(id);
      }
    }
  }

  // --- the prompt-change tooltip ---------------------------------------------------
  function fillTip(data) {
    tip.replaceChildren();
    const head = make("div", "sn-tip-head", `${data.kind}: prompt change`);
    const body = make("div", "sn-tip-body");
    const tokens = data.diff || [];
    tokens.forEach(([text, flag], i) => {
      const cls = flag === "+" ? "sn-diff-ins" : flag === "-" ? "sn-diff-del" : "sn-diff-same";
      body.append(make(flag === "-" ? "del" : flag === "+" ? "ins" : "span", cls, String(text)));
      if (i < tokens.length - 1) body.append(document.createTextNode(" "));
    });
    if (!tokens.some(([, f]) => f !== "=")) body.append(make("div", "sn-tip-same", "(same prompt)"));
    tip.append(head, body);
  }
  function showTip(rec, event) {
    if (!rec) return;
    fillTip(rec.data);
    tip.hidden = false;
    moveTip(event);
  }
  function moveTip(event) {
    if (tip.hidden || !event) return;
    const rect = root.getBoundingClientRect();
    tip.style.left = `${Math.min(event.clientX - rect.left + 12, Math.max(0, rect.width - 260))}px`;
    tip.style.top = `${event.clientY - rect.top + 12}px`;
  }
  function hideTip() {
    tip.hidden = true;
  }

  // --- selection and keyboard -----------------------------------------------------
  function setCurrent(id, focus) {
    const rec = nodes.get(id);
    if (!rec) return;
    if (current && nodes.has(current)) nodes.get(current).g.setAttribute("tabindex", "-1");
    current = id;
    rec.g.setAttribute("tabindex", "0");
    if (focus) rec.g.focus();
  }

  function choose(id, additive) {
    const selected = model.get("selected").slice();
    let next;
    if (additive) {
      next = selected.includes(id) ? selected.filter((s) => s !== id) : [...selected, id];
      const max = model.get("max_select");
      if (next.length > max) next = next.slice(next.length - max);
    } else {
      next = [id];
    }
    model.set("selected", next);
    model.save_changes();
  }

  function nodeOf(target) {
    const g = target && target.closest ? target.closest(".sn-tree-node") : null;
    return g && nodes.has(g.dataset.id) ? g.dataset.id : null;
  }

  const onClick = (event) => {
    const id = nodeOf(event.target);
    if (!id || dragged) return;
    setCurrent(id, true);
    choose(id, event.ctrlKey || event.metaKey || event.shiftKey);
  };

  const onFocusIn = (event) => {
    const id = nodeOf(event.target);
    if (!id) return;
    const incoming = [...edges.values()].find((e) => e.data.target === id);
    if (incoming && event.target.matches(":focus-visible")) {
      const r = nodes.get(id).g.getBoundingClientRect();
      showTip(incoming, { clientX: r.left, clientY: r.bottom });
    } else hideTip();
  };

  const onKey = (event) => {
    const id = nodeOf(event.target);
    if (event.key === "+" || event.key === "=") zoom(0.8);
    else if (event.key === "-") zoom(1.25);
    else if (event.key === "0") {
      userMoved = false;
      fit();
    } else if (event.key === "Escape") {
      model.set("selected", []);
      model.save_changes();
      hideTip();
    } else if (id && (event.key === "Enter" || event.key === " ")) {
      choose(id, event.ctrlKey || event.metaKey || event.shiftKey);
    } else if (id && event.key.startsWith("Arrow")) {
      const dir = { ArrowUp: "up", ArrowDown: "down", ArrowLeft: "left", ArrowRight: "right" }[event.key];
      const target = nodes.get(id).data[dir];
      if (target && nodes.has(target)) setCurrent(target, true);
    } else return;
    event.preventDefault();
  };

  // --- pan and zoom -----------------------------------------------------------------
  let drag = null;
  let dragged = false;
  const onDown = (event) => {
    if (event.button !== 0) return;
    drag = { x: event.clientX, y: event.clientY, view: { ...view } };
    dragged = false;
  };
  const onMove = (event) => {
    if (!drag) return;
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    if (!dragged && Math.abs(dx) + Math.abs(dy) < 4) return;
    if (!dragged) canvas.setPointerCapture?.(event.pointerId);
    dragged = true;
    const rect = canvas.getBoundingClientRect();
    const k = view.w / (rect.width || 1);
    view = { ...drag.view, x: drag.view.x - dx * k, y: drag.view.y - dy * k };
    userMoved = true;
    applyView();
  };
  const onUp = () => {
    drag = null;
    setTimeout(() => (dragged = false), 0);
  };
  const onWheel = (event) => {
    if (!(event.ctrlKey || event.metaKey)) return; // plain wheel scrolls the notebook
    event.preventDefault();
    const p = toSvgPoint(event);
    zoom(event.deltaY > 0 ? 1.15 : 1 / 1.15, p.x, p.y);
  };
  const onFit = () => {
    userMoved = false;
    fit();
  };
  const onIn = () => zoom(0.8);
  const onOut = () => zoom(1.25);

  canvas.addEventListener("click", onClick);
  canvas.addEventListener("keydown", onKey);
  canvas.addEventListener("focusin", onFocusIn);
  canvas.addEventListener("pointerdown", onDown);
  canvas.addEventListener("pointermove", onMove);
  canvas.addEventListener("pointerup", onUp);
  canvas.addEventListener("pointercancel", onUp);
  canvas.addEventListener("wheel", onWheel, { passive: false });
  fitBtn.addEventListener("click", onFit);
  inBtn.addEventListener("click", onIn);
  outBtn.addEventListener("click", onOut);
  const listeners = [
    ["change:nodes", syncNodes],
    ["change:state", syncState],
    ["change:thumbs", syncThumbs],
    ["change:selected", syncSelection],
    ["change:edges", syncEdges],
    ["change:extent", () => userMoved || fit()],
  ];
  for (const [name, fn] of listeners) model.on(name, fn);
  const resize = typeof ResizeObserver !== "undefined" ? new ResizeObserver(() => userMoved || fit()) : null;
  resize?.observe(canvas);
  applyView();
  syncNodes();

  return () => {
    for (const [name, fn] of listeners) model.off(name, fn);
    resize?.disconnect();
    nodes.clear();
    edges.clear();
    root.remove();
  };
}

export default { render };
