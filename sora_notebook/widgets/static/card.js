// One job's card: status, animated progress with an honest time left, the failure and
// what to do, money as billed, media with hover scrub, actions, rating, note and tags.

import { button, fillSelect, labelled, make, setDisabled } from "./dom.js";
import { RATING_LABELS, billedText } from "./format.js";
import { ACTIVE } from "./jobs.js";
import { downloadJob, videoFor } from "./player.js";
import { kernelNow, progressAt, timeText } from "./progress.js";

function cardParts() {
  const p = {
    el: make("article", "sn-card"), media: make("div", "sn-card-media"), head: make("div", "sn-row sn-between"),
    status: make("span", "sn-badge"), money: make("span", "sn-muted sn-money"), bar: make("div", "sn-bar"),
    fill: make("div", "sn-bar-fill"), time: make("div", "sn-muted sn-time"), prompt: make("div", "sn-card-prompt"),
    meta: make("div", "sn-muted sn-meta"), error: make("div", "sn-card-error"), hint: make("div", "sn-hint"),
  };
  p.el.dataset.testid = "sn-card";
  p.el.setAttribute("role", "group");
  p.status.dataset.testid = "sn-card-status";
  p.money.dataset.testid = "sn-card-billed";
  p.head.append(p.status, p.money);
  p.bar.append(p.fill);
  p.bar.dataset.testid = "sn-progress";
  p.bar.setAttribute("role", "progressbar");
  p.bar.setAttribute("aria-label", "Progress");
  p.bar.setAttribute("aria-valuemin", "0");
  p.bar.setAttribute("aria-valuemax", "100");
  p.time.dataset.testid = "sn-card-time";
  p.error.dataset.testid = "sn-card-error";
  return p;
}

export function makeCard(ctx, job) {
  const { el, media, head, status, money: money_, bar, fill, time, prompt, meta, error, hint } = cardParts();
  el.dataset.key = job.key;
  const actions = cardActions(ctx, { get job() { return card.job; } });
  const notes = annotations(ctx, () => card.job);
  el.append(media, head, bar, time, prompt, meta, error, hint, actions.row, notes.el);
  let mediaSig = "";
  let shown = -1;
  const card = {
    el, job,
    update(next) {
      card.job = next;
      const failed = Boolean(next.error);
      el.dataset.status = next.status;
      el.classList.toggle("sn-compact", next.status === "failed" || next.status === "rejected");
      el.classList.toggle("sn-selected", ctx.model.get("selected").includes(next.key));
      status.textContent = next.status.replace("_", " ");
      status.className = `sn-badge sn-badge-${next.status}`;
      money_.textContent = billedText(next);
      prompt.textContent = next.prompt;
      prompt.title = next.prompt;
      const short = next.prompt.length > 100 ? `${next.prompt.slice(0, 100)}…` : next.prompt;
      el.setAttribute("aria-label", `${status.textContent} video: ${short}. Enter for its actions.`);
      const maker = ctx.model.get("backend").several ? next.target : next.model;
      meta.textContent = [maker || "server default", next.size, next.seconds ? `${next.seconds} s` : "", next.from, next.ref ? "made from a reference image" : ""].filter(Boolean).join(" · ");
      error.textContent = failed ? next.error : "";
      hint.textContent = failed ? next.hint : "";
      error.hidden = hint.hidden = !failed;
      const sig = JSON.stringify(next.media);
      if (sig !== mediaSig) {
        mediaSig = sig;
        media.replaceChildren();
        if (next.media.thumbnail !== undefined || next.media.video !== undefined) media.append(videoFor(ctx, next).box);
      }
      actions.draw(next);
      notes.draw(next);
      shown = -1;
      card.tick(kernelNow());
    },
    tick(now) {
      const j = card.job;
      const active = ACTIVE.has(j.status);
      const f = j.status === "completed" ? 1 : progressAt(j.p, now);
      shown = Math.max(shown, f);
      fill.style.width = `${(shown * 100).toFixed(1)}%`;
      bar.setAttribute("aria-valuenow", String(Math.floor(shown * 100)));
      bar.hidden = !active && j.status !== "completed";
      time.textContent = timeText(j, now, shown);
      bar.setAttribute("aria-valuetext", time.textContent);
      return active;
    },
  };
  return card;
}

