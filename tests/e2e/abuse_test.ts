import assert from "node:assert/strict";
import { fixtureWorkspace } from "../../fake_integration_app/fixtures.ts";
import {
  initializeBody,
  mcpHeaders,
  rawRequest,
  startTestServer,
  type TestServer,
} from "../support/harness.ts";

/**
 * Sends an MCP POST over TCP that declares `declared` body bytes but sends only `body`, then
 * (with `closeWrite`) half-closes the connection; returns the status line's code.
 */
async function partialPost(
  server: TestServer,
  token: string,
  options: { body: string; declared: number; closeWrite: boolean; extra?: string },
): Promise<number> {
  const conn = await Deno.connect({
    hostname: "127.0.0.1",
    port: Number(new URL(server.url).port),
  });
  try {
    const headers = {
      ...mcpHeaders(),
      host: new URL(server.url).host,
      authorization: `Bearer ${token}`,
      "content-length": String(options.declared),
      connection: "close",
    };
    const head = [
      "POST /mcp HTTP/1.1",
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      "",
      "",
    ].join("\r\n");
    await conn.write(new TextEncoder().encode(head + options.body));
    if (options.closeWrite) await conn.closeWrite();
    const buffer = new Uint8Array(4096);
    const read = await conn.read(buffer);
    return Number(new TextDecoder().decode(buffer.subarray(0, read ?? 0)).split(" ")[1]);
  } finally {
    conn.close();
  }
}

Deno.test("a flood of forged tokens costs Integration.app a bounded number of calls", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const { perSecond, burst } = server.services.unverified;
  const good = await server.fake.token("alice");
  assert.equal((await rawRequest(`${server.url}/mcp/sessions`, { token: good })).status, 200);
  const forged = await Promise.all(
    Array.from(
      { length: 500 },
      (_, i) => server.fake.token(`mallory-${i}`, { secret: "not-the-workspace-secret" }),
    ),
  );
  // Every call counts: a token check is `/self`, or a new customer's connections listing.
  const callsBefore = server.fake.requests.length;
  const started = performance.now();
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: 50 }, async () => {
    while (next < forged.length) {
      const token = forged[next++] as string;
      statuses.push((await rawRequest(`${server.url}/mcp/sessions`, { token })).status);
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  const upstreamCalls = server.fake.requests.length - callsBefore;
  assert.deepEqual([...new Set(statuses)].sort(), [401, 429]);
  assert.ok(
    upstreamCalls <= burst + Math.ceil(perSecond * seconds) + 1,
    `${upstreamCalls} upstream calls in ${seconds.toFixed(2)} s (burst ${burst}, ${perSecond}/s)`,
  );
  // A customer whose token is verified is not held back by the flood from its address.
  const after = await rawRequest(`${server.url}/mcp/sessions`, { token: good });
  assert.equal(after.status, 200);
  // The bucket refills at `perSecond` meanwhile: a refill may admit one more refusal first.
  let limited = await rawRequest(`${server.url}/mcp/sessions`, { token: forged[0] });
  for (let attempt = 0; limited.status === 401 && attempt < 5; attempt++) {
    limited = await rawRequest(`${server.url}/mcp/sessions`, { token: forged[attempt + 1] });
  }
  assert.equal(limited.status, 429);
  assert.ok(Number(limited.headers.get("retry-after")) >= 1);
  assert.match(limited.text, /Too many requests without a verified token from this address/);
});

Deno.test("a token that no kind of Integration.app token can be never reaches Integration.app", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const jwt = await server.fake.token("alice");
  const malformed = [
    "short",
    `${jwt}"`,
    `${jwt},x`,
    `${jwt}é`,
    `x${"=".repeat(20)}y`,
    "a".repeat(16 * 1024 + 1),
  ];
  for (const token of malformed) {
    const res = await rawRequest(`${server.url}/mcp/sessions`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 401, token.slice(0, 40));
    assert.match(res.text, /malformed token/);
  }
  assert.equal(server.fake.count(/^GET \/self$/), 0);
  // Plausible tokens of other kinds are asked about (and refused by the fake).
  for (const token of ["pat-0123456789abcdefABCDEF", "ya29.a0AfB_byC-opaque~token+/=="]) {
    const res = await rawRequest(`${server.url}/mcp/sessions`, { token });
    assert.equal(res.status, 401);
    assert.doesNotMatch(res.text, /malformed/);
  }
});

