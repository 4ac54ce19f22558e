import assert from "node:assert/strict";
import { clip, summarizeMethods } from "./text.ts";

Deno.test("clip keeps short text and cuts long text with an ellipsis", () => {
  assert.equal(clip("tools/list", 64), "tools/list");
  assert.equal(clip("x".repeat(100), 10), `${"x".repeat(9)}…`);
  assert.equal(clip("x".repeat(4_000_000), 64).length, 64);
});

Deno.test("a request's methods are summarized in bounded space", () => {
  assert.equal(summarizeMethods(["tools/call", "tools/call", "ping"]), "tools/call,ping");
  const flood = Array.from({ length: 100 }, (_, i) => `${i}`.padEnd(41_000, "m"));
  const summary = summarizeMethods(flood);
  assert.ok(summary.length < 4 * 65 + 20, `${summary.length}`);
  assert.match(summary, /,\+96 more$/);
});
