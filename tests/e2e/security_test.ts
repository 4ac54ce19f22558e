import assert from "node:assert/strict";
import { readBlob } from "../../src/store/blob_store.ts";
import { FakeApiError } from "../../fake_integration_app/server.ts";
import { fixtureWorkspace } from "../../fake_integration_app/fixtures.ts";
import {
  initializeBody,
  mcpHeaders,
  rawHttpStatus,
  rawRequest,
  sessionIdOf,
  startTestServer,
  type TestServer,
} from "../support/harness.ts";
import { signToken } from "../../fake_integration_app/jwt.ts";

/** A clock that only moves when the test says so. */
function manualClock(): { now: () => number; advance(ms: number): void } {
  let t = Date.now();
  return { now: () => t, advance: (ms) => void (t += ms) };
}

const ping = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" });

function initialize(server: TestServer, token: string, headers: Record<string, string> = {}) {
  return rawRequest(server.mcpUrl, {
    method: "POST",
    token,
    headers: mcpHeaders(headers),
    body: initializeBody(),
  });
}

Deno.test("a forged token gets 401 and its refusal is cached briefly", async () => {
  const clock = manualClock();
  await using server = await startTestServer({ fake: fixtureWorkspace(), now: clock.now });
  const forged = await server.fake.token("alice", { secret: "not-the-workspace-secret" });
  for (let i = 0; i < 3; i++) {
    const res = await initialize(server, forged);
    assert.equal(res.status, 401);
    assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer .*error="invalid_token"/);
    assert.match(res.text, /Integration.app refused the token/);
  }
  const listed = await rawRequest(`${server.url}/mcp/sessions`, { token: forged });
  assert.equal(listed.status, 401);
  // Its customer was never seen: the token is checked by listing its connections.
  const checks = () => server.fake.count(/^GET \/(self|connections)$/);
  assert.equal(checks(), 1, "refusal not cached");
  assert.equal(await countEntries(server.kv, ["sessions"]), 0);

  clock.advance(31_000); // the refusal is forgotten: Integration.app is asked again
  assert.equal((await initialize(server, forged)).status, 401);
  assert.equal(checks(), 2);
});

Deno.test("an unsigned token with valid claims is refused: claims are never trusted locally", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const real = await server.fake.token("alice");
  const [, payload] = real.split(".");
  const header = btoa(JSON.stringify({ alg: "none", typ: "JWT" })).replace(/=+$/, "");
  for (const token of [`${header}.${payload}.`, `${header}.${payload}.c2lnbmF0dXJl`]) {
    const res = await initialize(server, token);
    assert.equal(res.status, 401, token);
  }
  assert.equal(await countEntries(server.kv, ["sessions"]), 0);
});

Deno.test("expired and malformed tokens are refused without asking Integration.app; other shapes are asked about", async () => {
  const clock = manualClock();
  await using server = await startTestServer({ fake: fixtureWorkspace(), now: clock.now });
  const expired = await server.fake.token("alice", { expiresInSeconds: -5 });
  const res = await initialize(server, expired);
  assert.equal(res.status, 401);
  assert.match(res.text, /Token has expired/);
  // What cannot be a token of any kind is refused here.
  for (const token of ["hello", "a.b", "a.b.c.d", "....", "eyJ.eyJ.eyJ"]) {
    const bad = await rawRequest(`${server.url}/mcp/sessions`, { token });
    assert.equal(bad.status, 401, token);
    assert.match(bad.text, /malformed token \(shorter than 16 characters\)/);
  }
  assert.equal(server.fake.count(/^GET \/self$/), 0);
  // Personal access and OAuth tokens are not JWTs: only Integration.app can judge them.
  for (
    const token of ["eyJhbGciOi.eyJpc3Mi.eyJ.x", "eyJhbGciOiJIUzI1NiJ9.e30", "pat-0123456789abcdef"]
  ) {
    const bad = await rawRequest(`${server.url}/mcp/sessions`, { token });
    assert.equal(bad.status, 401, token);
    assert.match(bad.text, /Integration.app refused the token/);
  }
  assert.equal(server.fake.count(/^GET \/self$/), 3);

  // A token accepted while valid stops working when it expires, though its identity is cached.
  const shortLived = await server.fake.token("alice", { expiresInSeconds: 60 });
  const client = await server.connect(shortLived);
  assert.ok((await client.listTools()).tools.length > 0);
  clock.advance(61_000);
  const late = await rawRequest(server.mcpUrl, {
    method: "POST",
    token: shortLived,
    headers: mcpHeaders({ "mcp-session-id": sessionIdOf(client) }),
    body: ping,
  });
  assert.equal(late.status, 401);
  assert.match(late.text, /Token has expired/);
});

