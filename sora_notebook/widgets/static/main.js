// The studio view's entry point: render({model, el}) builds the sections and wires them
// to the model's traits; it returns the cleanup function.
//
// Stable test hooks (data-testid) for the browser tests:
//   sn-studio (theme root, data-theme light|dark)  sn-backend-badge  sn-money  sn-budget-input
//   sn-daily-budget-input  sn-budget-save  sn-allow-unknown  sn-import
//   form: sn-form sn-prompt sn-prompt-count sn-model sn-size sn-seconds sn-add-seconds
//         sn-variants sn-generate sn-generate-reason sn-quote sn-status sn-mode-banner
//         sn-mode-cancel sn-reference-input sn-fit sn-keep-reference sn-reference-preview
//         sn-reference-fit sn-reference-clear sn-error-<field> sn-form-notes
//   cards: sn-cards sn-card (data-key, data-status) sn-card-status sn-progress
//          (aria-valuenow) sn-card-time sn-card-billed sn-card-error sn-video (data-key)
//          sn-play sn-remix sn-edit sn-extend sn-frame sn-retry sn-download sn-copy
//          sn-compare-toggle sn-delete (asks to confirm) sn-cancel sn-rating sn-note sn-tags sn-more
//          sn-search sn-filter-status sn-filter-rating sn-filter-tag sn-group sn-show-rejected
//          sn-duel-all (a duel over every finished video)
//   stage: sn-stage (docked: beside the videos, or above them when narrow; sticks in view)
//          sn-stage-tab (one per part open when two or more are: Player, Compare, Duel)
//   player: sn-main-player sn-main-video sn-use-frame sn-download-main sn-close-player
//   tree: sn-tree (scroll box) sn-tree-node (data-key; only nodes near the visible part of
//         the box are in the DOM: scroll it to reach others) sn-tree-edge (data-kind) sn-tree-tip
//         sn-tree-zoom-in sn-tree-zoom-out sn-tree-zoom-reset
//   compare: sn-compare sn-compare-player sn-compare-video sn-compare-play sn-compare-step
//            sn-compare-step-back sn-compare-speed sn-compare-wipe sn-wipe-range
//            sn-wipe-handle sn-compare-diff sn-compare-table sn-metrics sn-sparkline
//            sn-diff-strip sn-remix-winner sn-duel-start
//   board: sn-board (a <details>, open once a board is) sn-board-script sn-board-takes sn-board-new
//          sn-board-run-all sn-board-film sn-board-crossfade sn-board-quote sn-board-shot (data-shot)
//          sn-board-left sn-board-right sn-board-run sn-board-remove sn-board-keep
//          sn-board-take (data-key, data-status, aria-pressed = chosen) sn-board-join
//          sn-board-add-prompt sn-board-add-join sn-board-add sn-board-film-player sn-board-film-video
//   duel: sn-duel sn-duel-side sn-duel-video sn-duel-1 sn-duel-2 sn-duel-0 sn-duel-play
//         sn-duel-stop sn-leaderboard sn-leader-remix

import { boardView } from "./board.js";
import { cardGrid } from "./cards.js";
import { mediaStore, requester } from "./channel.js";
import { compareView } from "./compare.js";
import { dockedStage } from "./dock.js";
import { button, labelled, make, setDisabled } from "./dom.js";
import { duelView } from "./duel.js";
import { formView } from "./form.js";
import { money } from "./format.js";
import { ACTIVE, patchJobs } from "./jobs.js";
import { mainPlayer } from "./player.js";
import { kernelClock } from "./progress.js";
import { treeView } from "./tree.js";

