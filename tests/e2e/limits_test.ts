import assert from "node:assert/strict";
import { type Client, StreamableHTTPError } from "../../src/sdk/client.ts";
import { FakeIntegrationApp } from "../../fake_integration_app/server.ts";
import { fixtureWorkspace } from "../../fake_integration_app/fixtures.ts";
import {
  initializeBody,
  mcpHeaders,
  rawRequest,
  sessionIdOf,
  startTestServer,
  textOf,
} from "../support/harness.ts";

/** A clock that only moves when the test says so, so token buckets are deterministic. */
function manualClock(): { now: () => number; advance(ms: number): void } {
  let t = Date.now();
  return { now: () => t, advance: (ms) => void (t += ms) };
}

async function httpError(promise: Promise<unknown>): Promise<StreamableHTTPError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof StreamableHTTPError, `Expected an HTTP error, got ${error}`);
    return error;
  }
  assert.fail("Expected the request to be refused");
}

Deno.test("a customer over the request rate gets 429 with Retry-After; others are not slowed", async () => {
  const clock = manualClock();
  await using server = await startTestServer({
    fake: fixtureWorkspace(),
    now: clock.now,
    env: { RATE_LIMIT_PER_SECOND: "2", RATE_LIMIT_BURST: "5" },
  });
  const alice = await server.fake.token("alice");
  const sessions = `${server.url}/mcp/sessions`;
  for (let i = 0; i < 5; i++) {
    assert.equal((await rawRequest(sessions, { token: alice })).status, 200);
  }
  const refused = await rawRequest(sessions, { token: alice });
  assert.equal(refused.status, 429);
  assert.equal(refused.headers.get("retry-after"), "1");
  assert.deepEqual(refused.json, {
    error: {
      status: 429,
      message: "Too many requests: this customer may send 2 requests per second (bursts of 5); " +
        "retry in 1 s",
    },
  });
  const onMcp = await rawRequest(server.mcpUrl, {
    method: "POST",
    token: alice,
    headers: mcpHeaders(),
    body: initializeBody(),
  });
  assert.equal(onMcp.status, 429);
  assert.equal((onMcp.json as { error: { code: number } }).error.code, -32000);

  const bob = await server.fake.token("bob");
  assert.equal((await rawRequest(sessions, { token: bob })).status, 200);
  clock.advance(500); // one token back
  assert.equal((await rawRequest(sessions, { token: alice })).status, 200);
  assert.equal((await rawRequest(sessions, { token: alice })).status, 429);
});

Deno.test("tool calls have their own per-customer limit", async () => {
  const clock = manualClock();
  await using server = await startTestServer({
    fake: fixtureWorkspace(),
    now: clock.now,
    env: { TOOL_CALL_RATE_LIMIT_PER_SECOND: "1", TOOL_CALL_RATE_LIMIT_BURST: "2" },
  });
  const client = await server.connect(await server.fake.token("alice"));
  for (let i = 0; i < 2; i++) {
    const result = await client.callTool({ name: "gmail_read-email", arguments: {} });
    assert.equal(result.isError, undefined);
  }
  const error = await httpError(client.callTool({ name: "gmail_read-email", arguments: {} }));
  assert.equal(error.code, 429);
  assert.match(error.message, /Too many tool calls: this customer may call 1 tools per second/);
  assert.equal(server.fake.count(/\/run$/), 2);
  // Other requests of the session go on.
  assert.ok((await client.listTools()).tools.length > 0);
  clock.advance(1000);
  const after = await client.callTool({ name: "gmail_read-email", arguments: {} });
  assert.match(textOf(after), /""/);
});

Deno.test("parallel initializes never open more sessions than the cap", async () => {
  await using server = await startTestServer({
    fake: fixtureWorkspace(),
    env: { MAX_SESSIONS_PER_TENANT: "3" },
  });
  const token = await server.fake.token("alice");
  const responses = await Promise.all(
    Array.from({ length: 20 }, () =>
      rawRequest(server.mcpUrl, {
        method: "POST",
        token,
        headers: mcpHeaders(),
        body: initializeBody(),
      })),
  );
  const opened = responses.filter((response) => response.status === 200);
  const refused = responses.filter((response) => response.status === 429);
  assert.equal(opened.length, 3, `statuses: ${responses.map((r) => r.status).join(",")}`);
  assert.equal(refused.length, 17);
  for (const response of refused) {
    assert.equal(response.headers.get("retry-after"), "60");
    assert.match(response.text, /Too many live sessions: this customer holds 3 of the 3/);
  }
  let stored = 0;
  for await (const _ of server.kv.list({ prefix: ["sessions"] })) stored++;
  assert.equal(stored, 3, "three sessions in KV");
});

