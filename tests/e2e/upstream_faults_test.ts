import assert from "node:assert/strict";
import { CIRCUIT_OPEN_KEY } from "../../src/integration_app/circuit_breaker.ts";
import { createIntegrationAppApiFactory } from "../../src/integration_app/client.ts";
import { UpstreamError } from "../../src/integration_app/errors.ts";
import {
  FakeApiError,
  type FakeFault,
  FakeIntegrationApp,
} from "../../fake_integration_app/server.ts";
import { fixtureWorkspace } from "../../fake_integration_app/fixtures.ts";
import {
  initializeBody,
  mcpHeaders,
  rawRequest,
  startTestServer,
  textOf,
} from "../support/harness.ts";

const badGateway = (): FakeApiError => new FakeApiError(502, "<html>502 Bad Gateway</html>");

/** The next two action runs are rate limited: a raw 429 with `Retry-After`, then a typed one. */
function rateLimitedRuns(retryAfterSeconds: number): FakeFault[] {
  return [{
    match: /\/run$/,
    error: new FakeApiError(429, "Too Many Requests", { "retry-after": String(retryAfterSeconds) }),
    times: 1,
  }, {
    match: /\/run$/,
    error: new FakeApiError(429, {
      type: "bad_request",
      key: "rate_limit_exceeded",
      message: "Too many requests",
    }),
    times: 1,
  }];
}

async function rejection(promise: Promise<unknown>): Promise<UpstreamError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof UpstreamError, `Expected an UpstreamError, got ${error}`);
    return error;
  }
  assert.fail("Expected the call to fail");
}

/** A clock the test moves by hand. */
function manualClock(): { now: () => number; advance(ms: number): void } {
  let t = Date.now();
  return { now: () => t, advance: (ms) => void (t += ms) };
}

Deno.test("the API client retries reads with backoff, never action runs, and stops at its bound", async (t) => {
  await using fake = new FakeIntegrationApp(fixtureWorkspace()).start();
  const token = await fake.token("alice");
  const api = createIntegrationAppApiFactory({
    apiUrl: fake.url,
    timeoutMs: 5_000,
    retryBaseMs: 1,
    breakerThreshold: 100,
  })(token);

  await t.step("a read that fails twice succeeds on the third attempt", async () => {
    fake.requests = [];
    fake.faults = [{ match: /^GET \/connections$/, error: badGateway(), times: 2 }];
    const connections = await api.listConnections();
    assert.equal(connections.length, 4);
    assert.equal(fake.count(/^GET \/connections$/), 3);
  });

  await t.step("a read that keeps failing gives up after two retries", async () => {
    fake.requests = [];
    fake.faults = [{ match: /^GET \/self$/, error: badGateway() }];
    const error = await rejection(api.getSelf());
    assert.equal(error.kind, "unavailable");
    assert.equal(fake.count(/^GET \/self$/), 3);
  });

  await t.step("a refused read is not retried", async () => {
    fake.requests = [];
    fake.faults = [];
    const forged = await fake.token("alice", { secret: "forged" });
    const error = await rejection(
      createIntegrationAppApiFactory({ apiUrl: fake.url, timeoutMs: 5_000 })(forged).getSelf(),
    );
    assert.equal(error.kind, "auth");
    assert.equal(fake.count(/^GET \/self$/), 1);
  });

  await t.step("an action run that fails is sent once", async () => {
    fake.requests = [];
    fake.faults = [{ match: /\/run$/, error: badGateway() }];
    const error = await rejection(api.runAction("conn_gmail", "read-email", {}));
    assert.equal(error.kind, "unavailable");
    assert.equal(fake.count(/\/run$/), 1);
  });

  await t.step("a raw 429 carries its Retry-After; a typed one is classified", async () => {
    fake.faults = rateLimitedRuns(7);
    const raw = await rejection(api.runAction("conn_gmail", "read-email", {}));
    assert.equal(raw.kind, "rate_limited");
    assert.equal(raw.retryAfterSeconds, 7);
    const typed = await rejection(api.runAction("conn_gmail", "read-email", {}));
    assert.equal(typed.kind, "rate_limited");
    assert.equal(typed.key, "rate_limit_exceeded");
  });
});

Deno.test("a dead Integration.app opens the circuit: calls fail fast without reaching it", async () => {
  await using fake = new FakeIntegrationApp(fixtureWorkspace()).start();
  const token = await fake.token("alice");
  const clock = manualClock();
  const factory = createIntegrationAppApiFactory({
    apiUrl: fake.url,
    timeoutMs: 5_000,
    retryBaseMs: 1,
    breakerThreshold: 3,
    breakerCooldownMs: 20_000,
    now: clock.now,
  });
  fake.faults = [{ match: /./, error: badGateway() }];
  // One read: three attempts, three outages in a row: the circuit opens.
  assert.equal((await rejection(factory(token).listConnections())).kind, "unavailable");
  assert.equal(fake.requests.length, 3);

  // Every client of the factory (any customer) now fails fast, reads and runs alike.
  const bob = factory(await fake.token("bob"));
  for (const call of [bob.getSelf(), bob.runAction("conn_bob_gmail", "read-email", {})]) {
    const error = await rejection(call);
    assert.equal(error.kind, "unavailable");
    assert.equal(error.key, CIRCUIT_OPEN_KEY);
    assert.equal(error.retryAfterSeconds, 20);
    assert.match(error.message, /calls are paused; the next attempt is in 20 s/);
  }
  assert.equal(fake.requests.length, 3);

  // After the cooldown a probe goes through; Integration.app is back, so the circuit closes.
  fake.faults = [];
  clock.advance(20_000);
  assert.equal((await bob.getSelf()).internalId, "bob");
  assert.equal((await factory(token).listConnections()).length, 4);
});

