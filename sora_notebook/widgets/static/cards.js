// The card grid: one keyed card per job, filtered, searched and grouped in the page;
// progress animated between messages from the Progress formula's parameters.

const PAGE = 24;
const RATING_LABELS = ["rate", "★", "★★", "★★★", "★★★★", "★★★★★"];

function cardsToolbar(ctx, redraw) {
  const bar = make("div", "sn-row sn-toolbar");
  const search = make("input");
  search.type = "search";
  search.placeholder = "Search prompts";
  const status = make("select");
  fillSelect(status, ["all", "active", "completed", "failed"], { all: "any status", active: "running", failed: "failed or refused" });
  const rating = make("select");
  fillSelect(rating, ["any", "unrated", "1", "2", "3", "4", "5"], { any: "any rating", 1: "★ or more", 2: "★★ or more", 3: "★★★ or more", 4: "★★★★ or more", 5: "★★★★★" });
  const tag = make("input");
  tag.placeholder = "Tag";
  const group = make("input");
  group.type = "checkbox";
  const rejected = make("input");
  rejected.type = "checkbox";
  bar.append(labelled("Search", search, "sn-search"), labelled("Status", status, "sn-filter-status"),
    labelled("Rating", rating, "sn-filter-rating"), labelled("Tag", tag, "sn-filter-tag"),
    labelled("Group by lineage", group, "sn-group"), labelled("Show refused requests in the tree", rejected, "sn-show-rejected"));
  for (const c of [search, tag]) c.addEventListener("input", redraw);
  for (const c of [status, rating, group]) c.addEventListener("change", redraw);
  rejected.addEventListener("change", () => ctx.rpc.request("prefs", { show_rejected: rejected.checked }));
  const duel = button("Blind duel", "sn-duel-all", "Judge finished videos two by two without labels (keys 1, 2, 0)");
  duel.addEventListener("click", () => ctx.rpc.request("duel", {}).catch((err) => ctx.say(err.message, "error")));
  bar.append(duel);
  const filters = () => ({ q: search.value.trim().toLowerCase(), status: status.value, rating: rating.value, tag: tag.value.trim().toLowerCase(), group: group.checked });
  return { bar, filters, sync: () => { rejected.checked = Boolean(ctx.model.get("prefs").show_rejected); } };
}

function keep(job, f) {
  if (f.q && !job.prompt.toLowerCase().includes(f.q)) return false;
  if (f.status === "active" && !ACTIVE.has(job.status)) return false;
  if (f.status === "completed" && job.status !== "completed") return false;
  if (f.status === "failed" && !job.error) return false;
  if (f.rating === "unrated" && job.rating) return false;
  if (/^\d$/.test(f.rating) && !(job.rating >= Number(f.rating))) return false;
  if (f.tag && !job.tags.some((t) => t.toLowerCase().includes(f.tag))) return false;
  return true;
}

function ordered(jobs, group) {
  const newest = [...jobs].sort((a, b) => b.submitted - a.submitted || (a.key < b.key ? 1 : -1));
  if (!group) return newest;
  const byKey = new Map(jobs.map((j) => [j.key, j]));
  const root = (j) => { let r = j; const seen = new Set(); while (r.parent && byKey.has(r.parent) && !seen.has(r.key)) { seen.add(r.key); r = byKey.get(r.parent); } return r; };
  const latest = new Map();
  for (const j of newest) { const r = root(j).key; if (!latest.has(r)) latest.set(r, latest.size); }
  return newest.sort((a, b) => latest.get(root(a).key) - latest.get(root(b).key) || a.submitted - b.submitted);
}

function cardGrid(ctx) {
  const el = make("section", "sn-cards-section");
  const grid = make("div", "sn-cards");
  grid.dataset.testid = "sn-cards";
  const empty = make("div", "sn-muted", "No videos yet: type a prompt above and press Generate.");
  const more = button("Show more", "sn-more");
  const cards = new Map();
  let limit = PAGE;
  const tools = cardsToolbar(ctx, () => draw());
  el.append(tools.bar, empty, grid, more);
  more.addEventListener("click", () => { limit += PAGE; draw(); });
  function draw() {
    tools.sync();
    const f = tools.filters();
    const jobs = ctx.model.get("jobs");
    const shown = ordered(jobs.filter((j) => keep(j, f)), f.group);
    const page = shown.slice(0, limit);
    const keys = new Set(page.map((j) => j.key));
    for (const [key, card] of cards) if (!keys.has(key)) { card.el.remove(); cards.delete(key); }
    page.forEach((job, i) => {
      let card = cards.get(job.key);
      if (!card) { card = makeCard(ctx, job); cards.set(job.key, card); }
      card.update(job);
      if (grid.children[i] !== card.el) grid.insertBefore(card.el, grid.children[i] || null);
    });
    empty.hidden = jobs.length > 0;
    more.hidden = shown.length <= limit;
    more.textContent = `Show more (${shown.length - limit} hidden)`;
    tick();
  }
  function tick() {
    const now = kernelNow();
    let active = false;
    for (const card of cards.values()) active = card.tick(now) || active;
    return active;
  }
  const timer = setInterval(tick, 250);
  return { el, update: draw, dispose: () => clearInterval(timer), cards };
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
