// The job list in the page (widgets/static/jobs.js): patches, filters, order.
import assert from "node:assert/strict";
import { test } from "node:test";

import { NOBODY, byPrompt, keep, ordered, patchJobs } from "../../sora_notebook/widgets/static/jobs.js";

const job = (key, fields = {}) => ({ key, status: "completed", prompt: key, submitted: 0, tags: [], ...fields });
const keys = (jobs) => jobs.map((j) => j.key);

test("a patch replaces, updates fields, removes and appends in order", () => {
  const jobs = [job("a", { rating: 1 }), job("b"), job("c")];
  const next = patchJobs(jobs, {
    changed: [job("d"), job("b", { prompt: "new b" })],
    fields: [{ key: "a", rating: 5 }, { key: "gone", rating: 2 }],
    removed: ["c"],
  });
  assert.deepEqual(keys(next), ["a", "b", "d"]);
  assert.equal(next[0].rating, 5);
  assert.equal(next[0].prompt, "a"); // fields update only what they name
  assert.equal(next[1].prompt, "new b");
  assert.equal(jobs[0].rating, 1); // the old list is left as it was
});

test("a patch's order wins, and names only jobs that exist", () => {
  const next = patchJobs([job("a"), job("b")], { order: ["b", "x", "a"] });
  assert.deepEqual(keys(next), ["b", "a"]);
});

const ALL = { q: "", status: "all", rating: "any", tag: "", group: false };

test("filters: search, status, rating, tag", () => {
  const fox = job("fox", { prompt: "A Red Fox", rating: 4, tags: ["Animals"] });
  const heron = job("heron", { status: "in_progress", rating: 0 });
  const failed = job("x", { status: "failed", error: "refused" });
  assert.ok(keep(fox, { ...ALL, q: "red fox" }));
  assert.ok(!keep(heron, { ...ALL, q: "fox" }));
  assert.deepEqual([fox, heron, failed].filter((j) => keep(j, { ...ALL, status: "active" })), [heron]);
  assert.deepEqual([fox, heron, failed].filter((j) => keep(j, { ...ALL, status: "failed" })), [failed]);
  assert.ok(keep(fox, { ...ALL, rating: "4" }) && !keep(fox, { ...ALL, rating: "5" }));
  assert.ok(keep(heron, { ...ALL, rating: "unrated" }) && !keep(fox, { ...ALL, rating: "unrated" }));
  assert.ok(keep(fox, { ...ALL, tag: "anim" }) && !keep(heron, { ...ALL, tag: "anim" }));
});

test("the person filter, with jobs from before people were kept", () => {
  const ann = job("a", { person: "ann" });
  const old = job("o", { person: null });
  assert.deepEqual([ann, old].filter((j) => keep(j, { ...ALL, person: "ann" })), [ann]);
  assert.deepEqual([ann, old].filter((j) => keep(j, { ...ALL, person: NOBODY })), [old]);
  assert.equal([ann, old].filter((j) => keep(j, ALL)).length, 2);
});

test("newest first; grouped, each lineage together under its newest job", () => {
  const jobs = [
    job("root1", { submitted: 1 }),
    job("root2", { submitted: 2 }),
    job("kid1", { submitted: 3, parent: "root1" }),
    job("grandkid1", { submitted: 5, parent: "kid1" }),
    job("kid2", { submitted: 4, parent: "root2" }),
  ];
  assert.deepEqual(keys(ordered(jobs, false)), ["grandkid1", "kid2", "kid1", "root2", "root1"]);
  assert.deepEqual(keys(ordered(jobs, true)), ["root1", "kid1", "grandkid1", "root2", "kid2"]);
});

test("a parent cycle does not hang grouping", () => {
  const jobs = [job("a", { parent: "b", submitted: 1 }), job("b", { parent: "a", submitted: 2 })];
  assert.equal(ordered(jobs, true).length, 2);
});

test("the person filter: one person's jobs, or those made before people were kept", () => {
  const ana = job("a", { person: "ana" });
  const ben = job("b", { person: "ben" });
  const old = job("c", { person: null });
  assert.deepEqual(keys([ana, ben, old].filter((j) => keep(j, { ...ALL, person: "ana" }))), ["a"]);
  assert.deepEqual(keys([ana, ben, old].filter((j) => keep(j, { ...ALL, person: NOBODY }))), ["c"]);
  assert.equal([ana, ben, old].filter((j) => keep(j, { ...ALL, person: "" })).length, 3);
});

test("a row per prompt, a column per model", () => {
  const jobs = [
    job("a1", { prompt: "fox", target: "e:amber", submitted: 1 }),
    job("n1", { prompt: "fox", target: "e:noir", submitted: 2 }),
    job("n2", { prompt: "sea", target: "e:noir", submitted: 3 }),
  ];
  const table = byPrompt(jobs);
  assert.deepEqual(table.targets, ["e:amber", "e:noir"]);
  assert.deepEqual(keys(table.jobs), ["n2", "a1", "n1"]); // the newest prompt first
  assert.deepEqual([...table.columns.entries()], [["n2", 2], ["a1", 1], ["n1", 2]]);
});
