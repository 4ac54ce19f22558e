import assert from "node:assert/strict";
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

interface Case {
  name: string;
  /** Appended to the /mcp URL. */
  path?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Send without the session id (default: with it). */
  noSession?: boolean;
  noToken?: boolean;
  status: number;
  /** The JSON-RPC error code expected in the body. */
  code?: number;
  message?: RegExp;
}

const rpc = (method: string, params?: unknown, id: unknown = 1): string =>
  JSON.stringify({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) });

const CASES: Case[] = [
  // Bodies that are not JSON, or not JSON-RPC.
  { name: "truncated JSON", body: '{"jsonrpc":"2.0",', status: 400, code: -32700 },
  { name: "an empty body", body: "", status: 400, code: -32700, message: /Parse error/ },
  { name: "a JSON string", body: '"ping"', status: 400, code: -32600, message: /is a string/ },
  { name: "JSON null", body: "null", status: 400, code: -32600, message: /is null/ },
  {
    name: "an object without method",
    body: '{"jsonrpc":"2.0","id":1}',
    status: 400,
    code: -32600,
    message: /not a JSON-RPC message/,
  },
  {
    name: "jsonrpc 1.0",
    body: '{"jsonrpc":"1.0","id":1,"method":"ping"}',
    status: 400,
    code: -32600,
  },
  {
    name: "an object id",
    body: '{"jsonrpc":"2.0","id":{},"method":"ping"}',
    status: 400,
    code: -32600,
  },
  {
    name: "params that are a string",
    body: '{"jsonrpc":"2.0","id":1,"method":"ping","params":"x"}',
    status: 400,
    code: -32600,
  },
  // Batches.
  { name: "an empty batch", body: "[]", status: 400, code: -32600, message: /empty batch/ },
  {
    name: "a batch holding null",
    body: "[null]",
    status: 400,
    code: -32600,
    message: /message 1 of the batch is null/,
  },
  {
    name: "a batch with one bad message",
    body: `[${rpc("ping")}, 42]`,
    status: 400,
    code: -32600,
    message: /message 2 of the batch is a number/,
  },
  {
    name: "a batch of 101 messages",
    body: JSON.stringify(Array.from({ length: 101 }, (_, i) => JSON.parse(rpc("ping", {}, i)))),
    status: 400,
    code: -32600,
    message: /at most 100 messages/,
  },
  {
    name: "a batch of two tools/list requests",
    body: `[${rpc("tools/list", {}, 1)}, ${rpc("ping", {}, 2)}, ${rpc("tools/list", {}, 3)}]`,
    status: 400,
    code: -32600,
    message: /at most one tools\/list request, not 2/,
  },
  {
    name: "deeply nested arrays",
    body: "[".repeat(500) + "]".repeat(500),
    status: 400,
    code: -32600,
  },
  {
    name: "initialize inside a batch",
    body: `[${initializeBody()}, ${rpc("ping")}]`,
    status: 400,
    code: -32600,
    message: /initialize must be sent alone/,
  },
  {
    name: "initialize without clientInfo",
    body: rpc("initialize", { protocolVersion: "2025-06-18", capabilities: {} }),
    noSession: true,
    status: 400,
    code: -32602,
    message: /initialize needs "protocolVersion"/,
  },
  // Methods and params.
  { name: "an unknown method", body: rpc("tools/destroy"), status: 200, code: -32601 },
  {
    name: "tools/call without a name",
    body: rpc("tools/call", { arguments: {} }),
    status: 200,
    code: -32602,
    message: /tools\/call needs "name"/,
  },
  {
    name: "tools/call with a numeric name",
    body: rpc("tools/call", { name: 7 }),
    status: 200,
    code: -32602,
  },
  {
    name: "tools/call with string arguments",
    body: rpc("tools/call", { name: "gmail_send-email", arguments: "to=a@b.co" }),
    status: 200,
    code: -32602,
    message: /"arguments" of tools\/call must be an object/,
  },
  {
    name: "tools/call with array arguments",
    body: rpc("tools/call", { name: "gmail_send-email", arguments: [1] }),
    status: 200,
    code: -32602,
  },
  {
    name: "tools/call of an unknown tool",
    body: rpc("tools/call", { name: "nope_nothing", arguments: {} }),
    status: 200,
    code: -32602,
    message: /Unknown tool: nope_nothing/,
  },
  {
    name: "tools/list with an invented cursor",
    body: rpc("tools/list", { cursor: "page-2" }),
    status: 200,
    code: -32602,
    message: /Invalid cursor/,
  },
  {
    name: "tools/list with a numeric cursor",
    body: rpc("tools/list", { cursor: 2 }),
    status: 200,
    code: -32602,
    message: /"cursor" of tools\/list must be a string/,
  },
  // Sizes and media types.
  {
    name: "a body over MAX_BODY_BYTES",
    body: rpc("ping", { pad: "x".repeat(9000) }),
    status: 413,
    message: /Payload too large: the limit is 8192 bytes/,
  },
  {
    name: "a text/plain body",
    headers: { "content-type": "text/plain" },
    body: rpc("ping"),
    status: 415,
    message: /Content-Type must be application\/json/,
  },
  {
    name: "a form body",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "a=1",
    status: 415,
  },
  {
    name: "Accept without text/event-stream",
    headers: { accept: "application/json" },
    body: rpc("ping"),
    status: 406,
    message: /must accept both application\/json and text\/event-stream/,
  },
  {
    name: "Accept text/html on initialize",
    headers: { accept: "text/html" },
    body: initializeBody(),
    noSession: true,
    status: 406,
  },
  // Query parameters (read on initialize).
  {
    name: "mode=foo",
    path: "?mode=foo",
    body: initializeBody(),
    noSession: true,
    status: 400,
    message: /mode must be "static" or "dynamic", not "foo"/,
  },
  {
    name: "an empty apps",
    path: "?apps=",
    body: initializeBody(),
    noSession: true,
    status: 400,
    message: /apps is empty/,
  },
  {
    name: "apps of only commas",
    path: "?apps=,,,",
    body: initializeBody(),
    noSession: true,
    status: 400,
    message: /apps is empty/,
  },
  {
    name: "apps with 101 keys",
    path: `?apps=${Array.from({ length: 101 }, (_, i) => `app${i}`).join(",")}`,
    body: initializeBody(),
    noSession: true,
    status: 400,
    message: /more than 100 keys/,
  },
  {
    name: "apps with an odd key",
    path: "?apps=gmail,%3Cscript%3E",
    body: initializeBody(),
    noSession: true,
    status: 400,
    message: /is not an integration key/,
  },
  // Headers.
  {
    name: "a 5,000-character x-chat-id",
    headers: { "x-chat-id": "c".repeat(5000) },
    body: initializeBody(),
    noSession: true,
    status: 400,
    message: /x-chat-id must be 1 to 200 printable ASCII characters/,
  },
  {
    name: "an x-chat-id with Latin-1 characters",
    headers: { "x-chat-id": "chat one \u00e9" },
    body: rpc("ping"),
    status: 400,
    message: /x-chat-id/,
  },
  {
    name: "an unknown session id",
    headers: { "mcp-session-id": "no-such-session" },
    body: rpc("ping"),
    status: 404,
    code: -32001,
  },
  {
    name: "a 10,000-character session id",
    headers: { "mcp-session-id": "s".repeat(10_000) },
    body: rpc("ping"),
    status: 404,
    code: -32001,
  },
  {
    name: "no session id",
    body: rpc("ping"),
    noSession: true,
    status: 400,
    message: /Mcp-Session-Id header is required/,
  },
  {
    name: "an unsupported MCP-Protocol-Version",
    headers: { "mcp-protocol-version": "1999-01-01" },
    body: rpc("ping"),
    status: 400,
    message: /Unsupported protocol version/,
  },
  // Authorization abuse.
  {
    name: "no Authorization",
    noToken: true,
    body: rpc("ping"),
    status: 401,
    message: /Authorization: Bearer/,
  },
  {
    name: "Basic credentials",
    noToken: true,
    headers: { authorization: "Basic YWxpY2U6c2VjcmV0" },
    body: rpc("ping"),
    status: 401,
  },
  {
    name: "a bearer token too short to be any token",
    noToken: true,
    headers: { authorization: "Bearer not-a-jwt" },
    body: rpc("ping"),
    status: 401,
    message: /malformed token \(shorter than 16 characters\)/,
  },
  {
    name: "a bearer token Integration.app does not know (not a JWT)",
    noToken: true,
    headers: { authorization: "Bearer not-a-jwt-but-long-enough" },
    body: rpc("ping"),
    status: 401,
    message: /Integration.app refused the token/,
  },
  {
    name: "a JWT with garbage in its payload",
    noToken: true,
    headers: { authorization: "Bearer eyJhbGciOiJIUzI1NiJ9.%%%%.c2ln" },
    body: rpc("ping"),
    status: 401,
  },
  {
    name: "a JWT without workspace or customer",
    noToken: true,
    headers: { authorization: `Bearer eyJhbGciOiJIUzI1NiJ9.${btoa('{"sub":1}')}.c2ln` },
    body: rpc("ping"),
    status: 401,
    message: /Integration.app refused the token/,
  },
  {
    name: "a 20,000-character bearer token",
    noToken: true,
    headers: { authorization: `Bearer ${"a".repeat(20_000)}` },
    body: rpc("ping"),
    status: 401,
    message: /malformed token \(longer than 16384 characters\)/,
  },
  {
    name: "two tokens in one header",
    noToken: true,
    headers: { authorization: "Bearer a.b.c Bearer d.e.f" },
    body: rpc("ping"),
    status: 401,
  },
];

