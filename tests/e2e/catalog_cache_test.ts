import assert from "node:assert/strict";
import { FakeApiError } from "../../fake_integration_app/server.ts";
import type { Client } from "../../src/sdk/client.ts";
import { fixtureWorkspace } from "../../fake_integration_app/fixtures.ts";
import { initializeBody, mcpHeaders, rawRequest, startTestServer } from "../support/harness.ts";

const LISTINGS = /^GET \/(connections|actions|integrations)/;

/** A clock the test moves by hand. */
function manualClock(): { now: () => number; advance(ms: number): void } {
  let at = Date.now();
  return { now: () => at, advance: (ms) => at += ms };
}

Deno.test("a second session makes no upstream request while the catalog is fresh", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const first = await server.connect(token);
  const listed = (await first.listTools()).tools.map((t) => t.name);
  assert.ok(server.fake.count(LISTINGS) > 0);

  server.fake.requests = [];
  const second = await server.connect(token);
  assert.deepEqual((await second.listTools()).tools.map((t) => t.name), listed);
  assert.equal(server.fake.count(LISTINGS), 0, "no listing request");
  assert.equal(server.fake.requests.length, 0, "no request at all: the token is cached too");
});

Deno.test("many distinct apps sets list nothing upstream beyond one build and store one catalog", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const full = await rawRequest(`${server.url}/mcp/tools?limit=200`, { token });
  assert.equal(full.status, 200);
  const listed = server.fake.count(LISTINGS);
  assert.ok(listed > 0);

  for (let i = 0; i < 20; i++) {
    const keys = Array.from({ length: 99 }, (_, j) => `app-${i}-${j}`);
    const response = await rawRequest(
      `${server.url}/mcp/tools?apps=${[...keys, "gmail"].join(",")}`,
      { token },
    );
    assert.equal(response.status, 200);
    const names = (response.json as { tools: { name: string }[] }).tools.map((t) => t.name);
    assert.deepEqual(names.sort(), ["gmail_read-email", "gmail_send-email"]);
  }
  await server.services.background.drain();
  assert.equal(server.fake.count(LISTINGS), listed, "no listing for an apps set");
  assert.equal(server.services.catalogs.builds, 1);
  let stored = 0;
  for await (const entry of server.kv.list({ prefix: ["catalog"] })) {
    if (entry.key.at(-1) === "meta") stored++;
  }
  assert.equal(stored, 1, "one catalog in KV");

  // A session narrowed to some apps sees the names of the full catalog.
  const client = await server.connect(token, { query: "?apps=gmail,hubspot" });
  const everything = (full.json as { tools: { name: string; app: string }[] }).tools
    .filter((tool) => tool.app === "gmail" || tool.app === "hubspot").map((tool) => tool.name);
  assert.deepEqual(
    (await client.listTools()).tools.map((t) => t.name).sort(),
    [...everything, "read-result"].sort(),
  );
  assert.equal(server.fake.count(LISTINGS), listed);
});

Deno.test("sessions that start together share one catalog build", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const clients = await Promise.all(Array.from({ length: 5 }, () => server.connect(token)));
  const lists = await Promise.all(clients.map((client) => client.listTools()));
  assert.ok(lists.every((list) => list.tools.length === lists[0]?.tools.length));
  assert.equal(server.fake.count(/^GET \/self$/), 1);
  assert.equal(server.fake.count(/^GET \/connections$/), 1);
  assert.equal(server.services.catalogs.builds, 1);
});

Deno.test("a new customer's token is proven by its connections listing, and /self runs beside the action listings", async () => {
  // 150 ms per upstream request: the order of the round trips is what the timing shows.
  await using server = await startTestServer({ fake: { ...fixtureWorkspace(), latencyMs: 150 } });
  const client = await server.connect(await server.fake.token("alice"));
  // Answered once /self was: the action listings were asked for beside it, not after it.
  const order = server.fake.requests.map((r) => `${r.method} ${r.path}`);
  assert.equal(order[0], "GET /connections", "the first request checks the token");
  assert.ok(order.includes("GET /self"));
  assert.ok(order.includes("GET /actions"), `initialized before any action listing: ${order}`);
  assert.equal((await client.listTools()).tools.length, 8);
  assert.equal(server.fake.count(/^GET \/connections$/), 1, "the connections are listed once");
  assert.equal(server.services.catalogs.builds, 1);

  // A customer seen before is checked by /self alone, even after a restart (KV remembers).
  // A restart drains what the stopped server had started (its catalog's copy in KV).
  await server.services.background.drain();
  server.fake.requests = [];
  await using restarted = await startTestServer({ kv: server.kv, fakeApp: server.fake });
  await restarted.connect(await server.fake.token("alice", { expiresInSeconds: 120 }));
  assert.deepEqual(server.fake.requests.map((r) => r.path), ["/self"]);
});

Deno.test("forged tokens claiming a customer never start or spoil that customer's catalog", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const forge = (n: number) =>
    server.fake.token("alice", { secret: `forged-${n}` }).then((token) =>
      rawRequest(server.mcpUrl, {
        method: "POST",
        headers: mcpHeaders(),
        body: initializeBody(),
        token,
      })
    );
  const forged = Promise.all(Array.from({ length: 10 }, (_, n) => forge(n)));
  const client = await server.connect(await server.fake.token("alice"));
  // 7 tools and read-result.
  assert.equal((await client.listTools()).tools.length, 8);
  for (const response of await forged) assert.equal(response.status, 401);
  // A forged token costs one check (`/self`, or the connections of a customer never seen),
  // refused there: none of its requests lists actions.
  const forgedRequests = server.fake.requests.filter((r) => r.customer === undefined);
  assert.ok(forgedRequests.length <= 10, `${forgedRequests.length} requests of forged tokens`);
  assert.deepEqual(
    forgedRequests.filter((r) => r.path !== "/self" && r.path !== "/connections"),
    [],
    "nothing but a token check is asked with a forged token",
  );
});

