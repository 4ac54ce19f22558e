import assert from "node:assert/strict";
import { createLogger } from "../log.ts";
import { healthResponse } from "./health.ts";

const silent = createLogger("silent");

Deno.test("healthz is ready when KV answers", async () => {
  using kv = await Deno.openKv(":memory:");
  const response = await healthResponse(kv, silent);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("cache-control"), "no-store");
  assert.deepEqual(await response.json(), { status: "ok" });
});

Deno.test("healthz reports 503 when KV fails", async () => {
  const kv = await Deno.openKv(":memory:");
  kv.close();
  const lines: string[] = [];
  const response = await healthResponse(kv, createLogger("warn", (line) => lines.push(line)));
  assert.equal(response.status, 503);
  assert.deepEqual(await response.json(), {
    status: "unavailable",
    reason: "Deno KV did not answer",
  });
  assert.equal(JSON.parse(lines[0] ?? "{}").msg, "health check failed");
});

Deno.test("healthz reports 503 when KV does not answer in time", async () => {
  let release: () => void = () => {};
  const hanging = new Promise<void>((resolve) => release = resolve);
  const kv = { get: () => hanging.then(() => ({ key: [], value: null, versionstamp: null })) };
  const response = await healthResponse(kv as unknown as Deno.Kv, silent, 5);
  release();
  assert.equal(response.status, 503);
  await response.body?.cancel();
});
