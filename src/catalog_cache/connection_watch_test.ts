import assert from "node:assert/strict";
import type { ConnectionRequest, IntegrationAppApi } from "../integration_app/types.ts";
import { ConnectionWatch } from "./connection_watch.ts";

function apiAnswering(statuses: Record<string, string>, polls: string[]): IntegrationAppApi {
  return {
    getConnectionRequest: (id: string) => {
      polls.push(id);
      return Promise.resolve({ id, url: "u", status: statuses[id] } as ConnectionRequest);
    },
  } as unknown as IntegrationAppApi;
}

Deno.test("a completed connection request is reported once, polls are spaced by the interval", async () => {
  let now = 1_000;
  const watch = new ConnectionWatch({ pollIntervalMs: 2_000, now: () => now });
  const statuses: Record<string, string> = { cr1: "pending" };
  const polls: string[] = [];
  const api = apiAnswering(statuses, polls);
  assert.equal(await watch.completed("t", api), false, "nothing watched: no poll");
  assert.equal(polls.length, 0);

  await watch.expect("t", { id: "cr1", url: "u" });
  assert.equal(await watch.completed("t", api), false);
  assert.equal(await watch.completed("t", api), false, "within the interval");
  assert.equal(polls.length, 1);

  statuses.cr1 = "completed";
  now += 2_000;
  assert.equal(await watch.completed("t", api), true);
  assert.equal(watch.has("t"), false);
  now += 2_000;
  assert.equal(await watch.completed("t", api), false);
  assert.equal(polls.length, 2);
});

Deno.test("abandoned and outlived requests stop being watched", async () => {
  let now = 0;
  const watch = new ConnectionWatch({ pollIntervalMs: 1, watchForMs: 100, now: () => now });
  const polls: string[] = [];
  const api = apiAnswering({ a: "expired", b: "pending" }, polls);
  await watch.expect("t", { id: "a", url: "u" });
  await watch.expect("t", { id: "b", url: "u" });
  assert.equal(await watch.completed("t", api), false);
  assert.deepEqual(polls, ["a", "b"]);
  now = 200;
  assert.equal(await watch.completed("t", api), false);
  assert.equal(watch.has("t"), false);
  assert.deepEqual(polls, ["a", "b"]);
});

Deno.test("a pending request is reused for the same target for a while, then made anew", async () => {
  let now = 0;
  const watch = new ConnectionWatch({ now: () => now });
  const request = { id: "cr1", url: "https://connect/cr1" };
  await watch.expect("t", request, "gmail");
  assert.equal(watch.reusable("t", "gmail"), request);
  assert.equal(watch.reusable("t", "slack"), undefined);
  assert.equal(watch.reusable("other", "gmail"), undefined, "per customer");
  now += 10 * 60 * 1000;
  assert.equal(watch.reusable("t", "gmail"), undefined);
});

Deno.test("a request nobody finishes is polled less often after a while", async () => {
  let now = 0;
  const watch = new ConnectionWatch({
    pollIntervalMs: 2_000,
    slowPollIntervalMs: 15_000,
    recentForMs: 60_000,
    now: () => now,
  });
  const polls: string[] = [];
  const api = apiAnswering({ cr1: "pending" }, polls);
  await watch.expect("t", { id: "cr1", url: "u" });
  for (now = 0; now < 120_000; now += 1_000) await watch.completed("t", api);
  // 30 polls in the first minute (every 2 s), 4 in the second (every 15 s).
  assert.equal(polls.length, 30 + 4);
  assert.equal(await watch.completed("t", api, { force: true }), false);
  assert.equal(polls.length, 35, "force polls at once");
});

Deno.test("instances sharing KV learn of each other's requests and of their completion", async () => {
  using kv = await Deno.openKv(":memory:");
  let now = 0;
  const a = new ConnectionWatch({ kv, shareIntervalMs: 1_000, now: () => now });
  const b = new ConnectionWatch({ kv, shareIntervalMs: 1_000, now: () => now });
  const c = new ConnectionWatch({ kv, shareIntervalMs: 1_000, now: () => now });
  const statuses: Record<string, string> = { cr1: "pending" };
  const polls: string[] = [];
  const api = apiAnswering(statuses, polls);
  await a.expect("t", { id: "cr1", url: "u" });

  // B finds A's request in KV and watches it too.
  assert.equal(await b.completed("t", api), false);
  assert.deepEqual(polls, ["cr1"]);

  statuses.cr1 = "completed";
  now += 2_000;
  assert.equal(await b.completed("t", api), true, "B polls and sees it complete");
  // A learns from KV that it completed (without asking Integration.app), once.
  const before = polls.length;
  now += 2_000;
  assert.equal(await a.completed("t", api), true);
  assert.equal(await c.completed("t", api), true, "C never saw the request, only its completion");
  now += 2_000;
  assert.equal(await a.completed("t", api), false);
  assert.equal(await c.completed("t", api), false);
  assert.equal(polls.length, before, "nobody asked Integration.app again");
  assert.equal(await b.completed("other", api), false, "per customer");
});
