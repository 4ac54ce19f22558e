import assert from "node:assert/strict";
import { fixtureWorkspace } from "../../fake_integration_app/fixtures.ts";
import {
  connectClient,
  initializeBody,
  mcpHeaders,
  rawRequest,
  sessionIdOf,
  startTestServer,
  textOf,
} from "../support/harness.ts";

Deno.test("the reference agent's flow: chat id, /mcp/sessions, reconnect by session id", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const empty = await rawRequest(`${server.url}/mcp/sessions`, { token });
  assert.equal(empty.status, 200);
  assert.deepEqual(empty.json, {});

  const first = await server.connect(token, { headers: { "x-chat-id": "chat-1" } });
  const sessionId = sessionIdOf(first);
  const sessions = await rawRequest(`${server.url}/mcp/sessions`, { token });
  assert.deepEqual(sessions.json, { "chat-1": sessionId });

  // The agent reads sessions[chatId] and reconnects with that id.
  const again = await connectClient(server.mcpUrl, token, {
    sessionId: (sessions.json as Record<string, string>)["chat-1"],
  });
  try {
    const { tools } = await again.listTools();
    assert.ok(tools.length > 0);
    const result = await again.callTool({ name: "gmail_read-email", arguments: { id: "1" } });
    assert.equal(result.isError, undefined);
  } finally {
    await again.close();
  }
});

Deno.test("chat details, chat deletion, and DELETE /mcp removing the chat", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const client = await server.connect(token, {
    query: "?mode=dynamic&apps=gmail",
    headers: { "x-chat-id": "chat-a" },
  });
  await client.callTool({ name: "enable-tools", arguments: { tools: ["gmail_send-email"] } });
  const details = await rawRequest(`${server.url}/mcp/sessions/chat-a`, { token });
  assert.equal(details.status, 200);
  const body = details.json as Record<string, unknown>;
  assert.equal(body.sessionId, sessionIdOf(client));
  assert.equal(body.mode, "dynamic");
  assert.deepEqual(body.apps, ["gmail"]);
  assert.deepEqual(body.enabledTools, ["gmail_send-email"]);
  assert.equal(typeof body.createdAt, "string");

  const bob = await server.fake.token("bob");
  assert.equal((await rawRequest(`${server.url}/mcp/sessions/chat-a`, { token: bob })).status, 404);
  assert.equal(
    (await rawRequest(`${server.url}/mcp/sessions/chat-a`, { method: "DELETE", token: bob }))
      .status,
    404,
  );
  assert.equal((await rawRequest(`${server.url}/mcp/sessions/none`, { token })).status, 404);

  const removed = await rawRequest(`${server.url}/mcp/sessions/chat-a`, {
    method: "DELETE",
    token,
  });
  assert.equal(removed.status, 204);
  assert.deepEqual((await rawRequest(`${server.url}/mcp/sessions`, { token })).json, {});
  await assert.rejects(client.listTools(), /404|not found/i);

  const other = await server.connect(token, { headers: { "x-chat-id": "chat-b" } });
  await (other.transport as unknown as { terminateSession(): Promise<void> })
    .terminateSession();
  assert.deepEqual((await rawRequest(`${server.url}/mcp/sessions`, { token })).json, {});
});

Deno.test("re-initializing a chat maps it to the new session and keeps its enabled tools", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const headers = { "x-chat-id": "chat-r" };
  const first = await server.connect(token, { query: "?mode=dynamic", headers });
  await first.callTool({
    name: "enable-tools",
    arguments: { tools: ["gmail_send-email", "hubspot_create-contact"] },
  });
  const second = await server.connect(token, { query: "?mode=dynamic", headers });
  assert.notEqual(sessionIdOf(second), sessionIdOf(first));
  const sessions = await rawRequest(`${server.url}/mcp/sessions`, { token });
  assert.deepEqual(sessions.json, { "chat-r": sessionIdOf(second) });
  const names = (await second.listTools()).tools.map((t) => t.name).sort();
  assert.deepEqual(names, [
    "call-tool",
    "connect-app",
    "enable-tools",
    "gmail_send-email",
    "hubspot_create-contact",
    "read-result",
    "search-tools",
  ]);
  const sent = await second.callTool({
    name: "gmail_send-email",
    arguments: { to: "a@b.co", subject: "Hello" },
  });
  assert.match(textOf(sent), /m-1/);
});

Deno.test("chats of two customers never mix", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const alice = await server.fake.token("alice");
  const bob = await server.fake.token("bob");
  await server.connect(alice, { headers: { "x-chat-id": "same-chat" } });
  await server.connect(bob, { headers: { "x-chat-id": "same-chat" } });
  const a = (await rawRequest(`${server.url}/mcp/sessions`, { token: alice })).json as Record<
    string,
    string
  >;
  const b = (await rawRequest(`${server.url}/mcp/sessions`, { token: bob })).json as Record<
    string,
    string
  >;
  assert.notEqual(a["same-chat"], b["same-chat"]);
});