async function send(server: TestServer, token: string, sessionId: string, c: Case) {
  const headers: Record<string, string> = mcpHeaders({
    "mcp-protocol-version": "2025-06-18",
    ...(c.noSession ? {} : { "mcp-session-id": sessionId }),
    ...(c.noToken ? {} : { authorization: `Bearer ${token}` }),
    ...c.headers,
  });
  return await rawRequest(`${server.mcpUrl}${c.path ?? ""}`, {
    method: c.method ?? "POST",
    headers,
    body: c.body,
  });
}

Deno.test("malformed MCP requests get the right status and a clear error, never a 500", async (t) => {
  await using server = await startTestServer({
    fake: fixtureWorkspace(),
    env: { MAX_BODY_BYTES: "8192" },
  });
  const token = await server.fake.token("alice");
  const client = await server.connect(token);
  await client.listTools();
  const sessionId = sessionIdOf(client);
  const sessionsBefore = await countEntries(server.kv, ["sessions"]);

  for (const c of CASES) {
    await t.step(c.name, async () => {
      const res = await send(server, token, sessionId, c);
      assert.equal(res.status, c.status, `${c.name}: ${res.text.slice(0, 300)}`);
      assert.match(res.headers.get("content-type") ?? "", /application\/json/);
      const error = (res.json as { error?: { code?: number; message?: string } }).error;
      assert.ok(error, `${c.name}: no error in ${res.text.slice(0, 300)}`);
      if (c.code !== undefined) assert.equal(error.code, c.code, res.text.slice(0, 300));
      if (c.message) assert.match(error.message ?? "", c.message);
      // Clear messages: a capital first letter, no schema dumps.
      assert.match(error.message ?? "", /^[A-Z]/);
      assert.doesNotMatch(error.message ?? "", /"code":\s*"invalid_type"|^\[/);
    });
  }

  // None of them created or ended a session, and the real one still works.
  assert.equal(await countEntries(server.kv, ["sessions"]), sessionsBefore);
  assert.ok((await client.listTools()).tools.length > 0);
  assert.equal(server.logs.filter((line) => /"status":5\d\d/.test(line)).length, 0);
});

async function countEntries(kv: Deno.Kv, prefix: Deno.KvKey): Promise<number> {
  let n = 0;
  for await (const _ of kv.list({ prefix })) n++;
  return n;
}

Deno.test("wrongly typed tool arguments are refused by name before anything is sent", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const client = await server.connect(await server.fake.token("alice"));
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ email: 42 }, /"email" must be string/],
    [{ email: "a@b.co", lifecycle: "boss" }, /"lifecycle" must be one of \["lead","customer"\]/],
    [{}, /missing required field "email"/],
    [{ email: "a@b.co", extra: true }, /unknown field "extra"/],
    [{ email: "not an email" }, /"email" must match format "email"/],
    [{ email: ["a@b.co"] }, /"email" must be string/],
    [{ email: null }, /"email" must be string/],
  ];
  for (const [args, message] of cases) {
    const result = await client.callTool({ name: "hubspot_create-contact", arguments: args });
    assert.equal(result.isError, true, JSON.stringify(args));
    const text = (result.content as { text: string }[])[0]?.text ?? "";
    assert.match(text, message);
    assert.match(text, /Nothing was sent/);
  }
  assert.equal(server.fake.count(/\/run$/), 0);
});

