import assert from "node:assert/strict";
import { type SessionRecord, SessionStore } from "./session_store.ts";

function session(overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: "s1",
    tenant: "t1",
    mode: "dynamic",
    apps: null,
    enabledTools: [],
    createdAt: 0,
    lastSeenAt: 0,
    ...overrides,
  };
}

Deno.test("a late touch never overwrites a newer enabled set", async () => {
  using kv = await Deno.openKv(":memory:");
  let now = 1_000_000;
  const store = new SessionStore({ kv, sessionTtlMs: 600_000, chatTtlMs: 600_000, now: () => now });
  await store.createSession(session({ lastSeenAt: now }));
  const readByListRequest = await store.getSession("t1", "s1");
  assert.ok(readByListRequest);
  const readByEnableRequest = await store.getSession("t1", "s1");
  assert.ok(readByEnableRequest);
  await store.saveSession({ ...readByEnableRequest, enabledTools: ["gmail_send-email"] });
  now += store.touchIntervalMs + 1;
  await store.touchSession(readByListRequest);
  assert.deepEqual((await store.getSession("t1", "s1"))?.enabledTools, ["gmail_send-email"]);
});

Deno.test("touches are written at most once per interval", async () => {
  using kv = await Deno.openKv(":memory:");
  let now = 1_000_000;
  const store = new SessionStore({ kv, sessionTtlMs: 600_000, chatTtlMs: 600_000, now: () => now });
  await store.createSession(session({ lastSeenAt: now }));
  now += 1000;
  await store.touchSession((await store.getSession("t1", "s1"))!);
  assert.equal((await store.getSession("t1", "s1"))?.lastSeenAt, 1_000_000);
  now += store.touchIntervalMs;
  await store.touchSession((await store.getSession("t1", "s1"))!);
  assert.equal((await store.getSession("t1", "s1"))?.lastSeenAt, now);
});