function annotations(ctx, job) {
  const el = make("div", "sn-row sn-notes-row");
  const rating = make("select");
  fillSelect(rating, ["0", "1", "2", "3", "4", "5"], Object.fromEntries(RATING_LABELS.map((l, i) => [String(i), l])));
  const note = make("input");
  note.placeholder = "Note";
  const tags = make("input");
  tags.placeholder = "Tags, comma separated";
  el.append(labelled("Rating", rating, "sn-rating"), labelled("Note", note, "sn-note"), labelled("Tags", tags, "sn-tags"));
  const save = (fields) => ctx.rpc.request("annotate", { key: job().key, ...fields }).catch((err) => ctx.say(err.message, "error"));
  rating.addEventListener("change", () => save({ rating: Number(rating.value) }));
  note.addEventListener("change", () => save({ notes: note.value }));
  tags.addEventListener("change", () => save({ tags: tags.value }));
  const draw = (j) => {
    rating.value = String(j.rating || 0);
    if (document.activeElement !== note) note.value = j.notes;
    if (document.activeElement !== tags) tags.value = j.tags.join(", ");
    el.hidden = j.status !== "completed";
  };
  return { el, draw };
}

function cardActions(ctx, card) {
  const row = make("div", "sn-row sn-actions");
  const caps = ctx.model.get("options").capabilities || {};
  const b = {
    play: button("Play", "sn-play", "Play in the main player"),
    remix: button("Remix", "sn-remix", "A new video from this one, changed as a prompt says"),
    edit: button("Edit", "sn-edit", "Change one thing in this video"),
    extend: button("Extend", "sn-extend", "Continue this video"),
    frame: button("Use a frame as reference", "sn-frame", "Open it in the player and pick the frame"),
    retry: button("Retry with changes", "sn-retry", "A new generation from an edited prompt"),
    download: button("Download", "sn-download", "Download the MP4"),
    copy: button("Copy prompt", "sn-copy"),
    compare: button("Compare", "sn-compare-toggle", "Add to or remove from compare (2-4)"),
    delete: button("Delete", "sn-delete", "Delete here and on the server"),
    cancel: button("Cancel", "sn-cancel", "Stop this job on the server"),
  };
  const key = () => card.job.key;
  b.play.addEventListener("click", () => ctx.play(key()));
  for (const mode of ["remix", "edit", "extend"]) b[mode].addEventListener("click", () => ctx.mode(mode, key()));
  b.retry.addEventListener("click", () => ctx.mode("reprompt", key()));
  b.frame.addEventListener("click", () => ctx.play(key()).then(() => ctx.player.showFrame()));
  b.download.addEventListener("click", () => downloadJob(ctx, card.job));
  b.copy.addEventListener("click", () => copyPrompt(ctx, key(), b.copy));
  b.compare.addEventListener("click", () => ctx.toggleSelect(key()));
  b.delete.addEventListener("click", () => confirmDelete(ctx, card, b.delete));
  b.cancel.addEventListener("click", () => ctx.rpc.request("cancel", { key: key() }).catch((err) => ctx.say(err.message, "error")));
  b.delete.addEventListener("blur", () => { b.delete.dataset.confirm = ""; b.delete.textContent = "Delete"; });
  row.append(...Object.values(b));
  const draw = (job) => {
    const done = job.status === "completed";
    const video = (job.media || {}).video !== undefined;
    for (const m of ["remix", "edit", "extend"]) { b[m].hidden = !done; setDisabled(b[m], caps[m] || ""); }
    b.play.hidden = b.frame.hidden = b.download.hidden = !video;
    b.compare.hidden = !done;
    b.compare.setAttribute("aria-pressed", String(ctx.model.get("selected").includes(job.key)));
    b.retry.hidden = ACTIVE.has(job.status);
    b.cancel.hidden = !ACTIVE.has(job.status);
    setDisabled(b.cancel, caps.cancel || "");
  };
  return { row, draw };
}

function confirmDelete(ctx, card, btn) {
  if (btn.dataset.confirm !== "yes") {
    const kids = card.job.kids || 0;
    btn.dataset.confirm = "yes";
    btn.textContent = kids ? `Delete? ${kids} video${kids > 1 ? "s were" : " was"} made from it` : "Confirm delete?";
    return;
  }
  btn.dataset.confirm = "";
  btn.textContent = "Deleting…";
  ctx.rpc.request("delete", { key: card.job.key }).catch((err) => { btn.textContent = "Delete"; ctx.say(err.message, "error"); });
}

function copyPrompt(ctx, key, btn) {
  ctx.rpc.request("prompt", { key }).then(({ result }) => navigator.clipboard.writeText(result.prompt))
    .then(() => { btn.textContent = "Copied"; setTimeout(() => { btn.textContent = "Copy prompt"; }, 1500); },
      () => ctx.say("The browser did not allow copying; select the prompt text instead.", "error"));
}
