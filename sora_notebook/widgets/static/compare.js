// Compare 2-4 videos: synced players (play, frame step, speed), one timeline (a scrubber
// and time readout for every side; the difference strip seeks too), a wipe with a visible
// handle, prompt word diffs, the parameter table, metrics with sparklines and the
// per-frame difference strip, "Remix the winner", and the blind duel's entry.

import { button, diffTokens, fillSelect, labelled, make, svgEl } from "./dom.js";
import { videoFor } from "./player.js";

const FPS = 24;
/** The compare section's open timeline (one per view). @type {WeakMap<HTMLElement, any>} */
const timelines = new WeakMap();

export function syncGroup(videos) {
  const lead = () => videos[0];
  let busy = false;
  const follow = (src, fn) => { if (busy) return; busy = true; for (const v of videos) if (v !== src) fn(v); busy = false; };
  for (const v of videos) {
    v.addEventListener("play", () => follow(v, (o) => o.play().catch(() => {})));
    v.addEventListener("pause", () => follow(v, (o) => o.pause()));
    v.addEventListener("seeked", () => follow(v, (o) => { if (Math.abs(o.currentTime - v.currentTime) > 0.02) o.currentTime = v.currentTime; }));
    v.addEventListener("ratechange", () => follow(v, (o) => { o.playbackRate = v.playbackRate; }));
  }
  const timer = setInterval(() => {
    const l = lead();
    if (!l || l.paused) return;
    for (const o of videos) if (o !== l && Math.abs(o.currentTime - l.currentTime) > 0.08) o.currentTime = l.currentTime;
  }, 250);
  return {
    play: () => (lead().paused ? lead().play().catch(() => {}) : lead().pause()),
    step: (n) => { lead().pause(); lead().currentTime = Math.max(0, lead().currentTime + n / FPS); },
    speed: (r) => { for (const v of videos) v.playbackRate = r; },
    dispose: () => clearInterval(timer),
  };
}

function sparkline(values, testid) {
  const s = svgEl("svg", "sn-spark");
  s.setAttribute("viewBox", "0 0 100 20");
  s.setAttribute("preserveAspectRatio", "none");
  if (testid) s.dataset.testid = testid;
  if (!values || values.length < 2) return s;
  const lo = Math.min(...values), hi = Math.max(...values), span = hi - lo || 1;
  const line = svgEl("polyline");
  line.setAttribute("points", values.map((v, i) => `${(i / (values.length - 1)) * 100},${20 - ((v - lo) / span) * 18 - 1}`).join(" "));
  s.append(line);
  return s;
}

/** The fraction of a strip's width at `clientX`, 0-1. @param {HTMLElement} el @param {number} clientX */
export function fractionAt(el, clientX) {
  const r = el.getBoundingClientRect();
  return r.width ? Math.min(1, Math.max(0, (clientX - r.left) / r.width)) : 0;
}

/** "1.2 s / 4.0 s" @param {number} t @param {number} total */
export function readout(t, total) {
  const f = (x) => (Number.isFinite(x) ? x : 0).toFixed(1);
  return `${f(t)} s / ${f(total)} s`;
}

function diffStrip(values, timeline) {
  const strip = make("div", "sn-strip");
  strip.dataset.testid = "sn-diff-strip";
  strip.tabIndex = 0;
  strip.setAttribute("role", "slider");
  strip.setAttribute("aria-label", "Per-frame difference between A and B (darker: more different); click or use the arrow keys to seek");
  strip.title = "Darker: A and B differ more at that moment. Click to go there.";
  values.forEach((v, i) => {
    const cell = make("span", "sn-strip-cell");
    cell.style.opacity = String(0.1 + 0.9 * Math.min(1, Math.max(0, v)));
    cell.title = `${Math.round((i / values.length) * 100)} %: difference ${Number(v).toFixed(2)} (0 same, 1 opposite)`;
    strip.append(cell);
  });
  const mark = make("span", "sn-strip-mark");
  strip.append(mark);
  strip.addEventListener("click", (e) => timeline.seekFraction(fractionAt(strip, e.clientX)));
  strip.addEventListener("keydown", (e) => {
    const step = { ArrowLeft: -1, ArrowRight: 1, Home: -Infinity, End: Infinity }[e.key];
    if (step === undefined) return;
    e.preventDefault();
    const f = timeline.fraction() + step / Math.max(1, values.length);
    timeline.seekFraction(Math.min(1, Math.max(0, f)));
  });
  timeline.follow((f, text) => {
    mark.style.left = `${f * 100}%`;
    strip.setAttribute("aria-valuenow", String(Math.round(f * 100)));
    strip.setAttribute("aria-valuetext", text);
  });
  return strip;
}

