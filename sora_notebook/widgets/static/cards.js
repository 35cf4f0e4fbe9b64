// The card grid: one keyed card per job, filtered, searched and grouped in the page;
// progress animated between messages from the Progress formula's parameters.

import { rovingGrid } from "./roving.js";
import { makeCard } from "./card.js";
import { button, fillSelect, labelled, make } from "./dom.js";
import { NOBODY, byPrompt, keep, ordered } from "./jobs.js";
import { kernelNow } from "./progress.js";

const PAGE = 24;

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
  const person = make("select");
  const personBox = labelled("Person", person, "sn-filter-person");
  const group = make("input");
  group.type = "checkbox";
  const byModel = make("input");
  byModel.type = "checkbox";
  const rejected = make("input");
  rejected.type = "checkbox";
  bar.append(labelled("Search", search, "sn-search"), labelled("Status", status, "sn-filter-status"),
    labelled("Rating", rating, "sn-filter-rating"), labelled("Tag", tag, "sn-filter-tag"), personBox,
    labelled("Group by lineage", group, "sn-group"), labelled("A row per prompt, a column per model", byModel, "sn-by-prompt"), labelled("Show refused requests in the tree", rejected, "sn-show-rejected"));
  for (const c of [search, tag]) c.addEventListener("input", redraw);
  for (const c of [status, rating, group, person, byModel]) c.addEventListener("change", redraw);
  rejected.addEventListener("change", () => ctx.rpc.request("prefs", { show_rejected: rejected.checked }));
  const duel = button("Blind duel", "sn-duel-all", "Judge finished videos two by two without labels (keys 1, 2, 0)");
  duel.addEventListener("click", () => ctx.rpc.request("duel", {}).catch((err) => ctx.say(err.message, "error")));
  bar.append(duel);
  const filters = () => ({ q: search.value.trim().toLowerCase(), status: status.value, rating: rating.value, tag: tag.value.trim().toLowerCase(), group: group.checked, person: person.value, byPrompt: byModel.checked });
  let peopleSeen = null;
  const syncPeople = () => {
    // Shown when two or more people made videos in this library: "Everyone", then each.
    const people = ctx.model.get("people") || [];
    if (people === peopleSeen) return;
    peopleSeen = people;
    personBox.hidden = people.length < 2;
    const chosen = person.value;
    const values = ["", ...people.map((p) => p.person ?? NOBODY)];
    const labels = { "": "Everyone" };
    for (const p of people) {
      const who = p.person === null ? "earlier (no name)" : p.me ? `you (${p.person})` : p.person;
      labels[p.person ?? NOBODY] = `${who}: ${p.jobs}`;
    }
    fillSelect(person, values, labels);
    person.value = values.includes(chosen) ? chosen : "";
  };
  return { bar, filters, sync: () => { rejected.checked = Boolean(ctx.model.get("prefs").show_rejected); syncPeople(); } };
}

export function cardGrid(ctx) {
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
  const announce = announcer();
  el.append(announce.el);
  const roving = rovingGrid(grid);
  function draw() {
    tools.sync();
    const f = tools.filters();
    const jobs = ctx.model.get("jobs");
    announce.update(jobs);
    const kept = jobs.filter((j) => keep(j, f));
    const table = f.byPrompt ? byPrompt(kept) : null;
    const shown = table ? table.jobs : ordered(kept, f.group);
    grid.classList.toggle("sn-by-prompt", Boolean(table));
    grid.style.setProperty("--sn-columns", String(table ? table.targets.length : 1));
    const page = shown.slice(0, limit);
    const keys = new Set(page.map((j) => j.key));
    for (const [key, card] of cards) if (!keys.has(key)) { card.el.remove(); cards.delete(key); }
    page.forEach((job, i) => {
      let card = cards.get(job.key);
      if (!card) { card = makeCard(ctx, job); cards.set(job.key, card); }
      card.update(job);
      card.el.style.gridColumn = table ? String(table.columns.get(job.key)) : "";
      if (grid.children[i] !== card.el) grid.insertBefore(card.el, grid.children[i] || null);
    });
    empty.hidden = jobs.length > 0;
    more.hidden = shown.length <= limit;
    more.textContent = `Show more (${shown.length - limit} hidden)`;
    roving.refresh();
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

// Screen readers hear when a video finishes or fails (a polite live region), once each;
// the jobs already final when the view opens are not announced.
function announcer() {
  const el = make("div", "sn-sr-only");
  el.setAttribute("aria-live", "polite");
  el.dataset.testid = "sn-announce";
  /** @type {Map<string, string> | null} */
  let seen = null;
  const update = (/** @type {{key: string, status: string, prompt: string}[]} */ jobs) => {
    const said = [];
    for (const j of jobs) {
      const before = seen && seen.get(j.key);
      if (seen && before !== j.status && (j.status === "completed" || j.status === "failed")) {
        said.push(`${j.status === "completed" ? "Finished" : "Failed"}: ${j.prompt.slice(0, 80)}`);
      }
    }
    seen = new Map(jobs.map((j) => [j.key, j.status]));
    if (said.length) el.textContent = said.length > 3 ? `${said.length} videos finished or failed.` : said.join(". ");
  };
  return { el, update };
}

