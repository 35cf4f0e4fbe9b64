// Requests to Python (widgets/static/channel.js): answered, refused, timed out, aborted.
import assert from "node:assert/strict";
import { test } from "node:test";

import { RequestError, mediaStore, requester } from "../../sora_notebook/widgets/static/channel.js";

// The part of anywidget's model the requester uses, with what the page sent.
function model() {
  const handlers = new Set();
  return {
    sent: [],
    on: (event, fn) => handlers.add(fn),
    off: (event, fn) => handlers.delete(fn),
    send(content, callbacks, buffers) { this.sent.push({ content, buffers }); },
    reply: (content, buffers) => { for (const fn of [...handlers]) fn(content, buffers); },
    listening: () => handlers.size,
  };
}

test("a reply resolves its own request only, with its buffers", async () => {
  const m = model();
  const rpc = requester(m);
  const first = rpc.request("jobs", { a: 1 });
  const second = rpc.request("media");
  const [one, two] = m.sent.map((s) => s.content);
  assert.equal(one.kind, "request");
  assert.deepEqual([one.method, one.args], ["jobs", { a: 1 }]);
  assert.notEqual(one.id, two.id);
  const bytes = new ArrayBuffer(3);
  m.reply({ kind: "reply", id: two.id, ok: true, result: { n: 2 } }, [bytes]);
  assert.deepEqual(await second, { result: { n: 2 }, buffers: [bytes] });
  m.reply({ kind: "reply", id: one.id, ok: true, result: 1 });
  assert.equal((await first).result, 1);
  rpc.dispose();
});

test("a refusal rejects with its message and the fields at fault", async () => {
  const m = model();
  const rpc = requester(m);
  const asked = rpc.request("generate");
  m.reply({ kind: "reply", id: m.sent[0].content.id, ok: false, error: "Too long.", problems: { prompt: "Too long." } });
  await assert.rejects(asked, (err) => err instanceof RequestError && err.message === "Too long." && err.problems.prompt === "Too long.");
  rpc.dispose();
});

test("no answer in time fails with what to check, and a late answer is ignored", async () => {
  const m = model();
  const rpc = requester(m);
  const asked = rpc.request("slow", {}, [], { timeout: 20 });
  await assert.rejects(asked, /No answer from the kernel to "slow" within 0 s; is it busy or stopped\?/);
  m.reply({ kind: "reply", id: m.sent[0].content.id, ok: true, result: 1 }); // no throw
  rpc.dispose();
});

test("an abort cancels the request; an aborted signal sends nothing", async () => {
  const m = model();
  const rpc = requester(m);
  const control = new AbortController();
  const asked = rpc.request("media", {}, [], { signal: control.signal });
  control.abort();
  await assert.rejects(asked, /The request "media" was cancelled./);
  await assert.rejects(rpc.request("media", {}, [], { signal: control.signal }), /cancelled/);
  assert.equal(m.sent.length, 1);
  rpc.dispose();
});

test("dispose rejects what is pending and stops listening", async () => {
  const m = model();
  const rpc = requester(m);
  const asked = rpc.request("jobs");
  rpc.dispose();
  await assert.rejects(asked, /The view was closed./);
  assert.equal(m.listening(), 0);
});

test("media asked within 40 ms go out as one batch; a failure is asked again later", async () => {
  const m = model();
  const rpc = requester(m);
  const store = mediaStore(rpc);
  const a = store.url({ key: "a" }, "video");
  const b = store.url({ key: "b" }, "thumbnail");
  assert.equal(store.url({ key: "a" }, "video"), a); // one promise per item
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(m.sent.length, 1);
  const ask = m.sent[0].content;
  assert.deepEqual(ask.args.items, [["a", "video"], ["b", "thumbnail"]]);
  const bytes = new TextEncoder().encode("mp4").buffer;
  m.reply({ kind: "reply", id: ask.id, ok: true, result: { items: [{ buffer: 0, mime: "video/mp4" }, { error: "gone" }] } }, [bytes]);
  const url = await a;
  assert.match(url, /^blob:/);
  assert.equal(await (await fetch(url)).text(), "mp4");
  await assert.rejects(b, /gone/);
  store.url({ key: "b" }, "thumbnail").catch(() => {}); // asked again, not the failure kept
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(m.sent[1].content.args.items, [["b", "thumbnail"]]);
  store.dispose();
  rpc.dispose(); // the unanswered second batch, and its timer, go
});