Deno.test("the chats endpoint refuses chat ids that cannot exist with 400, not 500", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  await server.connect(token, { headers: { "x-chat-id": "a/b%c" } });
  const url = `${server.url}/mcp/sessions`;
  for (const bad of ["c".repeat(5000), "%E0%A4%A", "%20", "caf%C3%A9"]) {
    const get = await rawRequest(`${url}/${bad}`, { token });
    assert.equal(get.status, 400, bad.slice(0, 20));
    assert.match(get.text, /a chat id is 1 to 200 printable ASCII characters/);
    const del = await rawRequest(`${url}/${bad}`, { method: "DELETE", token });
    assert.equal(del.status, 400);
  }
  // A chat id with reserved characters is reachable percent-encoded.
  const found = await rawRequest(`${url}/${encodeURIComponent("a/b%c")}`, { token });
  assert.equal(found.status, 200);
  assert.equal((found.json as { chatId: string }).chatId, "a/b%c");
});

Deno.test("a refused initialize or request leaves the chat it names untouched", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const client = await server.connect(token, { headers: { "x-chat-id": "chat-1" } });
  const other = await server.connect(token);
  const chats = async () => (await rawRequest(`${server.url}/mcp/sessions`, { token })).json;
  const expected = { "chat-1": sessionIdOf(client) };
  assert.deepEqual(await chats(), expected);

  const refusedInit = await rawRequest(server.mcpUrl, {
    method: "POST",
    token,
    headers: mcpHeaders({ "x-chat-id": "chat-1", accept: "application/json" }),
    body: initializeBody(),
  });
  assert.equal(refusedInit.status, 406);
  assert.deepEqual(await chats(), expected);

  const refusedLink = await rawRequest(server.mcpUrl, {
    method: "POST",
    token,
    headers: mcpHeaders({
      "x-chat-id": "chat-1",
      "mcp-session-id": sessionIdOf(other),
      "mcp-protocol-version": "1999-01-01",
    }),
    body: rpc("ping"),
  });
  assert.equal(refusedLink.status, 400);
  assert.deepEqual(await chats(), expected);
});

Deno.test("odd Host headers are refused with 403 or 400, never a 500", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  for (const host of ["", "evil.example", "127.0.0.1:99999", "user@127.0.0.1", "[::1"]) {
    const status = await rawHttpStatus(server.mcpUrl, {
      headers: { ...mcpHeaders(), host, authorization: `Bearer ${token}` },
      body: initializeBody(),
    });
    assert.ok(status === 400 || status === 403, `Host "${host}" got ${status}`);
  }
});