Deno.test("a forged token is refused and leaves no catalog behind", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const forged = await server.fake.token("alice", { secret: "not-the-workspace-secret" });
  const refused = await rawRequest(server.mcpUrl, {
    method: "POST",
    headers: mcpHeaders(),
    body: initializeBody(),
    token: forged,
  });
  assert.equal(refused.status, 401);
  await server.services.background.drain();
  assert.equal(server.fake.count(/^GET \/actions$/), 0, "the listings failed with the token");

  const builds = server.services.catalogs.builds;
  const client = await server.connect(await server.fake.token("alice"));
  // 7 tools and read-result.
  assert.equal((await client.listTools()).tools.length, 8);
  assert.equal(server.services.catalogs.builds, builds + 1, "built anew for the real token");
});

Deno.test("a stale catalog is served while Integration.app fails, then refreshed", async () => {
  const clock = manualClock();
  await using server = await startTestServer({
    fake: fixtureWorkspace(),
    now: clock.now,
    env: { CATALOG_TTL_SECONDS: "60", IDENTITY_TTL_SECONDS: "3600" },
  });
  const client = await server.connect(await server.fake.token("alice"));
  const before = (await client.listTools()).tools.map((t) => t.name);

  clock.advance(61_000);
  server.fake.faults.push({
    match: LISTINGS,
    error: new FakeApiError(500, { type: "internal", message: "Down for maintenance" }),
  });
  assert.deepEqual((await client.listTools()).tools.map((t) => t.name), before, "stale copy");
  await server.services.background.drain();
  assert.equal(server.services.catalogs.builds, 2, "a refresh was tried");
  assert.ok(server.logs.some((line) => line.includes("catalog refresh failed")));

  // Integration.app is back, with one more action: the next listings pick it up.
  server.fake.faults = [];
  server.fake.actions.gmail?.push({ key: "archive-email", name: "Archive Email" });
  assert.deepEqual((await client.listTools()).tools.map((t) => t.name), before, "still stale");
  await server.services.background.drain();
  const after = (await client.listTools()).tools.map((t) => t.name);
  assert.ok(after.includes("gmail_archive-email"), "refreshed");
});

Deno.test("a run that finds the connection defunct triggers a rebuild without it", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const client = await server.connect(await server.fake.token("alice"));
  assert.ok((await client.listTools()).tools.some((t) => t.name === "gmail_send-email"));
  assert.equal(server.services.catalogs.builds, 1);

  // The user's Gmail connection breaks: runs answer connection_is_defunct.
  const gmail = server.fake.customers.get("alice")?.connections.find((c) => c.id === "conn_gmail");
  assert.ok(gmail);
  gmail.disconnected = true;
  const result = await client.callTool({
    name: "gmail_send-email",
    arguments: { to: "bob@example.com", subject: "Hi" },
  });
  assert.equal(result.isError, true);
  await server.services.background.drain();
  assert.equal(server.services.catalogs.builds, 2, "rebuilt after the failed run");
  const names = (await client.listTools()).tools.map((t) => t.name);
  assert.ok(!names.some((name) => name.startsWith("gmail_")), "Gmail tools are gone");
  assert.ok(names.includes("hubspot_create-contact"));
});

Deno.test("invalidating a catalog on one replica reaches the other replicas within seconds", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp-replicas-" });
  try {
    await using a = await startTestServer({
      fake: fixtureWorkspace(),
      kvPath: `${dir}/kv.sqlite3`,
    });
    await using b = await startTestServer({ fakeApp: a.fake, kvPath: `${dir}/kv.sqlite3` });
    const token = await a.fake.token("alice");
    const gmailTools = async (client: Client): Promise<number> =>
      (await client.listTools()).tools.filter((t) => t.name.startsWith("gmail_")).length;
    // One replica at a time writes the KV file (the test is not about a locked file).
    const onA = await a.connect(token);
    assert.ok(await gmailTools(onA) > 0);
    await a.services.background.drain();
    const onB = await b.connect(token);
    assert.ok(await gmailTools(onB) > 0, "replica B holds the catalog in memory too");
    await b.services.background.drain();

    // Gmail breaks; replica A learns it from a run and invalidates the catalog.
    const gmail = a.fake.customers.get("alice")?.connections.find((c) => c.id === "conn_gmail");
    assert.ok(gmail);
    gmail.disconnected = true;
    const result = await onA.callTool({
      name: "gmail_send-email",
      arguments: { to: "bob@example.com", subject: "Hi" },
    });
    assert.equal(result.isError, true);
    await a.services.background.drain();
    assert.equal(await gmailTools(onA), 0);

    // Replica B serves its fresh-looking copy (TTL 5 minutes) until it reads the invalidation.
    const invalidated = Date.now();
    let seen = await gmailTools(onB);
    while (seen > 0 && Date.now() - invalidated < 5_000) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await b.services.background.drain();
      seen = await gmailTools(onB);
    }
    assert.equal(seen, 0, "replica B dropped the Gmail tools");
    assert.ok(Date.now() - invalidated < 3_000, `took ${Date.now() - invalidated} ms`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
