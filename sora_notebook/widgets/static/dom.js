// Building the page: elements, buttons, labelled controls, selects and SVG. Text reaches
// the page through textContent only; no markup is ever built from data.

/**
 * An element with a class and text (as text, never markup).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {string} [className]
 * @param {unknown} [text]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function make(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/** @param {string} label @param {string} [testid] @param {string} [title] */
export function button(label, testid, title) {
  const b = make("button", "sn-btn", label);
  b.type = "button";
  if (testid) b.dataset.testid = testid;
  if (title) b.title = title;
  return b;
}

/**
 * Disabled with its reason as the tooltip, or enabled when `reason` is empty.
 * @param {HTMLButtonElement | HTMLInputElement | HTMLSelectElement} el
 * @param {string} reason
 */
export function setDisabled(el, reason) {
  el.disabled = Boolean(reason);
  if (reason) el.title = reason;
  el.setAttribute("aria-disabled", reason ? "true" : "false");
}

/**
 * `control` in a label with its visible name.
 * @param {string} text
 * @param {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} control
 * @param {string} testid
 */
export function labelled(text, control, testid) {
  const wrap = make("label", control.type === "checkbox" ? "sn-field sn-check" : "sn-field");
  wrap.append(make("span", "sn-field-label", text), control);
  control.dataset.testid = testid;
  return wrap;
}

/**
 * The options of `select`, rebuilt only when `values` changed.
 * @param {HTMLSelectElement} select
 * @param {string[]} values
 * @param {Record<string, string>} [labels]
 */
export function fillSelect(select, values, labels = {}) {
  const want = values.join("\n");
  if (select.dataset.values === want) return;
  select.dataset.values = want;
  select.replaceChildren(...values.map((v) => { const o = make("option", "", labels[v] || v); o.value = v; return o; }));
}

export const SVGNS = "http://www.w3.org/2000/svg";

/** @param {string} tag @param {string} [cls] @returns {SVGElement} */
export function svgEl(tag, cls) {
  const node = document.createElementNS(SVGNS, tag);
  if (cls) node.setAttribute("class", cls);
  return node;
}

/**
 * A word diff's tokens ([text, "+" | "-" | " "]) appended to `parent` as ins/del/span.
 * @template {HTMLElement} E
 * @param {E} parent
 * @param {[string, string][]} tokens
 * @returns {E}
 */
export function diffTokens(parent, tokens) {
  for (const [text, flag] of tokens) {
    const span = make(flag === "+" ? "ins" : flag === "-" ? "del" : "span", flag === "+" ? "sn-ins" : flag === "-" ? "sn-del" : "", text);
    parent.append(span, document.createTextNode(" "));
  }
  return parent;
}
