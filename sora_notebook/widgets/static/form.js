// The form: prompt, model/size/seconds/variants, extend's added seconds, the reference
// image, the quote and budget, Generate. Python keeps the values (`form`) and the plan
// (`plan`); this file shows them and sends what the person changes.

import { button, fillSelect, labelled, make, setDisabled } from "./dom.js";
import { RequestError, messageOf } from "./channel.js";
import { money } from "./format.js";

const FIELD_NAMES = ["prompt", "model", "size", "seconds", "add_seconds", "n", "input_reference", "parent", "budget"];

function formControls() {
  const c = {
    banner: make("div", "sn-mode"),
    bannerText: make("div", "sn-mode-text"),
    bannerParent: make("div", "sn-mode-parent"),
    cancel: button("Back to a new video", "sn-mode-cancel", "Leave this mode (Esc)"),
    prompt: make("textarea", "sn-prompt"),
    count: make("span", "sn-count"),
    model: make("select"), size: make("select"), seconds: make("select"), add: make("select"),
    n: make("input"),
    file: make("input"), fit: make("select"), keep: make("input"),
    preview: make("img", "sn-reference-preview"), refText: make("span", "sn-reference-fit"),
    refCount: make("span", "sn-reference-count"), clearRef: button("Remove image", "sn-reference-clear"),
    targets: make("fieldset", "sn-row sn-targets"),
    quote: make("div", "sn-quote"), generate: button("Generate", "sn-generate"),
    reason: make("div", "sn-reason"), status: make("div", "sn-status"), notes: make("div", "sn-notes"),
    errors: {},
  };
  c.banner.dataset.testid = "sn-mode-banner";
  c.banner.append(c.bannerText, c.bannerParent, c.cancel);
  c.prompt.rows = 4;
  c.prompt.dataset.testid = "sn-prompt";
  c.prompt.setAttribute("aria-label", "Prompt");
  c.count.dataset.testid = "sn-prompt-count";
  c.n.type = "number"; c.n.min = "1"; c.n.max = "4"; c.n.step = "1";
  c.file.type = "file"; c.file.accept = "image/png,image/jpeg,image/webp";
  c.keep.type = "checkbox";
  c.preview.dataset.testid = "sn-reference-preview";
  c.preview.alt = "Reference image as it will be sent";
  c.refText.dataset.testid = "sn-reference-fit";
  fillSelect(c.fit, ["crop", "pad", "none"], { crop: "crop to fill", pad: "pad with bars", none: "send as is" });
  c.targets.dataset.testid = "sn-targets";
  c.quote.dataset.testid = "sn-quote";
  c.reason.dataset.testid = "sn-generate-reason";
  c.status.dataset.testid = "sn-status";
  c.status.setAttribute("aria-live", "polite");
  c.notes.dataset.testid = "sn-form-notes";
  for (const f of FIELD_NAMES) {
    c.errors[f] = make("div", "sn-error");
    c.errors[f].dataset.testid = `sn-error-${f}`;
  }
  return c;
}

function formLayout(c) {
  const section = make("section", "sn-form");
  section.dataset.testid = "sn-form";
  const promptRow = make("div", "sn-row sn-between");
  promptRow.append(make("span", "sn-field-label", "Prompt"), c.count);
  const params = make("div", "sn-row sn-params");
  c.modelField = labelled("Model", c.model, "sn-model");
  c.sizeField = labelled("Size", c.size, "sn-size");
  c.secondsField = labelled("Seconds", c.seconds, "sn-seconds");
  c.addField = labelled("Add seconds", c.add, "sn-add-seconds");
  c.nField = labelled("Variants", c.n, "sn-variants");
  params.append(c.modelField, c.sizeField, c.secondsField, c.addField, c.nField);
  c.refRow = make("div", "sn-row sn-reference");
  const keep = labelled("Keep for the next video", c.keep, "sn-keep-reference");
  c.refRow.append(labelled("Reference image", c.file, "sn-reference-input"), labelled("Fit", c.fit, "sn-fit"), keep, c.refCount, c.preview, c.refText, c.clearRef);
  const go = make("div", "sn-row sn-go");
  go.append(c.generate, make("span", "sn-muted", "Ctrl/Cmd+Enter"), c.quote);
  section.append(c.banner, promptRow, c.prompt, c.errors.prompt, params, c.targets, c.notes,
    c.errors.model, c.errors.size, c.errors.seconds, c.errors.add_seconds, c.errors.n,
    c.refRow, c.errors.input_reference, go, c.reason, c.errors.parent, c.errors.budget, c.status);
  return section;
}