Deno.test("tokens Integration.app accepts never use up their address's limit", async () => {
  await using server = await startTestServer({
    fake: fixtureWorkspace(),
    env: { UNVERIFIED_RATE_LIMIT_PER_SECOND: "1", UNVERIFIED_RATE_LIMIT_BURST: "2" },
  });
  // Many customers of one platform, all connecting from its one address (distinct tokens).
  const tokens = await Promise.all(
    Array.from({ length: 20 }, (_, i) => server.fake.token("alice", { expiresInSeconds: 600 + i })),
  );
  for (const token of tokens) {
    assert.equal((await rawRequest(`${server.url}/mcp/sessions`, { token })).status, 200);
  }
  // Refusals do use it up.
  const forged = await server.fake.token("alice", { secret: "not-the-workspace-secret" });
  const statuses = [];
  for (let i = 0; i < 3; i++) {
    statuses.push((await rawRequest(`${server.url}/mcp/sessions`, { token: forged })).status);
  }
  assert.deepEqual(statuses, [401, 401, 429]);
  assert.equal((await rawRequest(`${server.url}/mcp/sessions`, { token: tokens[0] })).status, 200);
});

Deno.test("token checks that miss the cache run at most IDENTITY_CHECK_CONCURRENCY at once", async () => {
  await using server = await startTestServer({
    fake: fixtureWorkspace(),
    env: { IDENTITY_CHECK_CONCURRENCY: "4", UNVERIFIED_RATE_LIMIT_BURST: "1000" },
  });
  // A token of a customer never seen is checked by listing its connections, others by /self.
  const tokenChecks = /^GET \/(self|connections)$/;
  server.fake.faults.push({ match: tokenChecks, delayMs: 150 });
  const forged = await Promise.all(
    Array.from(
      { length: 24 },
      (_, i) => server.fake.token(`mallory-${i}`, { secret: "not-the-workspace-secret" }),
    ),
  );
  const started = performance.now();
  const statuses = await Promise.all(
    forged.map(async (token) => (await rawRequest(`${server.url}/mcp/sessions`, { token })).status),
  );
  const elapsed = performance.now() - started;
  assert.deepEqual([...new Set(statuses)], [401]);
  assert.equal(server.fake.count(tokenChecks), 24);
  // 24 checks of 150 ms, 4 at a time: at least 6 rounds (all at once would take one).
  assert.ok(elapsed >= 6 * 150 * 0.9, `took ${Math.round(elapsed)} ms`);
});

Deno.test("unauthenticated requests are limited per client address", async () => {
  await using server = await startTestServer({
    fake: fixtureWorkspace(),
    env: { UNVERIFIED_RATE_LIMIT_PER_SECOND: "1", UNVERIFIED_RATE_LIMIT_BURST: "5" },
  });
  const statuses: number[] = [];
  for (let i = 0; i < 8; i++) {
    statuses.push((await rawRequest(`${server.url}/mcp/sessions`)).status);
  }
  assert.deepEqual(statuses.slice(0, 5), [401, 401, 401, 401, 401]);
  assert.ok(statuses.slice(5).every((status) => status === 429), String(statuses));
  // A trusted proxy's header names the client: another client behind it has its own limit.
  await using proxied = await startTestServer({
    fakeApp: server.fake,
    env: {
      UNVERIFIED_RATE_LIMIT_PER_SECOND: "1",
      UNVERIFIED_RATE_LIMIT_BURST: "1",
      CLIENT_ADDRESS_HEADER: "X-Forwarded-For",
    },
  });
  const from = (address: string) =>
    rawRequest(`${proxied.url}/mcp/sessions`, { headers: { "x-forwarded-for": address } });
  assert.equal((await from("198.51.100.1")).status, 401);
  assert.equal((await from("198.51.100.1")).status, 429);
  assert.equal((await from("203.0.113.9, 198.51.100.2")).status, 401);
});

Deno.test("a request body shorter than its Content-Length gets 400, never 500", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const body = initializeBody();
  for (const cut of [0, 10, body.length - 1]) {
    const status = await partialPost(server, token, {
      body: body.slice(0, cut),
      declared: body.length + 100,
      closeWrite: true,
    });
    assert.equal(status, 400, `cut at ${cut}`);
  }
  assert.ok(!server.logs.some((line) => line.includes('"request failed"')), "no 500 was logged");
});

Deno.test("a request body that stops arriving gets 408 after BODY_TIMEOUT_SECONDS", async () => {
  await using server = await startTestServer({
    fake: fixtureWorkspace(),
    env: { BODY_TIMEOUT_SECONDS: "0.3" },
  });
  const token = await server.fake.token("alice");
  const started = performance.now();
  const status = await partialPost(server, token, {
    body: '{"jsonrpc":"2.0",',
    declared: 4_000_000,
    closeWrite: false,
  });
  assert.equal(status, 408);
  const elapsed = performance.now() - started;
  assert.ok(elapsed >= 250 && elapsed < 5_000, `${elapsed} ms`);
});