Deno.test("idle sessions and chats expire", async () => {
  let now = Date.now();
  await using server = await startTestServer({
    fake: fixtureWorkspace(),
    now: () => now,
    env: { SESSION_TTL_SECONDS: "60", CHAT_TTL_SECONDS: "120", IDENTITY_TTL_SECONDS: "100000" },
  });
  const token = await server.fake.token("alice");
  const client = await server.connect(token, { headers: { "x-chat-id": "chat-x" } });
  now += 30_000;
  await client.listTools(); // refreshes last seen
  now += 50_000;
  await client.listTools(); // 50 s idle: still alive
  now += 61_000;
  await assert.rejects(client.listTools(), /404|not found/i);
  const listed = await rawRequest(`${server.url}/mcp/sessions`, { token });
  assert.deepEqual(Object.keys(listed.json as object), ["chat-x"]);
  now += 121_000;
  assert.deepEqual((await rawRequest(`${server.url}/mcp/sessions`, { token })).json, {});
});

Deno.test("a chat id sent after initialize ties the chat to the session", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const client = await server.connect(token);
  const sessionId = sessionIdOf(client);
  const res = await rawRequest(server.mcpUrl, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-session-id": sessionId,
      "mcp-protocol-version": "2025-06-18",
      "x-chat-id": "late-chat",
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 7, method: "ping" }),
    token,
  });
  assert.equal(res.status, 200);
  assert.deepEqual((await rawRequest(`${server.url}/mcp/sessions`, { token })).json, {
    "late-chat": sessionId,
  });
  const bad = await rawRequest(server.mcpUrl, {
    method: "POST",
    headers: { "content-type": "application/json", "x-chat-id": "x".repeat(500) },
    body: "{}",
    token,
  });
  assert.equal(bad.status, 400);
});

Deno.test("chat ids may contain spaces, as agents name them", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const client = await server.connect(token, { headers: { "x-chat-id": "chat 1" } });
  assert.deepEqual((await rawRequest(`${server.url}/mcp/sessions`, { token })).json, {
    "chat 1": sessionIdOf(client),
  });
  const details = await rawRequest(`${server.url}/mcp/sessions/chat%201`, { token });
  assert.equal(details.status, 200);
});

Deno.test("many initializes of one chat at once all succeed; the chat keeps one of them", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const responses = await Promise.all(Array.from({ length: 30 }, () =>
    rawRequest(server.mcpUrl, {
      method: "POST",
      headers: mcpHeaders({ "x-chat-id": "hot" }),
      body: initializeBody(),
      token,
    })));
  assert.deepEqual(responses.map((r) => r.status), responses.map(() => 200));
  const ids = responses.map((r) => r.headers.get("mcp-session-id"));
  const chats = (await rawRequest(`${server.url}/mcp/sessions`, { token })).json as Record<
    string,
    string
  >;
  assert.ok(ids.includes(chats.hot ?? ""));
});

Deno.test("moving a session to another chat lets the old chat go", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const client = await server.connect(token, { headers: { "x-chat-id": "c2" } });
  const sessionId = sessionIdOf(client);
  const ping = (headers: Record<string, string>) =>
    rawRequest(server.mcpUrl, {
      method: "POST",
      headers: mcpHeaders({ "mcp-session-id": sessionId, ...headers }),
      body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "ping" }),
      token,
    });
  assert.equal((await ping({ "x-chat-id": "c3" })).status, 200);
  assert.deepEqual((await rawRequest(`${server.url}/mcp/sessions`, { token })).json, {
    c3: sessionId,
  });
  // A chat that no longer holds the session cannot end it.
  const stale = await server.connect(token, { headers: { "x-chat-id": "c4" } });
  assert.equal((await ping({ "x-chat-id": "c4" })).status, 200);
  await rawRequest(`${server.url}/mcp/sessions/c3`, { method: "DELETE", token });
  assert.equal((await ping({})).status, 200, "the session lives on in c4");
  // DELETE /mcp with a chat id removes that chat too.
  const del = await rawRequest(server.mcpUrl, {
    method: "DELETE",
    headers: { "mcp-session-id": sessionId, "x-chat-id": "c4" },
    token,
  });
  assert.equal(del.status, 200);
  assert.deepEqual((await rawRequest(`${server.url}/mcp/sessions`, { token })).json, {});
  await stale.close();
});

