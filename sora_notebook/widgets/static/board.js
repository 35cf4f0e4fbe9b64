// The storyboard strip: shots in order with their takes under them, the join between
// neighbours (how it joins, and once the film is made how well: SSIM and colour distance),
// the film's player. Python owns the board (`board` trait, widgets/board.py); every button
// sends a `board` request with an op.

import { messageOf } from "./channel.js";
import { button, labelled, make } from "./dom.js";
import { videoFor } from "./player.js";

const JOINS = ["cut", "continue", "extend"];
const JOIN_WORDS = { cut: "cut", continue: "continues from the last frame", extend: "extends the take before" };
const EXAMPLE = "# The fox\n1. A red fox trots through fresh snow at dawn | seconds=4\n2. The fox stops and looks up at the sky | join=continue\n3. A neon city street at night in the rain";

export function boardView(ctx) {
  const el = make("details", "sn-board");  // closed until a board is open
  el.dataset.testid = "sn-board";
  const head = make("summary", "sn-h", "Storyboard");
  const status = make("p", "sn-muted sn-board-status");
  status.setAttribute("aria-live", "polite");
  const ask = (args) => ctx.rpc.request("board", args).catch((err) => { status.textContent = messageOf(err); });

  // Before a board: paste a script.
  const starter = make("div", "sn-board-start");
  const script = make("textarea", "sn-prompt");
  script.placeholder = EXAMPLE;
  script.rows = 4;
  const takes = make("select");
  for (const n of [1, 2, 3, 4]) takes.append(new Option(`${n} take${n > 1 ? "s" : ""} a shot`, String(n)));
  const create = button("Make the board", "sn-board-new", "A shot per list item (Markdown, YAML or CSV)");
  create.addEventListener("click", () => ask({ op: "new", script: script.value || EXAMPLE, takes: Number(takes.value) }));
  starter.append(labelled("Script: one shot per item", script, "sn-board-script"), make("div", "sn-row", ""), takes, create);
  takes.dataset.testid = "sn-board-takes";

  // With a board: its actions, the strip, adding a shot, the film.
  const bar = make("div", "sn-row");
  const quote = make("span", "sn-muted");
  quote.dataset.testid = "sn-board-quote";
  const runAll = button("Generate all", "sn-board-run-all", "Make every shot not made yet (quoted whole first)");
  runAll.addEventListener("click", () => { status.textContent = "Making the shots..."; ask({ op: "run" }); });
  const fade = make("input");
  fade.type = "checkbox";
  const film = button("Make the film", "sn-board-film", "Stitch the chosen takes into one MP4 and score every join");
  film.addEventListener("click", () => { status.textContent = "Stitching..."; ask({ op: "film", crossfade: fade.checked }); });
  bar.append(runAll, film, labelled("Crossfade", fade, "sn-board-crossfade"), quote);
  const strip = make("ol", "sn-board-strip");
  const adder = make("div", "sn-row");
  const newPrompt = make("input");
  newPrompt.placeholder = "The next shot's prompt";
  const newJoin = make("select");
  for (const j of JOINS) newJoin.append(new Option(JOIN_WORDS[j], j));
  newJoin.value = "continue";
  const add = button("Add shot", "sn-board-add");
  add.addEventListener("click", () => {
    if (!newPrompt.value.trim()) { status.textContent = "Say what the new shot shows first."; return; }
    ask({ op: "add", prompt: newPrompt.value, join: newJoin.value }).then(() => { newPrompt.value = ""; });
  });
  adder.append(labelled("New shot", newPrompt, "sn-board-add-prompt"), labelled("Joins by", newJoin, "sn-board-add-join"), add);
  const player = make("div", "sn-board-film-player");
  player.dataset.testid = "sn-board-film-player";
  el.append(head, starter, bar, strip, adder, status, player);
  let filmKey = "";
  let drawn = "";

  function takeButton(shot, key, n) {
    const job = ctx.byKey.get(key) || { key, status: "queued", media: {}, prompt: "" };
    const chosen = shot.chosen === key;
    const b = make("button", "sn-board-take");
    b.type = "button";
    b.dataset.testid = "sn-board-take";
    b.dataset.key = key;
    b.dataset.status = job.status;
    b.setAttribute("aria-pressed", String(chosen));
    b.setAttribute("aria-label", `Take ${n} of ${shot.id}: ${job.status}${chosen ? ", chosen" : ""}`);
    if ((job.media || {}).thumbnail !== undefined) {
      const img = make("img", "sn-board-thumb");
      img.alt = "";
      ctx.store.url(job, "thumbnail").then((u) => { img.src = u; }, () => {});
      b.append(img);
    }
    b.append(make("span", "", `Take ${n}${chosen ? " ✓" : ""} · ${job.status}`));
    b.addEventListener("click", () => job.status === "completed" && ask({ op: "choose", shot: shot.id, key }));
    return b;
  }

  function joinBetween(shot, index, score) {
    const li = make("li", "sn-board-join");
    li.dataset.testid = "sn-board-join";
    const kind = make("select");
    for (const j of JOINS) kind.append(new Option(j, j));
    kind.value = shot.join;
    kind.addEventListener("change", () => ask({ op: "join", shot: shot.id, join: kind.value }));
    li.append(labelled(`Join ${index}`, kind, "sn-board-join-kind"));
    if (score) {
      const text = `SSIM ${score.ssim.toFixed(2)} · colour distance ${score.histogram.toFixed(2)}`;
      const s = make("span", "sn-board-score", text);
      s.title = "How the last frame before matches the first frame after: SSIM of luma (0-1, higher = closer in structure) and colour-histogram distance (0-1, lower = closer colours).";
      li.append(s);
    }
    return li;
  }

  function shotItem(shot, index, count) {
    const li = make("li", "sn-board-shot");
    li.dataset.testid = "sn-board-shot";
    li.dataset.shot = shot.id;
    if (shot.stale) li.classList.add("sn-stale");
    const top = make("div", "sn-row sn-between");
    top.append(make("strong", "", `Shot ${index + 1}`), make("span", "sn-muted", `${shot.seconds} s · ${shot.size}`));
    const prompt = make("div", "sn-board-prompt", shot.prompt);
    const tools = make("div", "sn-row");
    const left = button("◀", "sn-board-left", "Move this shot earlier");
    left.setAttribute("aria-label", `Move ${shot.id} earlier`);
    left.disabled = index === 0;
    left.addEventListener("click", () => ask({ op: "move", shot: shot.id, by: -1 }));
    const right = button("▶", "sn-board-right", "Move this shot later");
    right.setAttribute("aria-label", `Move ${shot.id} later`);
    right.disabled = index === count - 1;
    right.addEventListener("click", () => ask({ op: "move", shot: shot.id, by: 1 }));
    const run = button(shot.takes.length ? "Again" : "Generate", "sn-board-run", "Make this shot's takes now");
    run.addEventListener("click", () => ask({ op: "run", shot: shot.id }));
    const remove = button("Remove", "sn-board-remove");
    remove.addEventListener("click", () => ask({ op: "remove", shot: shot.id }));
    tools.append(left, right, run, remove);
    li.append(top, prompt, tools);
    if (shot.stale) {
      const keep = button("Keep as it is", "sn-board-keep", "The take before it changed; keep this one anyway");
      keep.addEventListener("click", () => ask({ op: "keep", shot: shot.id }));
      li.append(make("div", "sn-reason", "Stale: the take it continued from is no longer chosen."), keep);
    }
    const list = make("div", "sn-board-takes");
    shot.takes.forEach((key, n) => list.append(takeButton(shot, key, n + 1)));
    li.append(list);
    return li;
  }

  function showFilm(f) {
    if (!f) { player.replaceChildren(); filmKey = ""; return; }
    if (f.key === filmKey) return;
    filmKey = f.key;
    const p = videoFor(ctx, { key: f.key, prompt: "the film", size: f.size, media: { video: f.url } }, { eager: true, testid: "sn-board-film-video" });
    p.video.preload = "metadata";  // its length shows before it plays
    const joins = (f.joins || []).length;
    const caption = `The film: ${f.seconds} s, ${joins + 1} shots; mean SSIM ${Number(f.ssim).toFixed(2)}, mean colour distance ${Number(f.histogram).toFixed(2)} over ${joins} join${joins === 1 ? "" : "s"}.`;
    player.replaceChildren(p.box, make("div", "sn-caption", caption));
  }

  function update() {
    const board = ctx.model.get("board") || {};
    const shots = board.shots || [];
    // Redrawn when the board or one of its takes changes, not on every job's progress.
    const takes = shots.flatMap((s) => s.takes).map((k) => { const j = ctx.byKey.get(k); return j ? `${j.status}${(j.media || {}).thumbnail !== undefined}` : ""; });
    const seen = JSON.stringify([board, takes]);
    if (seen === drawn) return;
    if (!drawn && shots.length) el.open = true;
    drawn = seen;
    starter.hidden = shots.length > 0;
    for (const part of [bar, strip, adder]) part.hidden = shots.length === 0;
    head.textContent = board.title ? `Storyboard: ${board.title}` : "Storyboard";
    quote.textContent = board.busy || (board.quote ? `To make: ${board.quote}` : "");
    const scores = (board.film && board.film.joins) || [];
    const items = [];
    shots.forEach((shot, i) => {
      if (i > 0) items.push(joinBetween(shot, i, scores[i - 1]));
      items.push(shotItem(shot, i, shots.length));
    });
    strip.replaceChildren(...items);
    showFilm(board.film);
  }
  return { el, update };
}
