import assert from "node:assert/strict";
import { RateLimiter } from "./rate_limiter.ts";

function limiter(kv: Deno.Kv, now: () => number, instanceId: string): RateLimiter {
  return new RateLimiter({
    name: "requests",
    ratePerSecond: 1,
    burst: 10,
    kv,
    instanceId,
    now,
  });
}

function takeAll(limiter: RateLimiter, tenant: string): number {
  let taken = 0;
  while (limiter.take(tenant).ok) taken++;
  return taken;
}

Deno.test("a tenant over its rate is refused with the wait; another tenant is not", async () => {
  using kv = await Deno.openKv(":memory:");
  const t = 0;
  const requests = limiter(kv, () => t, "a");
  assert.equal(takeAll(requests, "alice"), 10);
  assert.deepEqual(requests.take("alice"), { ok: false, retryAfterMs: 1000 });
  assert.deepEqual(requests.take("bob"), { ok: true });
});

Deno.test("two instances on one KV share a tenant's budget after a sync", async () => {
  using kv = await Deno.openKv(":memory:");
  let t = 0;
  const a = limiter(kv, () => t, "instance-a");
  const b = limiter(kv, () => t, "instance-b");
  assert.ok(a.take("alice").ok);
  assert.ok(b.take("alice").ok);
  await a.sync();
  await b.sync(); // both know each other now

  for (let i = 0; i < 7; i++) assert.ok(a.take("alice").ok);
  await a.sync();
  await b.sync();
  // Of the 10-token burst, 9 are spent across the instances: one is left on b.
  assert.equal(takeAll(b, "alice"), 1);
  // Nothing is published while nothing changes; the sync is a no-op for idle tenants.
  t += 60_000;
  await b.sync();
  assert.equal(takeAll(b, "alice"), 10);
});

Deno.test("the sustained rate holds across two instances", async () => {
  using kv = await Deno.openKv(":memory:");
  let t = 0;
  const a = limiter(kv, () => t, "instance-a");
  const b = limiter(kv, () => t, "instance-b");
  a.take("alice");
  b.take("alice");
  await a.sync();
  await b.sync();
  let allowed = 0;
  // 60 s of both instances taking all they can, syncing every second.
  for (let second = 0; second < 60; second++) {
    t += 1000;
    allowed += takeAll(a, "alice") + takeAll(b, "alice");
    await a.sync();
    await b.sync();
  }
  // One token per second globally (plus the burst and one sync interval of lag per instance).
  assert.ok(allowed <= 60 + 10 + 2 * 2, `allowed ${allowed}`);
  assert.ok(allowed >= 60, `allowed ${allowed}`);
});

Deno.test("sync is due once per interval and runs one at a time", async () => {
  using kv = await Deno.openKv(":memory:");
  let t = 0;
  const a = limiter(kv, () => t, "a");
  assert.equal(a.syncDue, false);
  t += 1000;
  assert.equal(a.syncDue, true);
  a.take("alice");
  const first = a.sync();
  assert.equal(a.sync(), first);
  assert.equal(a.syncDue, false);
  await first;
  const published = await kv.get<{ spent: number }>(["limits", "rate", "requests", "alice", "a"]);
  assert.equal(published.value?.spent, 1);
});