function header(ctx) {
  const el = make("header", "sn-row sn-header");
  const b = ctx.model.get("backend");
  const badge = make("span", `sn-badge sn-backend sn-backend-${String(b.name).replace(/[^a-z]/g, "") || "other"}`, `Backend: ${b.label}`);
  badge.dataset.testid = "sn-backend-badge";
  const note = make("span", "sn-muted", b.note);
  const money_ = make("span", "sn-money");
  money_.dataset.testid = "sn-money";
  const budget = make("input");
  budget.type = "number"; budget.min = "0"; budget.step = "0.5"; budget.placeholder = "none";
  const daily = make("input");
  daily.type = "number"; daily.min = "0"; daily.step = "0.5"; daily.placeholder = "none";
  const save = button("Set budget", "sn-budget-save");
  const unknown = make("input");
  unknown.type = "checkbox";
  const importBtn = button("Import from the server", "sn-import", "Bring in the server's videos this library does not have");
  setDisabled(importBtn, (ctx.model.get("options").capabilities || {}).list || "");
  importBtn.addEventListener("click", () => ctx.rpc.request("import", {}).catch((err) => ctx.say(err.message, "error")));
  el.append(badge, money_, labelled("Budget $", budget, "sn-budget-input"), labelled("Per day $", daily, "sn-daily-budget-input"), save, labelled("Allow unknown costs", unknown, "sn-allow-unknown"), importBtn, note);
  const value = (input) => (input.value === "" ? null : Number(input.value));
  const setBudget = () => ctx.rpc.request("budget", { value: value(budget) })
    .then(() => ctx.rpc.request("budget", { value: value(daily), daily: true }))
    .catch((err) => ctx.say(err.message, "error"));
  save.addEventListener("click", setBudget);
  for (const input of [budget, daily]) input.addEventListener("keydown", (e) => { if (e.key === "Enter") setBudget(); });
  unknown.addEventListener("change", () => ctx.rpc.request("allow_unknown", { value: unknown.checked }));
  function update() {
    const m = ctx.model.get("money") || {};
    const today = m.day === "UTC" ? "today (UTC)" : "today";
    const parts = [`session ${money(m.session)}`, `${today} ${money(m.today)}`, `total ${money(m.total)}`];
    const people = m.people || [];
    if (people.length > 1) {  // a team: this person's share beside the team's
      const mine = people.find((p) => p.person === m.person) || { today: 0, total: 0 };
      parts.splice(1, 2, `you (${m.person}) ${money(mine.today)} ${today}, ${money(mine.total)} in all`,
        `team ${money(m.today)} ${today}, ${money(m.total)} in all`);
    }
    const set = (v) => v !== null && v !== undefined;
    if (set(m.budget) || set(m.daily_budget)) parts.push(`${money(m.left)} left of the budget`);
    if (m.unknown) parts.push(`${m.unknown} of unknown price not counted`);
    money_.textContent = `Billed: ${parts.join(" · ")}`;
    if (document.activeElement !== budget) budget.value = set(m.budget) ? String(m.budget) : "";
    if (document.activeElement !== daily) daily.value = set(m.daily_budget) ? String(m.daily_budget) : "";
    unknown.checked = Boolean(m.allow_unknown);
  }
  return { el, update };
}

function themeOf(root) {
  const m = getComputedStyle(root).backgroundColor.match(/\d+(\.\d+)?/g);
  if (!m || m.length < 3) return "light";
  const [r, g, b] = m.map(Number);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b < 128 ? "dark" : "light";
}

function context(model, root) {
  const rpc = requester(model);
  const ctx = { model, rpc, root, store: mediaStore(rpc), byKey: new Map() };
  ctx.say = (text, kind = "info") => { ctx.localStatus(text, kind); };
  ctx.play = (key) => rpc.request("play", { key }).then(() => { ctx.player.update(true); ctx.showStage(ctx.player.el); }, (err) => ctx.say(err.message, "error"));
  ctx.mode = (mode, key) => rpc.request("mode", { mode, key }).then(() => ctx.focusPrompt(), (err) => ctx.say(err.message, "error"));
  ctx.select = (keys) => rpc.request("select", { keys }).catch((err) => ctx.say(err.message, "error"));
  ctx.toggleSelect = (key) => {
    const sel = model.get("selected");
    ctx.select(sel.includes(key) ? sel.filter((k) => k !== key) : [...sel, key].slice(-4));
  };
  return ctx;
}