/**
 * One timeline for every side: a scrubber, a time readout, and followers (the strip).
 * The first video leads; a shorter side stops at its own end.
 * @param {HTMLVideoElement[]} videos
 */
function timelineFor(videos) {
  const lead = videos[0];
  const total = () => Math.max(0, ...videos.map((v) => (Number.isFinite(v.duration) ? v.duration : 0)));
  const row = make("div", "sn-row sn-timeline");
  const range = make("input");
  range.type = "range"; range.min = "0"; range.max = "1000"; range.value = "0"; range.step = "1";
  range.dataset.testid = "sn-compare-scrubber";
  range.setAttribute("aria-label", "Time in every video");
  const time = make("span", "sn-time", readout(0, 0));
  time.dataset.testid = "sn-compare-time";
  row.append(range, time);
  /** @type {((f: number, text: string) => void)[]} */
  const followers = [];
  const fraction = () => (total() ? Math.min(1, lead.currentTime / total()) : 0);
  const show = () => {
    const f = fraction(), text = readout(lead.currentTime, total());
    if (document.activeElement !== range) range.value = String(Math.round(f * 1000));
    time.textContent = text;
    range.setAttribute("aria-valuetext", text);
    for (const fn of followers) fn(f, text);
  };
  const seekFraction = (/** @type {number} */ f) => {
    const t = f * total();
    for (const v of videos) v.currentTime = Math.min(t, Number.isFinite(v.duration) ? v.duration : t);
    show();
  };
  range.addEventListener("input", () => seekFraction(Number(range.value) / 1000));
  for (const v of videos) for (const ev of ["timeupdate", "seeked", "loadedmetadata", "durationchange"]) v.addEventListener(ev, show);
  return { el: row, seekFraction, fraction, follow: (fn) => { followers.push(fn); show(); } };
}

function compareTable(table, testid, extra) {
  const t = make("table", "sn-table");
  t.dataset.testid = testid;
  const head = make("tr");
  head.append(make("th", "", ""), ...table.columns.map((c) => make("th", "", c)));
  t.append(head);
  for (const row of table.rows) {
    const tr = make("tr", row.differs ? "sn-differs" : "");
    if (row.differs) tr.dataset.differs = "true";
    tr.append(make("th", "", row.differs ? `${row.name} (differs)` : row.name));
    row.values.forEach((v, i) => {
      const td = make("td", "", v === null || v === undefined ? "—" : String(v));
      if (extra) extra(td, row, i);
      tr.append(td);
    });
    t.append(tr);
  }
  return t;
}

export function compareView(ctx) {
  const el = make("section", "sn-compare");
  el.dataset.testid = "sn-compare";
  el.hidden = true;
  let sig = "";
  let group = null;
  function update() {
    const c = ctx.model.get("compare") || {};
    const next = JSON.stringify(c);
    if (next === sig) return;
    const same = sig && JSON.stringify((JSON.parse(sig) || {}).keys) === JSON.stringify(c.keys);
    sig = next;
    el.hidden = !c.keys;
    if (!c.keys) { if (group) group.dispose(); group = null; el.replaceChildren(); return; }
    if (same && group) { drawDetails(ctx, el, c); return; }
    if (group) group.dispose();
    group = drawCompare(ctx, el, c);
  }
  return { el, update, dispose: () => group && group.dispose() };
}

function drawCompare(ctx, el, c) {
  const jobs = c.keys.map((k) => ctx.byKey.get(k)).filter(Boolean);
  const stage = make("div", "sn-compare-stage");
  const players = jobs.map((job, i) => {
    const col = make("div", "sn-compare-col");
    col.dataset.testid = "sn-compare-player";
    const p = videoFor(ctx, job, { eager: true, testid: "sn-compare-video" });
    p.video.controls = false;
    const winner = button(`Remix ${c.letters[i]}`, "sn-remix-winner", "Remix the winner: open this one in remix mode");
    winner.addEventListener("click", () => ctx.mode("remix", job.key));
    col.append(make("div", "sn-letter", c.letters[i]), p.box, winner);
    stage.append(col);
    return p;
  });
  const sync = syncGroup(players.map((p) => p.video));
  const controls = compareControls(ctx, sync, stage, players);
  const timeline = timelineFor(players.map((p) => p.video));
  timelines.set(el, timeline);
  el.replaceChildren(make("h3", "sn-h", `Compare ${jobs.length} videos`), controls, timeline.el, stage, make("div", "sn-compare-details"));
  drawDetails(ctx, el, c, timeline);
  return sync;
}

