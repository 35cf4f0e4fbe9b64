// The blind duel: two unlabelled variants, sides chosen at random by Python, played in
// sync; 1 or 2 picks the better one, 0 is a tie; then the next pair. A leaderboard from
// the studio's ranking follows.

import { syncGroup } from "./compare.js";
import { button, make } from "./dom.js";
import { short } from "./format.js";
import { videoFor } from "./player.js";

export function duelView(ctx) {
  const el = make("section", "sn-duel");
  el.dataset.testid = "sn-duel";
  el.hidden = true;
  el.tabIndex = -1;
  let round = -1;
  let sync = null;
  const choose = (choice) => ctx.rpc.request("prefer", { choice, round }).catch((err) => ctx.say(err.message, "error"));
  el.addEventListener("keydown", (e) => {
    const target = /** @type {HTMLElement} */ (e.target);
    if (target.tagName === "INPUT" || target.tagName === "SELECT") return;
    const choice = { 1: 1, 2: 2, 0: 0 }[e.key];
    if (choice !== undefined) { e.preventDefault(); choose(choice); }
  });
  function update() {
    const d = ctx.model.get("duel") || {};
    const results = !d.round && (d.models || []).length > 0;
    el.hidden = !d.round && !results;
    if (!d.round) {
      if (sync) sync.dispose();
      sync = null;
      round = -1;
      el.replaceChildren(...(results ? modelResults(ctx, d.models) : []));
      return;
    }
    if (d.round === round) return;
    round = d.round;
    if (sync) sync.dispose();
    sync = null;
    const head = make("div", "sn-row sn-between");
    const stop = button("End duel", "sn-duel-stop");
    stop.addEventListener("click", () => ctx.rpc.request("duel", { stop: true }));
    head.append(make("h3", "sn-h", `Blind duel · round ${d.round}`), stop);
    const parts = [head];
    if (d.pair.length === 2) parts.push(...duelPair(ctx, d, choose, (s) => { sync = s; }));
    else parts.push(make("p", "sn-muted", "No pair left to judge."));
    parts.push(leaderboard(ctx, d.ranking || []));
    el.replaceChildren(...parts);
    el.focus({ preventScroll: true });
  }
  return { el, update, dispose: () => sync && sync.dispose() };
}

function duelPair(ctx, d, choose, keepSync) {
  const stage = make("div", "sn-compare-stage");
  const players = d.pair.map((key, i) => {
    const job = ctx.byKey.get(key) || { key, prompt: "", media: {} };
    const col = make("div", "sn-compare-col");
    col.dataset.testid = "sn-duel-side";
    const p = videoFor(ctx, { ...job, prompt: `variant ${i + 1}` }, { eager: true, testid: "sn-duel-video" });
    p.video.controls = false;
    // The emulator burns the prompt into the bottom of its clips: veiled, the duel stays blind.
    if (d.veil) { p.box.classList.add("sn-veiled"); p.box.style.setProperty("--sn-veil", `${Math.min(0.3, Number(d.veil)) * 100}%`); }
    col.append(make("div", "sn-letter", String(i + 1)), p.box);
    stage.append(col);
    return p;
  });
  const sync = syncGroup(players.map((p) => p.video));
  keepSync(sync);
  const row = make("div", "sn-row");
  const play = button("Play both", "sn-duel-play");
  play.addEventListener("click", sync.play);
  const left = button("1: left is better", "sn-duel-1");
  const right = button("2: right is better", "sn-duel-2");
  const tie = button("0: tie", "sn-duel-0");
  left.addEventListener("click", () => choose(1));
  right.addEventListener("click", () => choose(2));
  tie.addEventListener("click", () => choose(0));
  row.append(play, left, right, tie, make("span", "sn-muted", "Keys: 1, 2, 0"));
  return [stage, row];
}

function leaderboard(ctx, rows) {
  const t = make("table", "sn-table");
  t.dataset.testid = "sn-leaderboard";
  const head = make("tr");
  for (const h of ["#", "prompt", "score", "wins", "losses", "ties", ""]) head.append(make("th", "", h));
  t.append(head);
  rows.forEach((r, i) => {
    const tr = make("tr");
    const remix = button("Remix", "sn-leader-remix", "Remix the winner");
    remix.addEventListener("click", () => ctx.mode("remix", r.key));
    const cells = [String(i + 1), short(r.prompt, 80), Number(r.score).toFixed(2), r.wins, r.losses, r.ties];
    const last = make("td");
    last.append(remix);
    tr.append(...cells.map((c) => make("td", "", c)), last);
    t.append(tr);
  });
  return t;
}

// After a duel across models: the leaderboard by model ("name:model"). Never shown
// during a duel, where each vote would tell which side was which model.
function modelResults(ctx, rows) {
  const head = make("div", "sn-row sn-between");
  const close = button("Close", "sn-models-close");
  close.addEventListener("click", () => ctx.rpc.request("duel", { stop: true }));
  head.append(make("h3", "sn-h", "Models, ranked by your duels"), close);
  return [head, modelBoard(rows)];
}

function modelBoard(rows) {
  const t = make("table", "sn-table");
  t.dataset.testid = "sn-model-board";
  const head = make("tr");
  for (const h of ["#", "model", "score", "won", "lost", "$ per video", "s per video", "wins per $"]) head.append(make("th", "", h));
  t.append(head);
  const num = (v, digits) => (v === null || v === undefined ? "unknown" : Number(v).toFixed(digits));
  rows.forEach((r, i) => {
    const tr = make("tr");
    const score = `${Number(r.score).toFixed(2)} ± ${Number(r.sigma).toFixed(2)}`;
    const cells = [String(i + 1), r.model, score, r.wins, r.losses, num(r.cost, 2), num(r.seconds, 1), num(r.per_dollar, 1)];
    tr.append(...cells.map((c) => make("td", "", String(c))));
    t.append(tr);
  });
  return t;
}