Deno.test("past the session cap new sessions get 429 and live ones are never evicted", async () => {
  const clock = manualClock();
  await using server = await startTestServer({
    fake: fixtureWorkspace(),
    now: clock.now,
    env: { MAX_SESSIONS_PER_TENANT: "3" },
  });
  const token = await server.fake.token("alice");
  const live = [];
  for (let i = 0; i < 3; i++) live.push(await server.connect(token));
  const refused = await rawRequest(server.mcpUrl, {
    method: "POST",
    token,
    headers: mcpHeaders(),
    body: initializeBody(),
  });
  assert.equal(refused.status, 429);
  assert.equal(refused.headers.get("retry-after"), "60");
  assert.match(
    refused.text,
    /Too many live sessions: this customer holds 3 of the 3 allowed\. End sessions/,
  );
  assert.equal(refused.headers.get("mcp-session-id"), null);

  for (const client of live) assert.ok((await client.listTools()).tools.length > 0);
  await server.connect(await server.fake.token("bob"));

  // Ending one session frees a slot (found by a recount at most once a second).
  const ended = await rawRequest(server.mcpUrl, {
    method: "DELETE",
    token,
    headers: { "mcp-session-id": sessionIdOf(live[0] as Client) },
  });
  assert.equal(ended.status, 200);
  clock.advance(1000);
  const again = await server.connect(token);
  assert.ok((await again.listTools()).tools.length > 0);
});

Deno.test("two instances on one KV share the rate limit and see each other's sessions", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp-limits-" });
  try {
    await using fake = new FakeIntegrationApp(fixtureWorkspace()).start();
    const clock = manualClock();
    const options = {
      fakeApp: fake,
      kvPath: `${dir}/kv.sqlite3`,
      now: clock.now,
      env: { RATE_LIMIT_PER_SECOND: "1", RATE_LIMIT_BURST: "10", MAX_SESSIONS_PER_TENANT: "4" },
    };
    await using a = await startTestServer(options);
    await using b = await startTestServer(options);
    const token = await fake.token("alice");
    const get = (url: string) => rawRequest(`${url}/mcp/sessions`, { token });

    // Rate: each instance decides locally and learns the other's spending at its next sync.
    assert.equal((await get(a.url)).status, 200);
    assert.equal((await get(b.url)).status, 200);
    await a.services.limits.sync();
    await b.services.limits.sync();
    for (let i = 0; i < 7; i++) assert.equal((await get(a.url)).status, 200);
    await a.services.limits.sync();
    await b.services.limits.sync();
    assert.equal((await get(b.url)).status, 200); // the 10th request of the burst
    assert.equal((await get(b.url)).status, 429);

    // Sessions: two on each instance fill the cap of 4; after the refresh interval an
    // instance counts the other's sessions too.
    clock.advance(20_000);
    for (const server of [a, b, a, b]) {
      await server.connect(token);
      // One SQLite file opened twice in one process: let each instance's background writes
      // (catalog prefetch) finish before the other writes, as separate processes would.
      await a.services.background.drain();
      await b.services.background.drain();
    }
    clock.advance(10_000);
    const refused = await rawRequest(a.mcpUrl, {
      method: "POST",
      token,
      headers: mcpHeaders(),
      body: initializeBody(),
    });
    assert.equal(refused.status, 429);
    assert.match(refused.text, /holds 4 of the 4 allowed/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the default limits let one customer hold 1,000 sessions", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const init = () =>
    rawRequest(server.mcpUrl, {
      method: "POST",
      token,
      headers: mcpHeaders(),
      body: initializeBody(),
    });
  const statuses: number[] = [];
  for (let batch = 0; batch < 20; batch++) {
    const results = await Promise.all(Array.from({ length: 50 }, init));
    statuses.push(...results.map((r) => r.status));
  }
  assert.equal(statuses.filter((s) => s === 200).length, 1000);
  assert.equal(
    await server.services.sessions.countSessions(
      (await server.services.identities.resolve(token)).tenant,
      100_000,
    ),
    1000,
  );
});

Deno.test("a batch with more tool calls than the burst is refused with 400, not an endless 429", async () => {
  await using server = await startTestServer({
    fake: fixtureWorkspace(),
    env: { TOOL_CALL_RATE_LIMIT_BURST: "2" },
  });
  const token = await server.fake.token("alice");
  const client = await server.connect(token);
  const call = (id: number) => ({
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: { name: "gmail_read-email", arguments: {} },
  });
  const res = await rawRequest(server.mcpUrl, {
    method: "POST",
    headers: mcpHeaders({
      "mcp-session-id": (client.transport as unknown as { sessionId: string }).sessionId,
      "mcp-protocol-version": "2025-06-18",
    }),
    body: JSON.stringify([call(1), call(2), call(3)]),
    token,
  });
  assert.equal(res.status, 400);
  assert.match(res.text, /at most 2 tool calls/);
});