Deno.test("a hanging action run gives an isError result after the timeout and frees the request", async () => {
  await using server = await startTestServer({
    fake: fixtureWorkspace(),
    env: { UPSTREAM_TIMEOUT_SECONDS: "0.3" },
  });
  const client = await server.connect(await server.fake.token("alice"));
  await client.listTools();
  server.fake.faults.push({ match: /\/run$/, hang: true, times: 1 });
  const hung = await client.callTool({ name: "gmail_read-email", arguments: { id: "1" } });
  assert.equal(hung.isError, true);
  assert.match(
    textOf(hung),
    /Gmail action "Read Email" \(gmail_read-email\) did not finish in time/,
  );
  assert.match(textOf(hung), /may or may not have run/);

  // The request was released, the run was not repeated, and the server goes on serving.
  const next = await client.callTool({ name: "gmail_read-email", arguments: { id: "2" } });
  assert.equal(next.isError, undefined);
  assert.equal(server.fake.count(/\/run$/), 2);
  const health = await rawRequest(`${server.url}/healthz`);
  assert.equal(health.status, 200);
});

Deno.test("a timed-out action run is aborted upstream, not only abandoned", async () => {
  await using server = await startTestServer({
    fake: { ...fixtureWorkspace(), trackAborts: true },
    env: { UPSTREAM_TIMEOUT_SECONDS: "0.3" },
  });
  const client = await server.connect(await server.fake.token("alice"));
  await client.listTools();
  const ran = await client.callTool({ name: "gmail_read-email", arguments: { id: "1" } });
  assert.equal(ran.isError, undefined);
  server.fake.faults.push({ match: /\/run$/, hang: true, times: 1 });
  const hung = await client.callTool({ name: "gmail_read-email", arguments: { id: "2" } });
  assert.equal(hung.isError, true);
  assert.match(textOf(hung), /did not finish in time/);

  // The fake sees its hanging request cancelled by the server (within a bound, not a sleep).
  const runs = () => server.fake.requests.filter((r) => r.path.endsWith("/run"));
  const until = Date.now() + 3_000;
  while (runs()[1]?.aborted !== true && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.deepEqual(runs().map((r) => r.aborted ?? false), [false, true]);
});

Deno.test("a read that times out is aborted upstream too", async () => {
  await using fake = new FakeIntegrationApp({ ...fixtureWorkspace(), trackAborts: true }).start();
  fake.faults.push({ match: /^GET \/connections$/, hang: true, times: 1 });
  const api = createIntegrationAppApiFactory({ apiUrl: fake.url, timeoutMs: 200, readRetries: 0 })(
    await fake.token("alice"),
  );
  await assert.rejects(api.listConnections(), (error: unknown) => {
    assert.ok(error instanceof UpstreamError);
    assert.equal(error.kind, "timeout");
    return true;
  });
  const until = Date.now() + 3_000;
  while (fake.requests[0]?.aborted !== true && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal(fake.requests[0]?.aborted, true);
});

Deno.test("a hanging token check answers 503 with Retry-After after the timeout", async () => {
  await using server = await startTestServer({
    fake: fixtureWorkspace(),
    env: { UPSTREAM_TIMEOUT_SECONDS: "0.2" },
  });
  server.fake.faults.push({ match: /^GET \/self$/, hang: true });
  const res = await rawRequest(`${server.url}/mcp/sessions`, {
    token: await server.fake.token("alice"),
  });
  assert.equal(res.status, 503);
  assert.ok(Number(res.headers.get("retry-after")) >= 1);
  assert.match(res.text, /Cannot check the token: Integration.app is unavailable/);
  // A timed-out read is not retried: one timeout is the whole budget.
  assert.equal(server.fake.count(/^GET \/self$/), 1);
});

Deno.test("a rate-limited tool call tells the model when to retry", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const client = await server.connect(await server.fake.token("alice"));
  server.fake.faults.push(...rateLimitedRuns(12));
  const raw = await client.callTool({ name: "gmail_read-email", arguments: {} });
  assert.equal(raw.isError, true);
  assert.match(textOf(raw), /was rate limited: .*Retry after 12 seconds/);
  const typed = await client.callTool({ name: "gmail_read-email", arguments: {} });
  assert.equal(typed.isError, true);
  assert.match(textOf(typed), /was rate limited: Too many requests\. Retry after \d+ seconds/);
  assert.equal(server.fake.count(/\/run$/), 2);
});

Deno.test("Integration.app down: tools/list serves the last good catalog, calls fail fast, /healthz is up", async () => {
  const clock = manualClock();
  await using server = await startTestServer({
    fake: fixtureWorkspace(),
    now: clock.now,
    env: {
      CATALOG_TTL_SECONDS: "60",
      UPSTREAM_BREAKER_THRESHOLD: "2",
      UPSTREAM_BREAKER_COOLDOWN_SECONDS: "30",
    },
  });
  const client = await server.connect(await server.fake.token("alice"));
  const before = (await client.listTools()).tools.map((tool) => tool.name);
  assert.ok(before.length > 0);

  clock.advance(61_000); // the catalog is stale now, and Integration.app goes down
  server.fake.faults.push({ match: /./, error: badGateway() });
  const during = (await client.listTools()).tools.map((tool) => tool.name);
  assert.deepEqual(during, before);

  const first = await client.callTool({ name: "gmail_read-email", arguments: {} });
  const second = await client.callTool({ name: "gmail_read-email", arguments: {} });
  for (const result of [first, second]) {
    assert.equal(result.isError, true);
    assert.match(textOf(result), /could not run because Integration.app is unavailable/);
  }
  const reached = server.fake.requests.length;
  for (let i = 0; i < 3; i++) {
    const fast = await client.callTool({ name: "gmail_read-email", arguments: {} });
    assert.equal(fast.isError, true);
    assert.match(
      textOf(fast),
      /calls are paused; the next attempt is in 30 s\. Retry in 30 seconds/,
    );
  }
  assert.equal(server.fake.requests.length, reached, "calls reached the dead upstream");
  assert.deepEqual((await client.listTools()).tools.map((tool) => tool.name), before);
  const health = await rawRequest(`${server.url}/healthz`);
  assert.equal(health.status, 200);

  // Integration.app is back: after the cooldown one probe (here the catalog refresh that
  // tools/list starts) goes through and closes the circuit.
  server.fake.faults = [];
  clock.advance(30_000);
  await client.listTools();
  await server.services.background.drain();
  const back = await client.callTool({ name: "gmail_read-email", arguments: {} });
  assert.equal(back.isError, undefined);
});

Deno.test("a fresh instance serves the stored catalog while Integration.app is down", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp-faults-" });
  try {
    await using fake = new FakeIntegrationApp(fixtureWorkspace()).start();
    const token = await fake.token("alice");
    const clock = manualClock();
    let before: string[];
    {
      await using first = await startTestServer({
        fakeApp: fake,
        kvPath: `${dir}/kv.sqlite3`,
        env: { CATALOG_TTL_SECONDS: "60" },
      });
      const client = await first.connect(token);
      before = (await client.listTools()).tools.map((tool) => tool.name);
    }
    clock.advance(2 * 60_000); // past the catalog TTL (the stored copy is stale), not the token's
    fake.faults.push({ match: /./, error: badGateway() });
    fake.requests = [];
    await using second = await startTestServer({
      fakeApp: fake,
      kvPath: `${dir}/kv.sqlite3`,
      now: clock.now,
      env: { CATALOG_TTL_SECONDS: "60" },
    });
    const client = await second.connect(token);
    assert.deepEqual((await client.listTools()).tools.map((tool) => tool.name), before);
    // The token was known from KV; the refresh of the stale catalog failed upstream.
    await second.services.background.drain();
    assert.equal(fake.count(/^GET \/self$/), 0);
    assert.ok(fake.count(/^GET \/connections$/) > 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("one customer's slow or failing actions never open the circuit for everyone", async () => {
  await using server = await startTestServer({
    fake: fixtureWorkspace(),
    env: { UPSTREAM_TIMEOUT_SECONDS: "0.2", UPSTREAM_BREAKER_THRESHOLD: "2" },
  });
  const alice = await server.connect(await server.fake.token("alice"));
  await alice.listTools();
  server.fake.faults = [
    { match: /list-contacts\/run$/, delayMs: 600 },
    {
      match: /count-contacts\/run$/,
      error: new FakeApiError(500, { type: "internal", message: "External app crashed" }),
    },
  ];
  for (let i = 0; i < 3; i++) {
    const slow = await alice.callTool({ name: "hubspot_list-contacts", arguments: {} });
    assert.match(textOf(slow), /did not finish in time/);
    const failing = await alice.callTool({ name: "hubspot_count-contacts", arguments: {} });
    assert.match(textOf(failing), /External app crashed/);
  }
  // The circuit is still closed: other calls, and other customers, go through.
  const gmail = await alice.callTool({ name: "gmail_read-email", arguments: {} });
  assert.equal(gmail.isError, undefined);
  const init = await rawRequest(server.mcpUrl, {
    method: "POST",
    headers: mcpHeaders(),
    body: initializeBody(),
    token: await server.fake.token("bob"),
  });
  assert.equal(init.status, 200);
});