Deno.test("another customer's session id gets 404 for every method, and the session lives on", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const alice = await server.connect(await server.fake.token("alice"));
  const sessionId = sessionIdOf(alice);
  const bob = await server.fake.token("bob");
  const headers = mcpHeaders({ "mcp-session-id": sessionId, "mcp-protocol-version": "2025-06-18" });
  const post = await rawRequest(server.mcpUrl, { method: "POST", token: bob, headers, body: ping });
  assert.equal(post.status, 404);
  assert.equal(post.headers.get("mcp-session-id"), null);
  const get = await rawRequest(server.mcpUrl, { token: bob, headers });
  assert.equal(get.status, 404);
  const del = await rawRequest(server.mcpUrl, { method: "DELETE", token: bob, headers });
  assert.equal(del.status, 404);
  const call = await rawRequest(server.mcpUrl, {
    method: "POST",
    token: bob,
    headers,
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: { name: "hubspot_create-contact", arguments: { email: "x@y.co" } },
    }),
  });
  assert.equal(call.status, 404);
  assert.equal(server.fake.count(/\/run$/), 0);
  assert.ok((await alice.listTools()).tools.length > 0);
});

Deno.test("the same customer id in two workspaces never shares sessions, chats or tools", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  server.fake.addWorkspace("ws-other", "other-secret", [{
    id: "alice",
    connections: [{ id: "conn_other_slack", name: "Slack", integrationKey: "slack" }],
  }]);
  const mine = await server.fake.token("alice");
  const theirs = await server.fake.token("alice", {
    workspaceKey: "ws-other",
    secret: "other-secret",
  });
  const a = await server.connect(mine, { headers: { "x-chat-id": "chat-1" } });
  const b = await server.connect(theirs, { headers: { "x-chat-id": "chat-1" } });
  assert.notEqual(sessionIdOf(a), sessionIdOf(b));

  const chats = async (token: string) =>
    (await rawRequest(`${server.url}/mcp/sessions`, { token })).json;
  assert.deepEqual(await chats(mine), { "chat-1": sessionIdOf(a) });
  assert.deepEqual(await chats(theirs), { "chat-1": sessionIdOf(b) });

  const toolsA = (await a.listTools()).tools.map((t) => t.name);
  const toolsB = (await b.listTools()).tools.map((t) => t.name);
  assert.ok(toolsA.includes("hubspot_create-contact"));
  assert.deepEqual(toolsB, ["slack_post-message", "read-result"]);

  // Their token cannot use my session, and deleting "their" chat-1 leaves mine alone.
  const cross = await rawRequest(server.mcpUrl, {
    method: "POST",
    token: theirs,
    headers: mcpHeaders({ "mcp-session-id": sessionIdOf(a) }),
    body: ping,
  });
  assert.equal(cross.status, 404);
  const deleted = await rawRequest(`${server.url}/mcp/sessions/chat-1`, {
    method: "DELETE",
    token: theirs,
  });
  assert.equal(deleted.status, 204);
  assert.deepEqual(await chats(theirs), {});
  assert.deepEqual(await chats(mine), { "chat-1": sessionIdOf(a) });
  assert.ok((await a.listTools()).tools.length > 0);
});

Deno.test("another customer's chat is invisible: 404 to read or delete, and never relinked", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const alice = await server.fake.token("alice");
  const bob = await server.fake.token("bob");
  const client = await server.connect(alice, { headers: { "x-chat-id": "secret-plans" } });
  const url = `${server.url}/mcp/sessions/secret-plans`;
  assert.equal((await rawRequest(url, { token: bob })).status, 404);
  assert.equal((await rawRequest(url, { method: "DELETE", token: bob })).status, 404);
  assert.deepEqual((await rawRequest(`${server.url}/mcp/sessions`, { token: bob })).json, {});
  // Bob naming the same chat id gets a chat of his own; Alice's is untouched.
  const bobs = await server.connect(bob, { headers: { "x-chat-id": "secret-plans" } });
  assert.deepEqual((await rawRequest(`${server.url}/mcp/sessions`, { token: alice })).json, {
    "secret-plans": sessionIdOf(client),
  });
  assert.deepEqual((await rawRequest(`${server.url}/mcp/sessions`, { token: bob })).json, {
    "secret-plans": sessionIdOf(bobs),
  });
});

Deno.test("a foreign Origin or Host gets 403 on every MCP route, before the token is checked", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const routes: [string, string][] = [
    ["POST", "/mcp"],
    ["GET", "/mcp"],
    ["DELETE", "/mcp"],
    ["GET", "/mcp/sessions"],
    ["GET", "/mcp/sessions/chat-1"],
    ["DELETE", "/mcp/sessions/chat-1"],
    ["OPTIONS", "/mcp"],
  ];
  for (const [method, path] of routes) {
    for (const origin of ["https://evil.example", "null", "http://127.0.0.1.evil.example"]) {
      const res = await rawRequest(`${server.url}${path}`, {
        method,
        token,
        headers: { ...mcpHeaders(), origin },
        body: method === "POST" ? initializeBody() : undefined,
      });
      assert.equal(res.status, 403, `${method} ${path} from ${origin}`);
      assert.equal(res.headers.get("access-control-allow-origin"), null);
    }
    // DNS rebinding: a foreign name that resolves to 127.0.0.1.
    const status = await rawHttpStatus(`${server.url}${path}`, {
      method,
      headers: { ...mcpHeaders(), host: `rebind.evil.example:${new URL(server.url).port}` },
      body: method === "POST" ? initializeBody() : undefined,
    });
    assert.equal(status, 403, `${method} ${path} with a foreign Host`);
  }
  assert.equal(server.fake.count(/^GET \/self$/), 0);
  assert.equal(await countEntries(server.kv, ["sessions"]), 0);
});

