// Words and numbers as the view shows them (widgets/static/format.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { billedText, duration, money, short } from "../../sora_notebook/widgets/static/format.js";

test("duration rounds to seconds, then minutes, then hours", () => {
  assert.equal(duration(0), "0 s");
  assert.equal(duration(59.4), "59 s");
  assert.equal(duration(59.5), "1 min 00 s");
  assert.equal(duration(125), "2 min 05 s");
  assert.equal(duration(3600 + 7 * 60 + 30), "1 h 07 min");
  for (const unknown of [null, undefined, -1]) assert.equal(duration(unknown), "—");
});

test("money has two decimals and says unknown rather than $0.00", () => {
  assert.equal(money(0.4), "$0.40");
  assert.equal(money(12), "$12.00");
  assert.equal(money(null), "unknown");
  assert.equal(money(undefined), "unknown");
});

test("billed, quoted, not billed or nothing", () => {
  assert.equal(billedText({ billed: 0, cost: 0.4 }), "not billed");
  assert.equal(billedText({ billed: 1.2, cost: 0.4 }), "billed $1.20");
  assert.equal(billedText({ billed: null, cost: 0.4 }), "quote $0.40");
  assert.equal(billedText({ billed: null, cost: null }), "");
});

test("short folds whitespace and cuts with an ellipsis", () => {
  assert.equal(short("  a\n\tred   fox ", 24), "a red fox");
  assert.equal(short("abcdefghij", 5), "abcd…");
  assert.equal(short(null, 5), "");
  assert.equal(short("abcde", 5), "abcde");
});
