// One job's card: status, animated progress with an honest time left, the failure and
// what to do, money as billed, media with hover scrub, actions, rating, note and tags.

function cardParts() {
  const p = {
    el: make("article", "sn-card"), media: make("div", "sn-card-media"), head: make("div", "sn-row sn-between"),
    status: make("span", "sn-badge"), money: make("span", "sn-muted sn-money"), bar: make("div", "sn-bar"),
    fill: make("div", "sn-bar-fill"), time: make("div", "sn-muted sn-time"), prompt: make("div", "sn-card-prompt"),
    meta: make("div", "sn-muted sn-meta"), error: make("div", "sn-card-error"), hint: make("div", "sn-hint"),
  };
  p.el.dataset.testid = "sn-card";
  p.status.dataset.testid = "sn-card-status";
  p.money.dataset.testid = "sn-card-billed";
  p.head.append(p.status, p.money);
  p.bar.append(p.fill);
  p.bar.dataset.testid = "sn-progress";
  p.bar.setAttribute("role", "progressbar");
  p.bar.setAttribute("aria-valuemin", "0");
  p.bar.setAttribute("aria-valuemax", "100");
  p.time.dataset.testid = "sn-card-time";
  p.error.dataset.testid = "sn-card-error";
  return p;
}

function makeCard(ctx, job) {
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
      bar.setAttribute("aria-valuenow", String(Math.round(shown * 100)));
      bar.hidden = !active && j.status !== "completed";
      time.textContent = timeText(j, now, shown);
      return active;
    },
  };
  return card;
}

function timeText(job, now, fraction) {
  if (job.status === "completed") return job.done ? `took ${duration(job.done - job.submitted)}` : "done";
  if (!ACTIVE.has(job.status)) return job.done ? `ended after ${duration(job.done - job.submitted)}` : "";
  const parts = [`${Math.round(fraction * 100)}%`, `${duration(now - job.submitted)} elapsed`];
  const [, left, asOf, source] = job.p || [];
  if (left) {
    const remaining = left - (now - asOf);
    parts.push(remaining > 1 ? `about ${duration(remaining)} left` : "taking longer than usual");
    if (source === "predicted") parts.push("estimated from earlier videos");
  } else if (job.status !== "in_progress") parts.push("waiting for the server");
  return parts.join(" · ");
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