export function formView(ctx) {
  const c = formControls();
  const el = formLayout(c);
  let timer = null;
  let rev = -1;
  const values = () => ({
    prompt: c.prompt.value, model: c.model.value, size: c.size.value, seconds: c.seconds.value,
    add_seconds: c.add.value, n: c.n.value, fit: c.fit.value, keep_reference: c.keep.checked,
    targets: [...c.targets.querySelectorAll("input")].filter((box) => box.checked).map((box) => box.value),
  });
  const send = () => {
    clearTimeout(timer);
    timer = null;
    ctx.rpc.request("form", values()).catch((err) => ctx.say(err.message, "error"));
  };
  const later = () => { clearTimeout(timer); timer = setTimeout(send, 250); };
  function choices() {
    const o = ctx.model.get("options");
    const models = Object.keys(o.models || {});
    const spec = (o.models || {})[c.model.value];
    const all = (k) => [...new Set(Object.values(o.models || {}).flatMap((m) => m[k]))];
    fillSelect(c.model, o.open_models ? ["", ...models] : models, { "": "server default" });
    fillSelect(c.size, spec ? spec.sizes : all("sizes"));
    fillSelect(c.seconds, spec ? spec.seconds : all("seconds"));
    fillSelect(c.add, spec ? spec.seconds : all("seconds"));
    drawTargets(c, o, ctx.model.get("form"), send);
  }
  function fromModel() {
    const f = ctx.model.get("form");
    if (f.rev !== rev) {
      rev = f.rev;
      c.model.value = f.model;
      choices();
      for (const [el2, v] of [[c.prompt, f.prompt], [c.size, f.size], [c.seconds, f.seconds], [c.add, f.add_seconds], [c.n, f.n], [c.fit, f.fit]]) el2.value = v;
      c.keep.checked = f.keep_reference;
    }
    drawMode(c, f);
    drawReference(ctx, c, f);
    c.notes.textContent = Object.values(f.notes || {}).join(" ");
    countChars(ctx, c);
  }
  async function generate() {
    clearTimeout(timer);
    setDisabled(c.generate, "Sending…");
    try {
      await ctx.rpc.request("generate", values());
    } catch (err) {
      if (!(err instanceof RequestError && Object.keys(err.problems).length)) ctx.say(messageOf(err), "error");
    } finally {
      drawPlan(ctx, c);
    }
  }
  formEvents(ctx, c, el, { later, send, choices, generate });
  const focus = () => { el.scrollIntoView({ block: "nearest", behavior: "smooth" }); c.prompt.focus(); };
  const options = () => { choices(); send(); };
  return { el, update: fromModel, options, plan: () => drawPlan(ctx, c), status: () => drawStatus(ctx, c), focus };
}

function formEvents(ctx, c, el, { later, send, choices, generate }) {
  c.prompt.addEventListener("input", () => { countChars(ctx, c); later(); });
  for (const s of [c.model, c.size, c.seconds, c.add, c.n, c.fit, c.keep]) s.addEventListener("change", () => { if (s === c.model) choices(); send(); });
  c.generate.addEventListener("click", generate);
  c.cancel.addEventListener("click", () => ctx.rpc.request("mode", { mode: "new" }));
  c.clearRef.addEventListener("click", () => ctx.rpc.request("reference", {}));
  c.file.addEventListener("change", () => upload(ctx, c));
  // Keys typed in the form are the form's: Shift+Enter is a new line in the prompt, never
  // the notebook's "run cell" (which would re-run the cell and wipe the panel).
  el.dataset.lmSuppressShortcuts = "true";
  el.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); if (!c.generate.disabled) generate(); }
    if (event.key === "Escape" && ctx.model.get("form").mode !== "new") ctx.rpc.request("mode", { mode: "new" });
    if (event.key === "Enter" || event.target === c.prompt) event.stopPropagation();
  });
}

// "Send to several models": one checkbox per target ("backend:model"); with any ticked,
// Generate sends the prompt to each of them (quoted whole) instead of the Model above.
function drawTargets(c, options, form, send) {
  const names = options.backends || [];
  const models = Object.keys(options.models || {}).filter(Boolean);
  const targets = [...models.map((m) => `${names[0]}:${m}`), ...names.slice(1)];
  const want = targets.join("\n");
  if (c.targets.dataset.values !== want) {
    c.targets.dataset.values = want;
    const legend = make("legend", "sn-field-label", "Send to several models");
    c.targets.replaceChildren(legend, ...targets.map((t) => {
      const box = make("input");
      box.type = "checkbox";
      box.value = t;
      box.addEventListener("change", send);
      const label = make("label", "sn-field sn-check sn-target");
      label.append(box, make("span", "", t));
      return label;
    }));
  }
  const ticked = form.targets || [];
  for (const box of c.targets.querySelectorAll("input")) box.checked = ticked.includes(box.value);
  c.targets.dataset.count = String(targets.length);
  c.targets.hidden = targets.length < 2 || form.mode !== "new";
}

function countChars(ctx, c) {
  const max = ctx.model.get("options").max_prompt || 32000;
  const n = c.prompt.value.length;
  c.count.textContent = `${n.toLocaleString()} / ${max.toLocaleString()} characters`;
  c.count.classList.toggle("sn-over", n > max);
}

