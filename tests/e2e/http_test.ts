import assert from "node:assert/strict";
import { fixtureWorkspace } from "../../fake_integration_app/fixtures.ts";
import {
  initializeBody,
  mcpHeaders,
  rawHttpStatus,
  rawRequest,
  startTestServer,
} from "../support/harness.ts";

Deno.test("auth: a missing or refused token gets 401 with WWW-Authenticate", async (t) => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  await t.step("missing token", async () => {
    const res = await rawRequest(server.mcpUrl, {
      method: "POST",
      headers: mcpHeaders(),
      body: initializeBody(),
    });
    assert.equal(res.status, 401);
    assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer/);
    assert.match(JSON.stringify(res.json), /Authorization: Bearer/);
  });
  await t.step("forged token (signed with another secret)", async () => {
    const forged = await server.fake.token("alice", { secret: "not-the-secret" });
    const res = await rawRequest(server.mcpUrl, {
      method: "POST",
      headers: mcpHeaders(),
      body: initializeBody(),
      token: forged,
    });
    assert.equal(res.status, 401);
    assert.match(res.headers.get("www-authenticate") ?? "", /invalid_token/);
  });
  await t.step("not a JWT", async () => {
    const res = await rawRequest(`${server.url}/mcp/sessions`, { token: "hello" });
    assert.equal(res.status, 401);
  });
  await t.step("expired token", async () => {
    const expired = await server.fake.token("alice", { expiresInSeconds: -60 });
    const res = await rawRequest(`${server.url}/mcp/sessions`, { token: expired });
    assert.equal(res.status, 401);
    assert.match(JSON.stringify(res.json), /expired/);
  });
});

Deno.test("session ids: 400 when missing, 404 when unknown, and DELETE ends a session", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const list = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" });
  const headers = (extra: Record<string, string> = {}) =>
    mcpHeaders({ "mcp-protocol-version": "2025-06-18", ...extra });

  const missing = await rawRequest(server.mcpUrl, {
    method: "POST",
    headers: headers(),
    body: list,
    token,
  });
  assert.equal(missing.status, 400);

  const unknown = await rawRequest(server.mcpUrl, {
    method: "POST",
    headers: headers({ "mcp-session-id": crypto.randomUUID() }),
    body: list,
    token,
  });
  assert.equal(unknown.status, 404);
  assert.deepEqual((unknown.json as { error: { code: number } }).error.code, -32001);

  const getUnknown = await rawRequest(server.mcpUrl, {
    headers: { accept: "text/event-stream", "mcp-session-id": "nope" },
    token,
  });
  assert.equal(getUnknown.status, 404);

  const init = await rawRequest(server.mcpUrl, {
    method: "POST",
    headers: mcpHeaders(),
    body: initializeBody(),
    token,
  });
  assert.equal(init.status, 200);
  const sessionId = init.headers.get("mcp-session-id");
  assert.ok(sessionId);

  const ok = await rawRequest(server.mcpUrl, {
    method: "POST",
    headers: headers({ "mcp-session-id": sessionId }),
    body: list,
    token,
  });
  assert.equal(ok.status, 200);
  assert.ok(Array.isArray((ok.json as { result: { tools: unknown[] } }).result.tools));

  const get = await rawRequest(server.mcpUrl, {
    headers: { accept: "text/event-stream", "mcp-session-id": sessionId },
    token,
  });
  assert.equal(get.status, 405);

  const del = await rawRequest(server.mcpUrl, {
    method: "DELETE",
    headers: { "mcp-session-id": sessionId },
    token,
  });
  assert.equal(del.status, 200);
  const after = await rawRequest(server.mcpUrl, {
    method: "POST",
    headers: headers({ "mcp-session-id": sessionId }),
    body: list,
    token,
  });
  assert.equal(after.status, 404);
});

Deno.test("a session id is useless with another customer's token", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const alice = await server.connect(await server.fake.token("alice"));
  await alice.listTools();
  const sessionId = (alice.transport as { sessionId?: string }).sessionId;
  assert.ok(sessionId);
  const res = await rawRequest(server.mcpUrl, {
    method: "POST",
    headers: mcpHeaders({ "mcp-session-id": sessionId, "mcp-protocol-version": "2025-06-18" }),
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    token: await server.fake.token("bob"),
  });
  assert.equal(res.status, 404);
});

Deno.test("malformed JSON gets a JSON-RPC parse error, never HTML or 500", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const res = await rawRequest(server.mcpUrl, {
    method: "POST",
    headers: mcpHeaders(),
    body: "{not json",
    token,
  });
  assert.equal(res.status, 400);
  assert.match(res.headers.get("content-type") ?? "", /application\/json/);
  assert.deepEqual(res.json, {
    jsonrpc: "2.0",
    error: { code: -32700, message: "Parse error: Invalid JSON" },
    id: null,
  });
  const tooBig = await rawRequest(server.mcpUrl, {
    method: "POST",
    headers: mcpHeaders(),
    body: JSON.stringify({ pad: "x".repeat(5 * 1024 * 1024) }),
    token,
  });
  assert.equal(tooBig.status, 413);
  const wrongType = await rawRequest(server.mcpUrl, {
    method: "POST",
    headers: mcpHeaders({ "content-type": "text/plain" }),
    body: initializeBody(),
    token,
  });
  assert.equal(wrongType.status, 415);
});