async function countEntries(kv: Deno.Kv, prefix: Deno.KvKey): Promise<number> {
  let n = 0;
  for await (const _ of kv.list({ prefix })) n++;
  return n;
}

/** Drives the server through successes and failures with several tokens. */
async function exercise(server: TestServer): Promise<string[]> {
  const tokens = [
    await server.fake.token("alice"),
    await server.fake.token("bob"),
    await server.fake.token("alice", { secret: "forged-secret" }),
    await server.fake.token("alice", { expiresInSeconds: -10 }),
    await signToken({ iss: "ws-test", id: "mallory" }, "wrong"),
  ];
  const [alice, bob, ...bad] = tokens as [string, string, ...string[]];
  const client = await server.connect(alice, {
    query: "?mode=dynamic",
    headers: { "x-chat-id": "chat-logs" },
  });
  await client.callTool({ name: "enable-tools", arguments: { query: "send an email" } });
  await client.callTool({ name: "gmail_send-email", arguments: { to: "a@b.co", subject: "Hi" } });
  const bobClient = await server.connect(bob);
  await bobClient.listTools();
  server.fake.faults.push(
    { match: /\/run$/, error: new FakeApiError(500, { type: "internal", message: "Boom" }) },
  );
  await bobClient.callTool({ name: "gmail_read-email", arguments: {} });
  server.fake.faults = [{ match: /\/run$/, error: new FakeApiError(502, "<html>bad</html>") }];
  await bobClient.callTool({ name: "gmail_read-email", arguments: {} });
  server.fake.faults = [];
  await bobClient.callTool({ name: "gmail_read-email", arguments: 5 as never }).catch(() => {});
  for (const token of bad) {
    await initialize(server, token);
    await rawRequest(`${server.url}/mcp/sessions`, { token });
  }
  await rawRequest(server.mcpUrl, {
    method: "POST",
    token: alice,
    headers: mcpHeaders(),
    body: "{not json",
  });
  await rawRequest(server.mcpUrl, {
    method: "POST",
    token: alice,
    headers: mcpHeaders({ origin: "https://evil.example" }),
    body: initializeBody(),
  });
  await server.services.background.drain();
  return tokens;
}

/** A token and the parts of it that identify it (the shared JWT header does not). */
function secretsOf(token: string): string[] {
  const [, payload, signature] = token.split(".");
  return [token, payload, signature].filter((part): part is string => !!part && part.length > 8);
}

Deno.test("tokens never appear in the logs, even at debug level and on errors", async () => {
  await using server = await startTestServer({
    fake: fixtureWorkspace(),
    env: { LOG_LEVEL: "debug" },
  });
  const tokens = await exercise(server);
  assert.ok(server.logs.length > 20, "the test logged too little to prove anything");
  assert.ok(server.logs.some((line) => line.includes('"status":401')));
  assert.ok(server.logs.some((line) => line.includes("tool call failed")));
  const all = server.logs.join("\n");
  for (const token of tokens) {
    for (const secret of secretsOf(token)) {
      assert.ok(!all.includes(secret), `a token part is in the logs: ${secret.slice(0, 12)}…`);
    }
  }
});

Deno.test("no raw token is stored in KV: every key and value is scanned", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const tokens = await exercise(server);
  let entries = 0;
  const texts: string[] = [];
  const decoder = new TextDecoder("latin1");
  for await (const entry of server.kv.list({ prefix: [] })) {
    entries++;
    const value = entry.value instanceof Uint8Array ? decoder.decode(entry.value) : entry.value;
    texts.push(JSON.stringify(entry.key), JSON.stringify(value));
    if (entry.key.at(-1) === "meta") {
      // Compressed blobs (catalogs): read them whole, uncompressed.
      texts.push(JSON.stringify(await readBlob(server.kv, entry.key.slice(0, -1))));
    }
  }
  assert.ok(entries >= 5, `only ${entries} KV entries`);
  assert.ok(texts.some((text) => text.includes("chat-logs")), "sessions were not stored");
  const all = texts.join("\n");
  for (const token of tokens) {
    for (const secret of secretsOf(token)) {
      assert.ok(!all.includes(secret), `a token part is stored in KV: ${secret.slice(0, 12)}…`);
    }
  }
});
