import assert from "node:assert/strict";
import { ChatLifecycle, type ChatRequest } from "./chat_lifecycle.ts";
import { SessionStore } from "./session_store.ts";
import { sessionRecord } from "./testdata/sessions.ts";

/** A lifecycle on `kv` whose chat cap records each admission in `admitted`. */
function chatsOn(kv: Deno.Kv, admitted: string[] = []) {
  const sessions = new SessionStore({ kv, sessionTtlMs: 600_000, chatTtlMs: 600_000 });
  const chats = new ChatLifecycle({
    sessions,
    limits: {
      admitSession: (_tenant, create) => create(),
      admitChat: (tenant, create) => (admitted.push(tenant), create()),
    },
    changes: { markChatChanged: (op, tenant, chatId) => op.set(["marker", tenant, chatId], 1) },
    now: Date.now,
  });
  return { sessions, chats };
}

const dynamicChat: ChatRequest = {
  tenant: "t1",
  chatId: "c1",
  mode: "dynamic",
  apps: null,
  elicitationUrl: false,
};

Deno.test("a new chat is admitted within the chat cap and stored only once the request is kept", async () => {
  using kv = await Deno.openKv(":memory:");
  const admitted: string[] = [];
  const { sessions, chats } = chatsOn(kv, admitted);
  const state = await chats.resolve(dynamicChat);
  assert.equal(state.session.id, "stateless");
  assert.equal(await chats.admit(state, () => Promise.resolve("served")), "served");
  assert.deepEqual(admitted, ["t1"]);
  assert.equal(await sessions.getChat("t1", "c1"), undefined, "nothing written before keep");
  await chats.keep(state);
  assert.equal((await sessions.getChat("t1", "c1"))?.sessionId, "stateless");

  const next = await chats.resolve(dynamicChat);
  await chats.admit(next, () => Promise.resolve());
  assert.deepEqual(admitted, ["t1"], "a known chat is not admitted again");
});

Deno.test("a dynamic chat's enabled set is stored with its change marker and carries over", async () => {
  using kv = await Deno.openKv(":memory:");
  const { chats } = chatsOn(kv);
  const state = await chats.resolve(dynamicChat);
  await chats.saveEnabledTools(state, "c1", ["gmail_send-email"]);
  assert.deepEqual(state.session.enabledTools, ["gmail_send-email"]);
  assert.equal((await kv.get(["marker", "t1", "c1"])).value, 1);
  const next = await chats.resolve(dynamicChat);
  assert.deepEqual(next.session.enabledTools, ["gmail_send-email"]);
  const staticView = await chats.resolve({ ...dynamicChat, mode: "static" });
  assert.deepEqual(staticView.session.enabledTools, [], "a static request enables nothing");
});

Deno.test("keeping a chat that a 2025 session took meanwhile leaves it pointing at that session", async () => {
  using kv = await Deno.openKv(":memory:");
  const { sessions, chats } = chatsOn(kv);
  const state = await chats.resolve(dynamicChat);
  await sessions.createSession(sessionRecord({ chatId: "c1", lastSeenAt: Date.now() }));
  await chats.keep(state);
  assert.equal((await sessions.getChat("t1", "c1"))?.sessionId, "s1");
});
