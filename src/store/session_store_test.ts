import assert from "node:assert/strict";
import { SessionStore } from "./session_store.ts";
import { sessionRecord as session } from "./testdata/sessions.ts";

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

/**
 * A store on `kv` as a slow remote KV, at the time `now()` tells: after `holdNextChatRead()`,
 * the next read of a chat answers only once `release` is called (`started` resolves when that
 * read has begun). Session `s1` exists, in chat `chat`.
 */
async function storeWithHeldChatReads(kv: Deno.Kv, now: () => number) {
  let hold: Promise<void> | undefined;
  let held = () => {};
  const slow = new Proxy(kv, {
    get(target, prop) {
      if (prop === "get") {
        return async (key: Deno.KvKey) => {
          // The read that starts first waits (not the one whose answer comes back first).
          const waiting = key[0] === "chats" ? hold : undefined;
          if (waiting) {
            hold = undefined;
            held();
          }
          const entry = await target.get(key);
          await waiting;
          return entry;
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const store = new SessionStore({ kv: slow, sessionTtlMs: 600_000, chatTtlMs: 600_000, now });
  await store.createSession(session({ id: "s1", chatId: "chat", lastSeenAt: now() }));
  return {
    store,
    holdNextChatRead(): { started: Promise<void>; release: () => void } {
      let release!: () => void;
      hold = new Promise((resolve) => release = resolve);
      const started = new Promise<void>((resolve) => held = resolve);
      return { started, release };
    },
  };
}

Deno.test("a save that read the chat before a re-initialize never points the chat back", async () => {
  using kv = await Deno.openKv(":memory:");
  const now = 1_000_000;
  const slow = await storeWithHeldChatReads(kv, () => now);
  const store = slow.store;
  const { started, release } = slow.holdNextChatRead();
  const oldSave = store.saveSession(
    session({ id: "s1", chatId: "chat", lastSeenAt: now, enabledTools: ["a"] }),
  );
  await started; // the save has read the chat; the re-initialize comes after that read
  await store.createSession(session({ id: "s2", chatId: "chat", lastSeenAt: now }));
  release();
  await oldSave;
  assert.equal((await store.getChat("t1", "chat"))?.sessionId, "s2");
  assert.deepEqual((await store.getSession("t1", "s1"))?.enabledTools, ["a"]);
});

Deno.test("a session ended while its chat is refreshed is still ended, with its chat", async () => {
  using kv = await Deno.openKv(":memory:");
  let now = 1_000_000;
  const slow = await storeWithHeldChatReads(kv, () => now);
  const store = slow.store;
  const read = await store.getSession("t1", "s1");
  assert.ok(read);
  const { started, release } = slow.holdNextChatRead();
  const ending = store.deleteSession(read);
  await started; // the delete has read the chat; a touch refreshes it before the delete commits
  now += store.touchIntervalMs;
  await store.touchSession(read);
  release();
  await ending;
  assert.equal(await store.getSession("t1", "s1"), undefined);
  assert.equal(await store.getChat("t1", "chat"), undefined);
});

Deno.test("a stateless chat is created, touched at most once per interval, and keeps a 2025 session it points to", async () => {
  using kv = await Deno.openKv(":memory:");
  let now = 1_000_000;
  const store = new SessionStore({ kv, sessionTtlMs: 600_000, chatTtlMs: 600_000, now: () => now });
  const fields = { mode: "dynamic" as const, apps: null };
  const created = await store.touchStatelessChat("t1", "c1", fields, undefined);
  assert.equal(created.sessionId, "stateless");
  assert.deepEqual(created.enabledTools, []);
  now += 1000;
  assert.equal(await store.touchStatelessChat("t1", "c1", fields, created), created, "no write");
  assert.equal((await store.getChat("t1", "c1"))?.lastSeenAt, 1_000_000);
  const enabled = await store.touchStatelessChat(
    "t1",
    "c1",
    { ...fields, enabledTools: ["gmail_send-email"] },
    created,
  );
  assert.deepEqual((await store.getChat("t1", "c1"))?.enabledTools, ["gmail_send-email"]);
  now += store.touchIntervalMs;
  await store.touchStatelessChat("t1", "c1", fields, enabled);
  assert.equal((await store.getChat("t1", "c1"))?.lastSeenAt, now);

  await store.createSession(session({ id: "s9", chatId: "c2", lastSeenAt: now }));
  const chat = await store.getChat("t1", "c2");
  await store.touchStatelessChat("t1", "c2", { ...fields, enabledTools: ["x"] }, chat);
  assert.equal((await store.getChat("t1", "c2"))?.sessionId, "s9");
});

/** `kv` with its `get` calls counted, and each one held while `hold` is set. */
function countedKv(kv: Deno.Kv) {
  const state = { gets: 0, hold: undefined as Promise<void> | undefined };
  const counted = new Proxy(kv, {
    get(target, prop) {
      if (prop === "get") {
        return async (key: Deno.KvKey) => {
          state.gets++;
          const waiting = state.hold;
          const entry = await target.get(key);
          await waiting;
          return entry;
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { kv: counted, state };
}

Deno.test("a static session is read from KV at most once per cache interval", async () => {
  using kv = await Deno.openKv(":memory:");
  const counted = countedKv(kv);
  let now = 1_000_000;
  const options = { sessionTtlMs: 600_000, chatTtlMs: 600_000, now: () => now };
  const store = new SessionStore({ ...options, kv: counted.kv, cacheMs: 1000 });
  await store.createSession(session({ mode: "static", lastSeenAt: now }));
  const before = counted.state.gets;
  for (let i = 0; i < 5; i++) assert.equal((await store.getSession("t1", "s1"))?.id, "s1");
  assert.equal(counted.state.gets, before, "the session this instance wrote is not read back");
  now += 1000;
  assert.equal((await store.getSession("t1", "s1"))?.id, "s1");
  assert.equal(counted.state.gets, before + 1, "past the interval it is read again");
  // Another tenant never sees it, remembered or not.
  assert.equal(await store.getSession("t2", "s1"), undefined);
});

Deno.test("a session ended on another instance is refused here within the cache interval", async () => {
  using kv = await Deno.openKv(":memory:");
  let now = 1_000_000;
  const options = { kv, sessionTtlMs: 600_000, chatTtlMs: 600_000, now: () => now };
  const here = new SessionStore({ ...options, cacheMs: 1000 });
  const there = new SessionStore({ ...options, cacheMs: 1000 });
  await here.createSession(session({ mode: "static", lastSeenAt: now }));
  await there.deleteSession((await there.getSession("t1", "s1"))!);
  assert.equal(await there.getSession("t1", "s1"), undefined, "at once where it was ended");
  now += 999;
  assert.equal((await here.getSession("t1", "s1"))?.id, "s1", "still remembered here");
  now += 1;
  assert.equal(await here.getSession("t1", "s1"), undefined, "refused once the interval is over");

  // With no cache interval, at once everywhere.
  const strict = new SessionStore({ ...options, cacheMs: 0 });
  await strict.createSession(session({ id: "s2", mode: "static", lastSeenAt: now }));
  await there.deleteSession((await there.getSession("t1", "s2"))!);
  assert.equal(await strict.getSession("t1", "s2"), undefined);
});

Deno.test("a dynamic session's enabled set is always read from KV", async () => {
  using kv = await Deno.openKv(":memory:");
  const now = 1_000_000;
  const options = { kv, sessionTtlMs: 600_000, chatTtlMs: 600_000, now: () => now };
  const here = new SessionStore({ ...options, cacheMs: 1000 });
  const there = new SessionStore({ ...options, cacheMs: 1000 });
  await here.createSession(session({ mode: "dynamic", lastSeenAt: now }));
  assert.deepEqual((await here.getSession("t1", "s1"))?.enabledTools, []);
  const read = (await there.getSession("t1", "s1"))!;
  await there.saveSession({ ...read, enabledTools: ["gmail_send-email"] });
  assert.deepEqual((await here.getSession("t1", "s1"))?.enabledTools, ["gmail_send-email"]);
});

Deno.test("a read that overlaps this instance's delete is not remembered", async () => {
  using kv = await Deno.openKv(":memory:");
  const counted = countedKv(kv);
  let now = 1_000_000;
  const store = new SessionStore({
    kv: counted.kv,
    sessionTtlMs: 600_000,
    chatTtlMs: 600_000,
    cacheMs: 1000,
    now: () => now,
  });
  const record = session({ mode: "static", lastSeenAt: now });
  await store.createSession(record);
  now += 1000; // past the interval: the next read goes to KV
  let release = () => {};
  counted.state.hold = new Promise((resolve) => release = resolve);
  const slowRead = store.getSession("t1", "s1"); // reads the session, then waits
  counted.state.hold = undefined;
  await store.deleteSession(record);
  release();
  assert.equal((await slowRead)?.id, "s1", "the slow read saw the session before the delete");
  assert.equal(await store.getSession("t1", "s1"), undefined, "the delete is not undone");
});
