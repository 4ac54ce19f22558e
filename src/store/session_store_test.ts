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
