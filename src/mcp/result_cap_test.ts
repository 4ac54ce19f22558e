import assert from "node:assert/strict";
import { ResultStore } from "../results/result_store.ts";
import type { ToolEntry } from "../tools/catalog.ts";
import { cappedOutputResult } from "./result_cap.ts";

const tool = { name: "crm_list" } as ToolEntry;
const big = { items: Array.from({ length: 500 }, (_, i) => ({ id: i, name: `item ${i}` })) };

function texts(result: { content: { type: string; text?: string }[] }): string[] {
  return result.content.map((part) => part.text ?? part.type);
}

Deno.test("a result that fits is left whole, with its run id", async () => {
  using kv = await Deno.openKv(":memory:");
  const store = new ResultStore({ kv, ttlMs: 60_000 });
  const result = await cappedOutputResult(big, tool, { actionRunId: "r1" }, "t", {
    store,
    maxBytes: 100_000,
  });
  assert.deepEqual(result.structuredContent, big);
  assert.deepEqual(result._meta, { actionRunId: "r1" });
  assert.equal(result.content.length, 1);
});

Deno.test("a cut result is kept for its tenant only, and says how to read the rest", async () => {
  using kv = await Deno.openKv(":memory:");
  const store = new ResultStore({ kv, ttlMs: 60_000 });
  const result = await cappedOutputResult(big, tool, {}, "tenant-a", { store, maxBytes: 2000 });
  const { handle } = result._meta?.resultCut as { handle: string };
  assert.match(texts(result)[1] ?? "", /kept for 1 minute: call read-result/);
  assert.equal((await store.load("tenant-a", handle))?.text, JSON.stringify(big));
  assert.equal(await store.load("tenant-b", handle), undefined);
  assert.equal(await store.load("tenant-a", "../../etc"), undefined);
});

Deno.test("when the full result cannot be kept, the cut result says so", async () => {
  const store = {
    ttlMs: 60_000,
    save: () => Promise.reject(new Error("database is locked")),
  } as unknown as ResultStore;
  const result = await cappedOutputResult(big, tool, {}, "t", { store, maxBytes: 2000 });
  assert.equal(result.isError, undefined);
  assert.match(texts(result)[1] ?? "", /could not be kept \(storage is unavailable\)/);
  assert.equal(result._meta?.resultCut, undefined);
});
