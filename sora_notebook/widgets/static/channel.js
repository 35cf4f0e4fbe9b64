// The widget channel: requests to Python and the media they return.

/**
 * What the view uses of anywidget's model.
 * @typedef {object} AnyModel
 * @property {(name: string) => any} get
 * @property {(name: string, value: any) => void} set
 * @property {(event: string, fn: (...args: any[]) => void) => void} on
 * @property {(event: string, fn: (...args: any[]) => void) => void} off
 * @property {(content: object, callbacks?: any, buffers?: ArrayBuffer[]) => void} send
 */

/** @typedef {{result: any, buffers: (ArrayBuffer | DataView<ArrayBuffer>)[]}} Reply */
/** @typedef {{timeout?: number, signal?: AbortSignal | null}} RequestOptions */
/**
 * @typedef {object} Requester
 * @property {(method: string, args?: object, buffers?: ArrayBuffer[], options?: RequestOptions) => Promise<Reply>} request
 * @property {() => void} dispose
 */

/** A request Python refused; `problems` names the fields at fault. */
export class RequestError extends Error {
  /** @param {string} message @param {Record<string, string>} [problems] */
  constructor(message, problems = {}) {
    super(message);
    this.problems = problems;
  }
}

export function baseUrl() {
  const el = document.getElementById("jupyter-config-data");
  if (!el) return null;
  try {
    const base = JSON.parse(el.textContent || "{}").baseUrl;
    return typeof base === "string" ? base : "/";
  } catch {
    return null;
  }
}

/** What to say of a failure caught as `unknown`. @param {unknown} err */
export function messageOf(err) {
  return err instanceof Error ? err.message : String(err);
}

/**
 * A `files/...` path from Python, resolved against Jupyter's base URL (null elsewhere).
 * @param {string | undefined} rel
 */
export function resolveUrl(rel) {
  if (!rel || !rel.startsWith("files/")) return null;
  const base = baseUrl();
  if (base === null) return null;
  return new URL(base.replace(/\/?$/, "/") + rel, window.location.origin).href;
}

// Requests to Python carry an id; the reply resolves or rejects that request only,
// or fails after `timeout` ms, or when `signal` aborts (Python's answer is then ignored).
export const REQUEST_TIMEOUT_MS = 120000;

/**
 * @param {AnyModel} model
 * @returns {Requester}
 */
export function requester(model) {
  /** @type {Map<string, {resolve: (r: Reply) => void, reject: (e: Error) => void}>} */
  const pending = new Map();
  const prefix = Math.random().toString(36).slice(2, 10);
  let next = 1;
  /** @param {any} msg @param {(ArrayBuffer | DataView<ArrayBuffer>)[]} [buffers] */
  const onMsg = (msg, buffers) => {
    const waiting = msg && msg.kind === "reply" ? pending.get(msg.id) : undefined;
    if (!waiting) return;
    pending.delete(msg.id);
    if (msg.ok) waiting.resolve({ result: msg.result, buffers: buffers || [] });
    else waiting.reject(new RequestError(String(msg.error || "The request failed."), msg.problems || {}));
  };
  model.on("msg:custom", onMsg);
  return {
    request(method, args = {}, buffers = [], { timeout = REQUEST_TIMEOUT_MS, signal = null } = {}) {
      return new Promise((resolve, reject) => {
        const id = `${prefix}-${next++}`;
        /** @type {<T>(fn: (value: T) => void) => (value: T) => void} */
        const settle = (fn) => (value) => { clearTimeout(timer); if (signal) signal.removeEventListener("abort", onAbort); pending.delete(id); fn(value); };
        const fail = (/** @type {string} */ text) => settle(reject)(new Error(text));
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

/** @typedef {{key: string, variant: string, resolve: (url: string) => void, reject: (e: unknown) => void}} MediaAsk */

/**
 * Media by URL where Jupyter serves the file, else (or when that URL fails) bytes over
 * the widget channel: requests made within 40 ms go out as one batch; each answer
 * becomes a Blob URL.
 * @param {Requester} rpc
 */
export function mediaStore(rpc) {
  /** @type {Map<string, Promise<string>>} */
  const cache = new Map();
  /** @type {MediaAsk[]} */
  let queue = [];
  /** @type {ReturnType<typeof setTimeout> | null} */
  let timer = null;
  function flush() {
    const batch = queue;
    queue = [];
    timer = null;
    const items = batch.map((b) => [b.key, b.variant]);
    rpc.request("media", { items }).then(({ result, buffers }) => {
      result.items.forEach((/** @type {{error?: string, buffer: number, mime: string}} */ item, /** @type {number} */ i) => {
        const job = batch[i];
        if (item.error !== undefined) return job.reject(new Error(item.error));
        const blob = new Blob([buffers[item.buffer]], { type: item.mime });
        job.resolve(URL.createObjectURL(blob));
      });
    }, (err) => batch.forEach((b) => b.reject(err)));
  }
  /**
   * @param {{key: string, media?: Record<string, string>}} job
   * @param {string} variant
   * @returns {Promise<string>}
   */
  function url(job, variant, viaKernel = false) {
    const key = `${job.key}/${variant}`;
    const direct = viaKernel ? null : resolveUrl((job.media || {})[variant]);
    if (direct) return Promise.resolve(direct);
    let p = cache.get(key);
    if (!p) {
      p = new Promise((resolve, reject) => queue.push({ key: job.key, variant, resolve, reject }));
      p.catch(() => cache.delete(key));
      cache.set(key, p);
      if (!timer) timer = setTimeout(flush, 40);
    }
    return p;
  }
  /** Revoke and drop what is kept for job `key`. @param {string} key */
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