// What each trait change redraws. A change of several traits arrives as one message,
// in any order: every handler reads the newest jobs first.
function traitHandlers(model, ctx, parts) {
  let jobsSeen = null;
  let comparing = "";
  const syncJobs = () => {
    const jobs = model.get("jobs");
    if (jobs === jobsSeen) return;
    jobsSeen = jobs;
    ctx.byKey = new Map(jobs.map((j) => [j.key, j]));
  };
  const onJobs = () => {
    const sent = model.get("clock");
    if (sent) kernelClock.offset = sent - Date.now() / 1000;
    syncJobs();
    parts.cards.update();
    parts.tree.update();
    parts.player.update();
    parts.compare.update();
    parts.board.update();
  };
  return {
    onJobs, "change:jobs": onJobs, "change:tree": () => { syncJobs(); parts.tree.update(); },
    "change:money": () => { parts.header.update(); parts.form.plan(); },
    "change:form": () => { parts.form.update(); parts.form.plan(); }, "change:plan": () => parts.form.plan(),
    "change:status": () => { ctx.localStatus("", "info"); parts.form.status(); },
    "change:options": () => parts.form.options(), "change:prefs": () => { parts.cards.update(); },
    "change:people": () => parts.cards.update(),
    "change:selected": () => { syncJobs(); parts.cards.update(); parts.tree.update(); },
    "change:compare": () => {
      syncJobs();
      parts.compare.update();
      const keys = String((model.get("compare") || {}).keys || "");
      if (keys && keys !== comparing) ctx.showStage(parts.compare.el);  // new sides, not new metrics
      comparing = keys;
    },
    "change:duel": () => { syncJobs(); parts.duel.update(); if ((model.get("duel") || {}).round) ctx.showStage(parts.duel.el); },
    "change:board": () => { syncJobs(); parts.board.update(); },
    "change:playing": () => { syncJobs(); parts.player.update(true); if (model.get("playing")) ctx.showStage(parts.player.el); },
  };
}

function render({ model, el }) {
  const root = make("div", "sn-studio");
  root.dataset.testid = "sn-studio";
  const ctx = context(model, root);
  const parts = {
    header: header(ctx), form: formView(ctx), player: mainPlayer(ctx),
    cards: cardGrid(ctx), tree: treeView(ctx), compare: compareView(ctx), duel: duelView(ctx),
    board: boardView(ctx),
  };
  ctx.player = parts.player;
  ctx.focusPrompt = parts.form.focus;
  const status = make("div", "sn-status");
  ctx.localStatus = (text, kind) => { status.textContent = text; status.className = `sn-status sn-status-${kind}`; };
  const stage = dockedStage(root, [
    { el: parts.player.el, label: "Player" }, { el: parts.compare.el, label: "Compare" }, { el: parts.duel.el, label: "Duel" },
  ]);
  ctx.showStage = stage.show;
  const gallery = make("div", "sn-gallery");
  gallery.append(make("h3", "sn-h", "Videos"), parts.cards.el, parts.tree.el);
  const body = make("div", "sn-body");
  body.append(gallery, stage.el);
  root.append(parts.header.el, parts.form.el, status, parts.board.el, body);
  el.append(root);
  const handlers = traitHandlers(model, ctx, parts);
  for (const [name, fn] of Object.entries(handlers)) if (name.startsWith("change:")) model.on(name, fn);
  // Jobs arrive as patches after the first state; the whole list once per render.
  let jobsSeq = 0;
  const onPatch = (msg) => {
    if (!msg || msg.kind !== "jobs" || !(msg.seq > jobsSeq)) return;
    jobsSeq = msg.seq;
    model.set("jobs", patchJobs(model.get("jobs") || [], msg));
  };
  model.on("msg:custom", onPatch);
  ctx.rpc.request("jobs").then(({ result }) => {
    if (result.seq < jobsSeq) return;
    jobsSeq = result.seq;
    model.set("jobs", result.jobs);
  }, () => {});
  handlers.onJobs();
  parts.header.update();
  parts.form.update();
  parts.form.plan();
  parts.form.status();
  parts.duel.update();
  parts.board.update();
  const ticker = setInterval(() => { if (model.get("jobs").some((j) => ACTIVE.has(j.status))) parts.tree.tick(); }, 1000);
  const retheme = () => requestAnimationFrame(() => { root.dataset.theme = themeOf(root); });
  const themes = new MutationObserver(retheme);
  themes.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-light", "data-jp-theme-name", "class"] });
  retheme();
  return () => {
    for (const [name, fn] of Object.entries(handlers)) if (name.startsWith("change:")) model.off(name, fn);
    model.off("msg:custom", onPatch);
    themes.disconnect();
    clearInterval(ticker);
    parts.cards.dispose();
    parts.tree.dispose();
    parts.compare.dispose();
    parts.duel.dispose();
    stage.dispose();
    ctx.rpc.dispose();
    ctx.store.dispose();
    root.remove();
  };
}

export default { render };