Deno.test("concurrent chat ids on one session leave exactly one chat, and none after DELETE /mcp", async () => {
  await using server = await startTestServer({
    fake: fixtureWorkspace(),
    env: { RATE_LIMIT_BURST: "5000" },
  });
  const token = await server.fake.token("alice");
  const init = await rawRequest(server.mcpUrl, {
    method: "POST",
    token,
    headers: mcpHeaders({ "x-chat-id": "chat-0" }),
    body: initializeBody(),
  });
  assert.equal(init.status, 200);
  const sessionId = init.headers.get("mcp-session-id") as string;
  const initialized = JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" });
  for (let round = 0; round < 5; round++) {
    const statuses = await Promise.all(
      Array.from({ length: 200 }, async (_, i) =>
        (await rawRequest(server.mcpUrl, {
          method: "POST",
          token,
          headers: mcpHeaders({
            "mcp-session-id": sessionId,
            "mcp-protocol-version": "2025-06-18",
            "x-chat-id": `chat-${round}-${i}`,
          }),
          body: initialized,
        })).status),
    );
    assert.deepEqual([...new Set(statuses)], [202]);
  }
  const listed = (await rawRequest(`${server.url}/mcp/sessions`, { token })).json as Record<
    string,
    string
  >;
  assert.equal(Object.keys(listed).length, 1, `${Object.keys(listed).length} chats`);
  const [chatId] = Object.keys(listed) as [string];
  assert.equal(listed[chatId], sessionId);
  const session = await server.services.sessions.getSession(
    (await server.services.identities.resolve(token)).tenant,
    sessionId,
  );
  assert.equal(session?.chatId, chatId, "the session names the chat that points at it");
  const deleted = await rawRequest(server.mcpUrl, {
    method: "DELETE",
    token,
    headers: { "mcp-session-id": sessionId },
  });
  assert.equal(deleted.status, 200);
  assert.deepEqual((await rawRequest(`${server.url}/mcp/sessions`, { token })).json, {});
});

Deno.test("past the chat cap a new chat is refused with 429 and no chat is evicted", async () => {
  await using server = await startTestServer({
    fake: fixtureWorkspace(),
    env: { MAX_CHATS_PER_TENANT: "3" },
  });
  const token = await server.fake.token("alice");
  const initialize = (chatId: string) =>
    rawRequest(server.mcpUrl, {
      method: "POST",
      token,
      headers: mcpHeaders({ "x-chat-id": chatId }),
      body: initializeBody(),
    });
  for (const chatId of ["a", "b", "c"]) assert.equal((await initialize(chatId)).status, 200);
  const refused = await initialize("d");
  assert.equal(refused.status, 429);
  assert.match(refused.text, /Too many chats: this customer holds 3 of the 3 allowed/);
  assert.ok(Number(refused.headers.get("retry-after")) >= 1);
  // An existing chat can still be re-initialized, and linking a session to a new chat is refused.
  const again = await initialize("a");
  assert.equal(again.status, 200);
  const link = await rawRequest(server.mcpUrl, {
    method: "POST",
    token,
    headers: mcpHeaders({
      "mcp-session-id": again.headers.get("mcp-session-id") as string,
      "x-chat-id": "e",
    }),
    body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "ping" }),
  });
  assert.equal(link.status, 429);
  const listed = (await rawRequest(`${server.url}/mcp/sessions`, { token })).json as object;
  assert.deepEqual(Object.keys(listed).sort(), ["a", "b", "c"]);
  // Deleting a chat makes room (the cap recounts when it refuses).
  await rawRequest(`${server.url}/mcp/sessions/b`, { method: "DELETE", token });
  await new Promise((resolve) => setTimeout(resolve, 1100));
  assert.equal((await initialize("d")).status, 200);
});

Deno.test("GET /mcp/sessions pages with ?limit= and the Next-Cursor header, same body shape", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const expected: Record<string, string> = {};
  for (let i = 0; i < 5; i++) {
    const res = await rawRequest(server.mcpUrl, {
      method: "POST",
      token,
      headers: mcpHeaders({ "x-chat-id": `chat-${i}` }),
      body: initializeBody(),
    });
    expected[`chat-${i}`] = res.headers.get("mcp-session-id") as string;
  }
  const all = await rawRequest(`${server.url}/mcp/sessions`, { token });
  assert.deepEqual(all.json, expected);
  assert.equal(all.headers.get("next-cursor"), null);

  const pages: Record<string, string>[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const page = await rawRequest(`${server.url}/mcp/sessions${query}`, { token });
    assert.equal(page.status, 200);
    pages.push(page.json as Record<string, string>);
    cursor = page.headers.get("next-cursor");
  } while (cursor && pages.length < 10);
  assert.deepEqual(pages.map((page) => Object.keys(page).length).slice(0, 3), [2, 2, 1]);
  assert.deepEqual(Object.assign({}, ...pages), expected);

  for (const query of ["?limit=0", "?limit=x", "?limit=10001", "?cursor=%25%25"]) {
    const bad = await rawRequest(`${server.url}/mcp/sessions${query}`, { token });
    assert.equal(bad.status, 400, query);
    assert.match(bad.text, /limit must be an integer|cursor is not one this server gave/);
  }
});
