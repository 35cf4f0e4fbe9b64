// The page's progress (widgets/static/progress.js) against tests/vectors/progress.json,
// the vectors studio/progress.py is held to as well.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { CEILING, progressAt, timeText } from "../../sora_notebook/widgets/static/progress.js";

const V = JSON.parse(readFileSync(new URL("../vectors/progress.json", import.meta.url), "utf-8"));
const near = (got, want, what) => assert.ok(Math.abs(got - want) <= V.tolerance, `${what}: ${got} is not ${want}`);

test("the ceiling is the engine's", () => assert.equal(CEILING, V.ceiling));

test("progressAt draws Progress.at's line", () => {
  for (const c of V.at) near(progressAt([...c.p, "server"], c.t), c.expect, `${JSON.stringify(c.p)} at ${c.t}`);
  assert.equal(progressAt(null, 5), 0);
});

test("the card's words", () => {
  for (const c of V.words) assert.equal(timeText(c.job, c.now, c.fraction), c.expect, c.name);
});

// The card as the page draws it: the newest message's line, never below what it showed.
function animate(run) {
  const start = run.reads[0];
  const samples = [];
  let shown = -1;
  let i = -1;
  for (let t = start; t <= run.reads[run.reads.length - 1] + 0.75; t += 0.25) {
    const before = i < 0 ? 0 : Math.max(shown, progressAt(run.expect[i], t)); // on the old line
    while (i + 1 < run.reads.length && run.reads[i + 1] <= t + 1e-9) i += 1;
    const p = run.expect[i];
    shown = Math.max(before, progressAt(p, t));
    const job = { status: "in_progress", submitted: start, p, tags: [], prompt: "", key: "k" };
    samples.push({ t, shown, jump: shown - before, basis: p[3], text: timeText(job, t, shown) });
  }
  return samples;
}

for (const run of V.runs) {
  test(`run: ${run.name}`, () => {
    const samples = animate(run);
    for (const s of samples) assert.ok(s.jump <= V.max_step + V.tolerance, `a jump of ${s.jump} at ${s.t}`);
    for (const [t, words] of Object.entries(run.words)) {
      const at = samples.find((s) => Math.abs(s.t - Number(t)) < 1e-6);
      assert.ok(at, `no sample at ${t}`);
      assert.equal(at.text, words, `words at ${t}`);
    }
    const late = samples.findIndex((s) => s.basis === "overdue");
    if (late >= 0) for (const s of samples.slice(late)) assert.doesNotMatch(s.text, /left|\d%/, `a number while overdue at ${s.t}`);
    let oneLeft = 0;
    for (const s of samples) {
      oneLeft = /about 1 s left/.test(s.text) ? oneLeft + 1 : 0;
      assert.ok(oneLeft <= 8, `"about 1 s left" for over 2 s at ${s.t}`);
    }
    if (run.history === null) assert.ok(samples.every((s) => !/earlier videos/.test(s.text)), "evidence claimed");
  });
}