Deno.test("Host and Origin: foreign values get 403 on a loopback binding", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const post = (headers: Record<string, string>) =>
    rawRequest(server.mcpUrl, {
      method: "POST",
      headers: mcpHeaders(headers),
      body: initializeBody(),
      token,
    });
  assert.equal((await post({ origin: "https://evil.example" })).status, 403);
  const withHost = (host: string, extra: Record<string, string> = {}) =>
    rawHttpStatus(server.mcpUrl, {
      headers: { ...mcpHeaders(extra), host, authorization: `Bearer ${token}` },
      body: initializeBody(),
    });
  assert.equal(await withHost("evil.example"), 403);
  assert.equal(await withHost("evil.example:3000", { origin: "http://localhost:3000" }), 403);
  assert.equal(await withHost("localhost:1234"), 200);
  assert.equal(await withHost("127.0.0.1"), 200);
  const local = await post({ origin: "http://localhost:5173" });
  assert.equal(local.status, 200);
  assert.equal(local.headers.get("access-control-allow-origin"), "http://localhost:5173");
  assert.match(local.headers.get("access-control-expose-headers") ?? "", /Mcp-Session-Id/);
  const preflight = await rawRequest(server.mcpUrl, {
    method: "OPTIONS",
    headers: { origin: "http://127.0.0.1:8080", "access-control-request-method": "POST" },
  });
  assert.equal(preflight.status, 204);
  assert.match(preflight.headers.get("access-control-allow-headers") ?? "", /Mcp-Session-Id/);
});

Deno.test("CORS headers answer only on the MCP routes, never echoing an origin elsewhere", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  for (const path of ["/healthz", "/", "/nope"]) {
    for (const origin of ["https://evil.example", "http://localhost:5173"]) {
      const res = await rawRequest(`${server.url}${path}`, { headers: { origin } });
      assert.equal(res.headers.get("access-control-allow-origin"), null, `${path} ${origin}`);
      assert.equal(res.headers.get("access-control-expose-headers"), null);
    }
  }
  const token = await server.fake.token("alice");
  const sessions = await rawRequest(`${server.url}/mcp/sessions`, {
    token,
    headers: { origin: "http://localhost:5173" },
  });
  assert.equal(sessions.headers.get("access-control-allow-origin"), "http://localhost:5173");
  assert.match(sessions.headers.get("access-control-expose-headers") ?? "", /Next-Cursor/);
});

Deno.test("routing: 404 for unknown paths, 405 with Allow, health without auth", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const health = await rawRequest(`${server.url}/healthz`);
  assert.equal(health.status, 200);
  assert.deepEqual(health.json, { status: "ok" });
  const missing = await rawRequest(`${server.url}/nope`);
  assert.equal(missing.status, 404);
  const wrong = await rawRequest(`${server.url}/healthz`, { method: "POST" });
  assert.equal(wrong.status, 405);
  assert.match(wrong.headers.get("allow") ?? "", /GET/);
  const put = await rawRequest(server.mcpUrl, { method: "PUT", token: "x" });
  assert.equal(put.status, 405);
  assert.match(put.headers.get("allow") ?? "", /POST/);
});

Deno.test("each request is logged once, without the token", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const client = await server.connect(token);
  await client.listTools();
  await client.callTool({ name: "gmail_read-email", arguments: {} });
  const requests = server.logs.map((line) => JSON.parse(line)).filter((e) => e.msg === "request");
  const methods = requests.map((e) => e.mcpMethod);
  assert.ok(methods.includes("initialize"));
  assert.ok(methods.includes("tools/list"));
  const call = requests.find((e) => e.mcpMethod === "tools/call");
  assert.equal(call?.tool, "gmail_read-email");
  assert.equal(call?.status, 200);
  assert.equal(typeof call?.ms, "number");
  const all = server.logs.join("\n");
  for (const part of [token, ...token.split(".")]) assert.ok(!all.includes(part));
});

Deno.test("a 2025 error answer to a request carries that request's id", async (t) => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  await t.step("a request without a session (e.g. a modern probe without _meta)", async () => {
    const res = await rawRequest(server.mcpUrl, {
      method: "POST",
      headers: mcpHeaders(),
      body: JSON.stringify({ jsonrpc: "2.0", id: 17, method: "server/discover" }),
      token,
    });
    assert.equal(res.status, 400);
    assert.deepEqual(res.json, {
      jsonrpc: "2.0",
      error: { code: -32000, message: "Bad Request: Mcp-Session-Id header is required" },
      id: 17,
    });
  });
  await t.step("an unknown session, with a string id", async () => {
    const res = await rawRequest(server.mcpUrl, {
      method: "POST",
      headers: mcpHeaders({ "mcp-session-id": "nope" }),
      body: JSON.stringify({ jsonrpc: "2.0", id: "abc", method: "tools/list" }),
      token,
    });
    assert.equal(res.status, 404);
    assert.equal((res.json as { id: unknown }).id, "abc");
  });
  await t.step("a notification has no id to carry: null", async () => {
    const res = await rawRequest(server.mcpUrl, {
      method: "POST",
      headers: mcpHeaders(),
      body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
      token,
    });
    assert.equal(res.status, 400);
    assert.equal((res.json as { id: unknown }).id, null);
  });
});

Deno.test("GET /mcp is 405 without a session as with one; an unknown session is still 404", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const bare = await rawRequest(server.mcpUrl, { headers: { accept: "text/event-stream" }, token });
  assert.equal(bare.status, 405);
  assert.equal(bare.headers.get("allow"), "POST, DELETE");
  const unknown = await rawRequest(server.mcpUrl, {
    headers: { accept: "text/event-stream", "mcp-session-id": "nope" },
    token,
  });
  assert.equal(unknown.status, 404);
});