Deno.test("a customer's requests in flight are capped: more get 429, others are not held up", async () => {
  await using server = await startTestServer({
    fake: fixtureWorkspace(),
    env: { MAX_IN_FLIGHT_PER_TENANT: "3", BODY_TIMEOUT_SECONDS: "5" },
  });
  const alice = await server.fake.token("alice");
  const bob = await server.fake.token("bob");
  // Verify both tokens first, so the uploads below are counted as alice's.
  for (const token of [alice, bob]) {
    assert.equal((await rawRequest(`${server.url}/mcp/sessions`, { token })).status, 200);
  }
  const uploads = Array.from(
    { length: 3 },
    () => partialPost(server, alice, { body: "[", declared: 1_000_000, closeWrite: false }),
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  const over = await rawRequest(`${server.url}/mcp/sessions`, { token: alice });
  assert.equal(over.status, 429);
  assert.match(over.text, /Too many requests in flight: this customer may have 3 requests/);
  assert.equal((await rawRequest(`${server.url}/mcp/sessions`, { token: bob })).status, 200);
  assert.deepEqual(await Promise.all(uploads), [408, 408, 408]);
  assert.equal((await rawRequest(`${server.url}/mcp/sessions`, { token: alice })).status, 200);
});

Deno.test("long method and tool names grow the log, span names and errors by a bounded amount", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const init = await rawRequest(server.mcpUrl, {
    method: "POST",
    token,
    headers: mcpHeaders(),
    body: initializeBody(),
  });
  const headers = mcpHeaders({
    "mcp-session-id": init.headers.get("mcp-session-id") as string,
    "mcp-protocol-version": "2025-06-18",
  });
  const logSize = () => server.logs.reduce((sum, line) => sum + line.length, 0);

  const before = logSize();
  const notifications = Array.from({ length: 100 }, (_, i) => ({
    jsonrpc: "2.0",
    method: `notifications/${i}`.padEnd(41_000, "x"),
  }));
  const batch = await rawRequest(server.mcpUrl, {
    method: "POST",
    token,
    headers,
    body: JSON.stringify(notifications),
  });
  assert.equal(batch.status, 202);
  assert.ok(logSize() - before < 2_000, `the log grew by ${logSize() - before} characters`);

  const middle = logSize();
  const longName = "t".repeat(4_000_000);
  const call = await rawRequest(server.mcpUrl, {
    method: "POST",
    token,
    headers,
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: { name: longName, arguments: {} },
    }),
  });
  assert.equal(call.status, 200);
  assert.ok(call.text.length < 1_000, `the error echoed ${call.text.length} characters`);
  assert.match(call.text, /Unknown tool: t+…/);
  assert.ok(logSize() - middle < 2_000, `the log grew by ${logSize() - middle} characters`);
});

Deno.test("a customer's request bodies share a memory budget while they arrive", async () => {
  await using server = await startTestServer({
    fake: fixtureWorkspace(),
    env: {
      MAX_BODY_BYTES: "100000",
      MAX_BODY_BYTES_IN_FLIGHT_PER_TENANT: "150000",
      BODY_TIMEOUT_SECONDS: "1",
    },
  });
  const alice = await server.fake.token("alice");
  const bob = await server.fake.token("bob");
  for (const token of [alice, bob]) {
    assert.equal((await rawRequest(`${server.url}/mcp/sessions`, { token })).status, 200);
  }
  const part = "[" + " ".repeat(60_000);
  const upload = (token: string) =>
    partialPost(server, token, { body: part, declared: 90_000, closeWrite: false });
  const first = [upload(alice), upload(alice)];
  await new Promise((resolve) => setTimeout(resolve, 300));
  // A third body of alice's does not fit in 150,000 bytes; bob has his own budget.
  const [third, bobs] = await Promise.all([upload(alice), upload(bob)]);
  assert.equal(third, 429);
  assert.equal(bobs, 408);
  assert.deepEqual(await Promise.all(first), [408, 408]);
  // The budget is given back: a whole request fits again.
  assert.equal((await rawRequest(`${server.url}/mcp/sessions`, { token: alice })).status, 200);
  const init = await rawRequest(server.mcpUrl, {
    method: "POST",
    token: alice,
    headers: mcpHeaders(),
    body: initializeBody(),
  });
  assert.equal(init.status, 200);
});
