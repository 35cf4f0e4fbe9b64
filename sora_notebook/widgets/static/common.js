// Shared by the views that need them (Python puts this file in front of their ESM:
// see widgets/assets.py). Text reaches the page through textContent only.

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

// A `files/...` path from Python, resolved against JupyterLab's base URL (null elsewhere).
function resolveUrl(rel) {
  if (!rel || !rel.startsWith("files/")) return null;
  const base = baseUrl();
  if (base === null) return null;
  return new URL(base.replace(/\/?$/, "/") + rel, window.location.origin).href;
}

// Requests to Python carry an id; the reply resolves or rejects that request only.
function requester(model) {
  const pending = new Map();
  const prefix = Math.random().toString(36).slice(2, 10);
  let next = 1;
  const onMsg = (msg, buffers) => {
    if (!msg || msg.kind !== "reply" || !pending.has(msg.id)) return;
    const { resolve, reject } = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.ok) resolve({ result: msg.result, buffers: buffers || [] });
    else reject(new Error(String(msg.error || "The request failed.")));
  };
  model.on("msg:custom", onMsg);
  return {
    request(method, args = {}, buffers = []) {
      return new Promise((resolve, reject) => {
        const id = `${prefix}-${next++}`;
        pending.set(id, { resolve, reject });
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

function make(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}
