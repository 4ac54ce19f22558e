import assert from "node:assert/strict";
import { createLogger } from "../log.ts";
import { BackgroundTasks } from "../util/background.ts";
import { CallLog, loggedValues } from "./call_log.ts";

function callLog(kv: Deno.Kv, background: BackgroundTasks, maxPerTenant = 1000): CallLog {
  return new CallLog({
    kv,
    logger: createLogger("silent"),
    background,
    ttlMs: 60_000,
    maxPerTenant,
    logArgumentValues: false,
  });
}

Deno.test("recording returns before anything is written; the batch lands in the background", async () => {
  using kv = await Deno.openKv(":memory:");
  const background = new BackgroundTasks();
  const log = callLog(kv, background);
  let commits = 0;
  const atomic = kv.atomic.bind(kv);
  kv.atomic = () => {
    commits++;
    return atomic();
  };
  for (let i = 0; i < 30; i++) {
    log.record("t1", { tool: `tool-${i}`, era: "sessions", status: "ok", durationMs: 1 });
  }
  assert.equal(commits, 0, "no KV write on the call's path");
  await background.drain();
  assert.equal(commits, 1, "one batched write");
  const page = await log.list("t1", { limit: 50 });
  assert.equal(page.calls.length, 30);
  assert.equal(page.calls[0]?.tool, "tool-29");
  assert.deepEqual(await log.list("t2", { limit: 50 }), { calls: [], nextCursor: null });
});

Deno.test("argument values are redacted where fields look like credentials, and bounded", () => {
  assert.deepEqual(loggedValues({ q: "x", nested: { accessToken: "t", n: 1 }, api_key: "k" }), {
    q: "x",
    nested: { accessToken: "[redacted]", n: 1 },
    api_key: "[redacted]",
  });
  const big = loggedValues({ text: "x".repeat(10_000) });
  assert.ok(JSON.stringify(big).length < 2100);
});
