// Shared helpers of the studio view (assets.py puts this file first in the ESM).
// Text reaches the page through textContent only; no markup is ever built from data.

function make(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function button(label, testid, title) {
  const b = make("button", "sn-btn", label);
  b.type = "button";
  if (testid) b.dataset.testid = testid;
  if (title) b.title = title;
  return b;
}

function setDisabled(el, reason) {
  el.disabled = Boolean(reason);
  if (reason) el.title = reason;
  el.setAttribute("aria-disabled", reason ? "true" : "false");
}

function baseUrl() {
  const el = document.getElementById("jupyter-config-data");
  if (!el) return null;
  try {
    const base = JSON.parse(el.textContent || "{}").baseUrl;
    return typeof base === "string" ? base : "/";
  } catch {
    return null;
  }
}

// A `files/...` path from Python, resolved against Jupyter's base URL (null elsewhere).
function resolveUrl(rel) {
  if (!rel || !rel.startsWith("files/")) return null;
  const base = baseUrl();
  if (base === null) return null;
  return new URL(base.replace(/\/?$/, "/") + rel, window.location.origin).href;
}

// The jobs after one patch from Python (`patches.py`): changed jobs replace theirs by
// key, `fields` update only the fields they name, removed keys go, and the order is the patch's when it has one, else the old
// order with new keys appended.
function patchJobs(jobs, patch) {
  const byKey = new Map(jobs.map((j) => [j.key, j]));
  for (const key of patch.removed || []) byKey.delete(key);
  const order = patch.order || [...jobs.map((j) => j.key), ...(patch.changed || []).map((j) => j.key).filter((k) => !byKey.has(k))];
  for (const job of patch.changed || []) byKey.set(job.key, job);
  for (const part of patch.fields || []) if (byKey.has(part.key)) byKey.set(part.key, { ...byKey.get(part.key), ...part });
  return order.filter((k) => byKey.has(k)).map((k) => byKey.get(k));
}

// Requests to Python carry an id; the reply resolves or rejects that request only,
// or fails after `timeout` ms, or when `signal` aborts (Python's answer is then ignored).
const REQUEST_TIMEOUT_MS = 120000;
function requester(model) {
  const pending = new Map();
  const prefix = Math.random().toString(36).slice(2, 10);
  let next = 1;
  const onMsg = (msg, buffers) => {
    if (!msg || msg.kind !== "reply" || !pending.has(msg.id)) return;
    const { resolve, reject } = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.ok) resolve({ result: msg.result, buffers: buffers || [] });
    else {
      const err = new Error(String(msg.error || "The request failed."));
      err.problems = msg.problems || {};
      reject(err);
    }
  };
  model.on("msg:custom", onMsg);
  return {
    request(method, args = {}, buffers = [], { timeout = REQUEST_TIMEOUT_MS, signal = null } = {}) {
      return new Promise((resolve, reject) => {
        const id = `${prefix}-${next++}`;
        const settle = (fn) => (value) => { clearTimeout(timer); if (signal) signal.removeEventListener("abort", onAbort); pending.delete(id); fn(value); };
        const fail = (text) => settle(reject)(new Error(text));
        const onAbort = () => fail(`The request "${method}" was cancelled.`);
        const timer = setTimeout(() => fail(`No answer from the kernel to "${method}" within ${Math.round(timeout / 1000)} s; is it busy or stopped?`), timeout);
        if (signal) {
          if (signal.aborted) { onAbort(); return; }
          signal.addEventListener("abort", onAbort);
        }
        pending.set(id, { resolve: settle(resolve), reject: settle(reject) });
        model.send({ kind: "request", id, method, args }, undefined, buffers);
      });
    },
    dispose() {
      model.off("msg:custom", onMsg);
      for (const { reject } of pending.values()) reject(new Error("The view was closed."));
      pending.clear();
    },
  };
}

// Media by URL where Jupyter serves the file, else (or when that URL fails) bytes over
// the widget channel:
// requests made within 40 ms go out as one batch; each answer becomes a Blob URL.
function mediaStore(rpc) {
  const cache = new Map();
  let queue = [];
  let timer = null;
  function flush() {
    const batch = queue;
    queue = [];
    timer = null;
    const items = batch.map((b) => [b.key, b.variant]);
    rpc.request("media", { items }).then(({ result, buffers }) => {
      result.items.forEach((item, i) => {
        const job = batch[i];
        if (item.error !== undefined) return job.reject(new Error(item.error));
        const blob = new Blob([buffers[item.buffer]], { type: item.mime });
        job.resolve(URL.createObjectURL(blob));
      });
    }, (err) => batch.forEach((b) => b.reject(err)));
  }
  function url(job, variant, viaKernel = false) {
    const key = `${job.key}/${variant}`;
    const direct = viaKernel ? null : resolveUrl((job.media || {})[variant]);
    if (direct) return Promise.resolve(direct);
    if (!cache.has(key)) {
      const p = new Promise((resolve, reject) => queue.push({ key: job.key, variant, resolve, reject }));
      p.catch(() => cache.delete(key));
      cache.set(key, p);
      if (!timer) timer = setTimeout(flush, 40);
    }
    return cache.get(key);
  }
  function forget(key) {
    for (const [k, p] of [...cache.entries()]) {
      if (!k.startsWith(`${key}/`)) continue;
      cache.delete(k);
      p.then((u) => URL.revokeObjectURL(u), () => {});
    }
  }
  function dispose() {
    for (const p of cache.values()) p.then((u) => u.startsWith("blob:") && URL.revokeObjectURL(u), () => {});
    cache.clear();
  }
  return { url, forget, dispose };
}

// The Progress formula of the engine: never backwards, 1 only when completed.
function progressAt(p, nowSeconds) {
  if (!p) return 0;
  const [fraction, left, asOf] = p;
  if (fraction >= 1) return 1;
  if (!left) return fraction;
  return Math.max(fraction, Math.min(0.99, fraction + ((nowSeconds - asOf) * (1 - fraction)) / left));
}

// The kernel's clock, estimated from the time it sent with the last state (its machine
// and the browser's may disagree); all progress and elapsed times are on that clock.
const kernelClock = { offset: 0 };
function kernelNow() {
  return Date.now() / 1000 + kernelClock.offset;
}

function duration(seconds) {
  if (seconds === null || seconds === undefined || seconds < 0) return "—";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${String(s % 60).padStart(2, "0")} s` : `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}

function money(value) {
  if (value === null || value === undefined) return "unknown";
  return `$${Number(value).toFixed(2)}`;
}

function billedText(job) {
  if (job.billed === 0) return "not billed";
  if (job.billed === null || job.billed === undefined) return job.cost === null ? "" : `quote ${money(job.cost)}`;
  return `billed ${money(job.billed)}`;
}

const ACTIVE = new Set(["pending", "queued", "in_progress"]);