function drawMode(c, form) {
  const mode = form.mode;
  c.banner.hidden = mode === "new";
  c.bannerText.textContent = form.banner;
  c.bannerParent.textContent = form.parent_prompt ? `From: ${form.parent_prompt.slice(0, 200)}` : "";
  c.prompt.placeholder = form.placeholder;
  const derived = ["remix", "edit", "extend"].includes(mode);
  c.modelField.hidden = derived || (form.targets || []).length > 0;
  c.targets.hidden = mode !== "new" || Number(c.targets.dataset.count || 0) < 2;
  c.sizeField.hidden = derived;
  c.secondsField.hidden = derived;
  c.addField.hidden = mode !== "extend";
  c.nField.hidden = mode === "edit" || mode === "extend";
  c.refRow.hidden = derived;
  c.generate.dataset.mode = mode;
}

function drawReference(ctx, c, f) {
  const ref = f.reference;
  c.refCount.textContent = `Reference (${ref ? ref.count : 0})`;
  c.refText.textContent = ref ? `${ref.name}: ${ref.describe}${f.keep_reference ? " · kept for the next video" : " · cleared after Generate"}` : "";
  c.clearRef.hidden = !ref;
  c.preview.hidden = !ref;
  if (!ref) { c.preview.removeAttribute("src"); c.file.value = ""; return; }
  if (c.preview.dataset.token === String(ref.token)) return;
  c.preview.dataset.token = String(ref.token);
  ctx.store.forget("@reference");
  ctx.store.url({ key: "@reference", media: {} }, "preview").then((u) => { c.preview.src = u; }, () => {});
}

// A picture over this is scaled in the page before it is sent: the widget channel drops
// messages of about 10 MB, and a reference frame needs no more than 2048 px a side.
const UPLOAD_BYTES = 2 * 1024 * 1024;
const UPLOAD_SIDE = 2048;

async function upload(ctx, c) {
  const file = c.file.files && c.file.files[0];
  if (!file) return;
  try {
    const { data, note } = await shrink(file);
    await ctx.rpc.request("reference", { name: file.name }, [data]);
    ctx.say(note);
  } catch (err) {
    ctx.say(messageOf(err), "error");
    c.file.value = "";
  }
}

/** @param {File} file @returns {Promise<{data: ArrayBuffer, note: string}>} */
async function shrink(file) {
  if (file.size <= UPLOAD_BYTES) return { data: await file.arrayBuffer(), note: "" };
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new Error(`${file.name} is not a picture this browser can open (PNG, JPEG or WebP).`);
  }
  const k = Math.min(1, UPLOAD_SIDE / Math.max(bitmap.width, bitmap.height));
  const w = Math.max(1, Math.round(bitmap.width * k)), h = Math.max(1, Math.round(bitmap.height * k));
  const canvas = document.createElement("canvas");
  canvas.width = w;
  canvas.height = h;
  const g = canvas.getContext("2d");
  if (!g) throw new Error("This browser cannot scale pictures; use one under 2 MB.");
  g.drawImage(bitmap, 0, 0, w, h);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.9));
  if (!blob) throw new Error("This browser could not scale the picture; use one under 2 MB.");
  const mb = (n) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  const note = `Scaled ${file.name} from ${bitmap.width}x${bitmap.height} (${mb(file.size)}) to ${w}x${h} (${mb(blob.size)}) before sending.`;
  bitmap.close();
  return { data: await blob.arrayBuffer(), note };
}

function drawPlan(ctx, c) {
  const plan = ctx.model.get("plan") || {};
  const form = ctx.model.get("form");
  const n = form.mode === "edit" || form.mode === "extend" ? 1 : Number(form.n) || 1;
  const money_ = ctx.model.get("money") || {};
  let quote = plan.cost === null || plan.cost === undefined ? "Quote: price unknown" : `Quote ${money(plan.cost)}`;
  if (money_.budget !== null && money_.budget !== undefined) quote += ` · ${money(plan.left)} left of ${money(money_.budget)}`;
  c.quote.textContent = quote;
  c.quote.classList.toggle("sn-over", Boolean((plan.problems || {}).budget));
  c.generate.textContent = n > 1 ? `${form.action} ×${n}` : form.action;
  setDisabled(c.generate, plan.blocked || "");
  if (!plan.blocked) c.generate.title = "Generate (Ctrl/Cmd+Enter)";
  c.reason.textContent = plan.blocked || "";
  const problems = { ...(plan.problems || {}) };
  if (form.mode === "extend" && problems.seconds) { problems.add_seconds = problems.seconds; delete problems.seconds; }
  for (const [name, node] of Object.entries(c.errors)) {
    const always = name === "budget" || name === "parent";
    node.textContent = plan.attempted || always ? problems[name] || "" : "";
  }
  if (problems.budget) c.reason.textContent = "";
}

function drawStatus(ctx, c) {
  const s = ctx.model.get("status") || {};
  c.status.textContent = s.text || "";
  c.status.className = `sn-status sn-status-${s.kind || "info"}`;
}