function compareControls(ctx, sync, stage, players) {
  const row = make("div", "sn-row sn-toolbar");
  const play = button("Play / pause", "sn-compare-play");
  const back = button("◀ frame", "sn-compare-step-back", "One frame back");
  const fwd = button("frame ▶", "sn-compare-step", "One frame forward");
  const speed = make("select");
  fillSelect(speed, ["0.25", "0.5", "1", "2"], { 0.25: "0.25×", 0.5: "0.5×", 1: "1×", 2: "2×" });
  speed.value = "1";
  const wipe = make("input");
  wipe.type = "checkbox";
  const duel = button("Blind duel", "sn-duel-start", "Judge these two-by-two without labels (keys 1, 2, 0)");
  play.addEventListener("click", sync.play);
  back.addEventListener("click", () => sync.step(-1));
  fwd.addEventListener("click", () => sync.step(1));
  speed.addEventListener("change", () => sync.speed(Number(speed.value)));
  wipe.addEventListener("change", () => setWipe(stage, players, wipe.checked));
  duel.addEventListener("click", () => ctx.rpc.request("duel", {}).catch((err) => ctx.say(err.message, "error")));
  row.append(play, back, fwd, labelled("Speed", speed, "sn-compare-speed"), labelled("Wipe A/B", wipe, "sn-compare-wipe"), duel);
  return row;
}

function setWipe(stage, players, on) {
  stage.classList.toggle("sn-wiping", on);
  for (const old of stage.querySelectorAll(".sn-wipe, .sn-wipe-handle")) old.remove();  // one divider at most
  players.forEach((p) => { p.box.style.clipPath = ""; });
  if (!on || players.length < 2) return;
  const wrap = make("div", "sn-wipe");
  const range = make("input");
  range.type = "range"; range.min = "0"; range.max = "100"; range.value = "50";
  range.setAttribute("aria-label", "Wipe position between A and B");
  range.dataset.testid = "sn-wipe-range";
  const handle = make("div", "sn-wipe-handle");
  handle.dataset.testid = "sn-wipe-handle";
  const move = () => {
    players[1].box.style.clipPath = `inset(0 0 0 ${range.value}%)`;
    handle.style.left = `${range.value}%`;
  };
  range.addEventListener("input", move);
  stage.append(handle);
  wrap.append(range);
  stage.append(wrap);
  move();
}

function drawDetails(ctx, el, c, timeline = timelines.get(el)) {
  const box = el.querySelector(".sn-compare-details");
  if (!box) return;
  const diffs = make("div", "sn-diffs");
  diffs.dataset.testid = "sn-compare-diff";
  c.prompts.forEach((tokens, i) => diffs.append(diffTokens(make("p", "sn-diff-line", `${c.letters[i]}: `), tokens)));
  const parts = [diffs, compareTable(c.table, "sn-compare-table")];
  const m = c.metrics || { rows: [] };
  if (m.rows.length) {
    const rows = m.rows.map((row) => ({ ...row, name: row.unit ? `${row.name} (${row.unit})` : row.name }));
    const table = compareTable({ columns: c.letters, rows }, "sn-metrics", (td, row, i) => td.append(sparkline(row.curves[i], "sn-sparkline")));
    m.rows.forEach((row, i) => {
      const th = table.rows[i + 1] && table.rows[i + 1].cells[0];
      if (th && row.meaning) th.append(make("div", "sn-meaning", row.meaning));
    });
    parts.push(table);
  } else {
    parts.push(make("p", "sn-muted", c.judge || "Measuring…"));
  }
  if ((c.strip || []).length && timeline) parts.push(make("div", "sn-field-label", "Per-frame difference A/B: click to go there"), diffStrip(c.strip, timeline));
  box.replaceChildren(...parts);
}
