import assert from "node:assert/strict";
import { type NewSession, type SessionAdmission, SessionLifecycle } from "./session_lifecycle.ts";
import { SessionStore } from "./session_store.ts";

const admitAll: SessionAdmission = {
  admitSession: (_tenant, create) => create(),
  admitChat: (_tenant, create) => create(),
};

function lifecycleOn(kv: Deno.Kv, limits: SessionAdmission = admitAll) {
  const sessions = new SessionStore({ kv, sessionTtlMs: 600_000, chatTtlMs: 600_000 });
  const lifecycle = new SessionLifecycle({
    sessions,
    limits,
    changes: {
      markChatChanged: (op, tenant, chatId) => op.set(["marker", tenant, chatId], true),
    },
    now: Date.now,
  });
  return { sessions, lifecycle };
}

/** What `initialize` of tenant `t1` asks for (dynamic mode, every app), with `overrides`. */
function newSession(overrides: Partial<NewSession> = {}): NewSession {
  return {
    tenant: "t1",
    mode: "dynamic",
    apps: null,
    clientInfo: { name: "test", version: "1" },
    ...overrides,
  };
}

Deno.test("a dynamic chat that starts a new session resumes with the tools it had enabled", async () => {
  using kv = await Deno.openKv(":memory:");
  const { lifecycle } = lifecycleOn(kv);
  const first = await lifecycle.create(newSession({ chatId: "chat 1" }));
  await lifecycle.saveEnabledTools(first, ["gmail_send-email"]);
  const second = await lifecycle.create(newSession({ chatId: "chat 1" }));
  assert.notEqual(second.id, first.id);
  assert.deepEqual(second.enabledTools, ["gmail_send-email"]);
  const other = await lifecycle.create(newSession({ tenant: "t2", chatId: "chat 1" }));
  assert.deepEqual(other.enabledTools, [], "another customer's chat of the same name is not it");
});

Deno.test("a new enabled set is stored with its chat's change marker before the served record changes", async () => {
  using kv = await Deno.openKv(":memory:");
  const { sessions, lifecycle } = lifecycleOn(kv);
  const session = await lifecycle.create(newSession({ chatId: "c" }));
  await lifecycle.saveEnabledTools(session, ["a_b"]);
  assert.deepEqual(session.enabledTools, ["a_b"]);
  assert.deepEqual((await sessions.getSession("t1", session.id))?.enabledTools, ["a_b"]);
  assert.equal((await kv.get(["marker", "t1", "c"])).value, true);
});

Deno.test("relinking a session to a new chat counts against the chat cap; a known chat does not", async () => {
  using kv = await Deno.openKv(":memory:");
  const admitted: string[] = [];
  const { sessions, lifecycle } = lifecycleOn(kv, {
    admitSession: (_tenant, create) => create(),
    admitChat: (_tenant, create) => {
      admitted.push("chat");
      return create();
    },
  });
  const session = await lifecycle.create(newSession({ mode: "static" }));
  const read = await sessions.getSession("t1", session.id);
  assert.ok(read);
  const linked = await lifecycle.relink(read, "new chat");
  assert.equal(linked?.chatId, "new chat");
  assert.equal((await sessions.getChat("t1", "new chat"))?.sessionId, session.id);
  assert.deepEqual(admitted, ["chat"]);
  const again = await sessions.getSession("t1", session.id);
  assert.ok(again);
  await lifecycle.relink(again, "new chat");
  assert.deepEqual(admitted, ["chat"], "the chat exists: no second admission");
});

Deno.test("ending a session removes it and its chat", async () => {
  using kv = await Deno.openKv(":memory:");
  const { sessions, lifecycle } = lifecycleOn(kv);
  const session = await lifecycle.create(newSession({ mode: "static", chatId: "c" }));
  await lifecycle.end(session);
  assert.equal(await sessions.getSession("t1", session.id), undefined);
  assert.equal(await sessions.getChat("t1", "c"), undefined);
});
