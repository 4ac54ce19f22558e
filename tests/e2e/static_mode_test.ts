import assert from "node:assert/strict";
import { FakeApiError } from "../../fake_integration_app/server.ts";
import {
  fixtureActions,
  fixtureWorkspace,
  INTEGRATIONS,
} from "../../fake_integration_app/fixtures.ts";
import { startTestServer, textOf } from "../support/harness.ts";
import { TOOL_NAME_PATTERN } from "../../src/tools/naming.ts";

Deno.test("tools/list serves one tool per action of every active connection", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const client = await server.connect(await server.fake.token("alice"));
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(), [
    "gmail_read-email",
    "gmail_send-email",
    "google-calendar_create-event",
    "hubspot_count-contacts",
    "hubspot_create-contact",
    "hubspot_delete_contact",
    "hubspot_list-contacts",
    "read-result",
  ]);
  // The disconnected Slack connection is hidden.
  assert.ok(!tools.some((t) => t.name.startsWith("slack")));
  for (const tool of tools) {
    assert.match(tool.name, TOOL_NAME_PATTERN);
    assert.ok(tool.description && tool.description.length > 0, `${tool.name} has a description`);
    assert.equal(tool.inputSchema.type, "object");
  }
});

Deno.test("tools keep the action's JSON Schema, description and annotations", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const client = await server.connect(await server.fake.token("alice"));
  const { tools } = await client.listTools();
  const create = tools.find((t) => t.name === "hubspot_create-contact");
  assert.ok(create);
  const original = fixtureActions().hubspot?.find((a) => a.key === "create-contact")
    ?.inputSchema;
  assert.deepEqual(create.inputSchema, original);
  assert.equal(create.title, "HubSpot: Create Contact");
  assert.equal(create.description, "HubSpot: Create Contact. Create a contact in HubSpot");
  assert.deepEqual(create.annotations, {
    title: "HubSpot: Create Contact",
    openWorldHint: true,
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
  });
  const list = tools.find((t) => t.name === "hubspot_list-contacts");
  assert.equal(list?.annotations?.readOnlyHint, true);
  const remove = tools.find((t) => t.name === "hubspot_delete_contact");
  assert.equal(remove?.annotations?.destructiveHint, true);
  // An action without an input schema still gets an object schema.
  const count = tools.find((t) => t.name === "hubspot_count-contacts");
  assert.deepEqual(count?.inputSchema, { type: "object", properties: {} });
});

Deno.test("the apps parameter narrows the tools, and unknown apps give an empty list", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const gmail = await server.connect(token, { query: "?apps=gmail, google-calendar" });
  assert.deepEqual((await gmail.listTools()).tools.map((t) => t.name).sort(), [
    "gmail_read-email",
    "gmail_send-email",
    "google-calendar_create-event",
    "read-result",
  ]);
  // Only the result size cap's meta-tool is left.
  const unknown = await server.connect(token, { query: "?apps=salesforce" });
  assert.deepEqual((await unknown.listTools()).tools.map((t) => t.name), ["read-result"]);
  const nobody = await server.connect(await server.fake.token("nobody"));
  assert.deepEqual((await nobody.listTools()).tools.map((t) => t.name), ["read-result"]);
});

Deno.test("names stay valid, unique and stable for odd keys, long keys and twin connections", async () => {
  const longKey = "a-very-long-action-key-that-goes-on-and-on-and-on-beyond-any-limit";
  const integrations = [
    ...INTEGRATIONS,
    { id: "int_odd", key: "odd.app", name: "Odd App" },
  ];
  const actions = {
    ...fixtureActions(),
    "odd.app": [
      { key: "do thing/now", name: "Do Thing" },
      { key: longKey, name: "Long One" },
      { key: `${longKey}-2`, name: "Long Two" },
    ],
  };
  const customers = [{
    id: "carol",
    connections: [
      {
        id: "conn_b",
        name: "HubSpot EU",
        integrationKey: "hubspot",
        createdAt: "2026-02-01T00:00:00Z",
      },
      {
        id: "conn_a",
        name: "HubSpot US",
        integrationKey: "hubspot",
        createdAt: "2026-01-01T00:00:00Z",
      },
      { id: "conn_odd", name: "Odd", integrationKey: "odd.app" },
    ],
  }];
  await using server = await startTestServer({ fake: { integrations, actions, customers } });
  const token = await server.fake.token("carol");
  const names1 = (await (await server.connect(token)).listTools()).tools.map((t) => t.name);
  const names2 = (await (await server.connect(token)).listTools()).tools.map((t) => t.name);
  assert.deepEqual(names1, names2, "names are stable across sessions");
  assert.equal(new Set(names1).size, names1.length, "names are unique");
  for (const name of names1) assert.match(name, TOOL_NAME_PATTERN);
  assert.ok(names1.includes("odd-app_do-thing-now"));
  assert.equal(names1.filter((n) => n.startsWith("odd-app_a-very-long")).length, 2);
  // The oldest HubSpot connection keeps plain names; the other is tagged.
  assert.ok(names1.includes("hubspot_create-contact"));
  const tagged = names1.filter((n) => /^hubspot-[0-9a-f]{6}_create-contact$/.test(n));
  assert.equal(tagged.length, 1);

  const client = await server.connect(token);
  const plain = await client.callTool({
    name: "hubspot_create-contact",
    arguments: { email: "x@y.co" },
  });
  assert.ok(!plain.isError);
  const twin = await client.callTool({ name: tagged[0] as string, arguments: { email: "x@y.co" } });
  assert.ok(!twin.isError);
  const runs = server.fake.requests.filter((r) => r.method === "POST").map((r) => r.path);
  assert.deepEqual(runs, [
    "/connections/conn_a/actions/create-contact/run",
    "/connections/conn_b/actions/create-contact/run",
  ]);
});

Deno.test("every page of connections and of actions is read, each integration listed once", async () => {
  const customers = [{
    id: "dave",
    connections: [
      { id: "c1", name: "HubSpot 1", integrationKey: "hubspot" },
      { id: "c2", name: "Gmail", integrationKey: "gmail" },
      { id: "c3", name: "HubSpot 2", integrationKey: "hubspot" },
      { id: "c4", name: "Calendar", integrationKey: "google-calendar", omitIntegration: true },
      { id: "c5", name: "Slack", integrationKey: "slack", disconnected: true },
    ],
  }];
  await using server = await startTestServer({
    fake: { integrations: INTEGRATIONS, actions: fixtureActions(), customers, maxPageSize: 2 },
  });
  const client = await server.connect(await server.fake.token("dave"));
  const { tools } = await client.listTools();
  // 4 HubSpot actions x 2 connections + 2 Gmail + 1 Calendar, and read-result.
  assert.equal(tools.length, 12);
  assert.equal(server.fake.count(/^GET \/connections$/), 3, "three pages of connections");
  const actionListings = server.fake.requests.filter((r) => r.path === "/actions");
  const hubspotPages = actionListings.filter((r) => r.query.integrationId === "int_hubspot");
  assert.equal(hubspotPages.length, 2, "HubSpot's two pages of actions, listed once");
  assert.equal(server.fake.count(/^GET \/integrations\/int_gcal$/), 1);
});

Deno.test("a tool call runs the action on its connection and returns its output", async (t) => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const client = await server.connect(await server.fake.token("alice"));

  await t.step("object outputs come as JSON text and structuredContent", async () => {
    const result = await client.callTool({
      name: "hubspot_create-contact",
      arguments: { email: "ann@example.com", lifecycle: "lead", companyId: "c-1" },
    });
    assert.equal(result.isError, undefined);
    assert.deepEqual(JSON.parse(textOf(result)), { id: "12345", email: "ann@example.com" });
    assert.deepEqual(result.structuredContent, { id: "12345", email: "ann@example.com" });
    const run = server.fake.requests.at(-1);
    assert.equal(run?.path, "/connections/conn_hubspot/actions/create-contact/run");
    assert.deepEqual(run?.body, { email: "ann@example.com", lifecycle: "lead", companyId: "c-1" });
  });

  await t.step("falsy outputs are kept", async () => {
    const zero = await client.callTool({ name: "hubspot_count-contacts", arguments: {} });
    assert.equal(textOf(zero), "0");
    const no = await client.callTool({ name: "hubspot_delete_contact", arguments: { id: "1" } });
    assert.equal(textOf(no), "false");
    const empty = await client.callTool({ name: "gmail_read-email", arguments: {} });
    assert.equal(textOf(empty), '""');
    assert.equal(empty.structuredContent, undefined);
  });

  await t.step("wrong arguments are refused before anything is sent upstream", async () => {
    const before = server.fake.requests.length;
    const result = await client.callTool({
      name: "hubspot_create-contact",
      arguments: { email: "not-an-email", lifecycle: "boss", extra: 1 },
    });
    assert.equal(result.isError, true);
    const text = textOf(result);
    assert.match(text, /"email" must match format "email"/);
    assert.match(text, /"lifecycle" must be one of/);
    assert.match(text, /unknown field "extra"/);
    const missing = await client.callTool({ name: "hubspot_create-contact", arguments: {} });
    assert.match(textOf(missing), /missing required field "email"/);
    assert.equal(server.fake.requests.length, before, "nothing sent upstream");
  });

  await t.step("an unknown tool is a JSON-RPC invalid params error", async () => {
    await assert.rejects(
      client.callTool({ name: "nope_nothing", arguments: {} }),
      (error: Error & { code?: number }) =>
        error.code === -32602 && /Unknown tool/.test(error.message),
    );
  });
});

Deno.test("upstream failures become isError results a model can act on", async (t) => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const client = await server.connect(await server.fake.token("alice"));
  const call = () =>
    client.callTool({ name: "gmail_send-email", arguments: { to: "a@b.co", subject: "Hi" } });
  const cases: [string, FakeApiError, RegExp][] = [
    [
      "the action failed",
      new FakeApiError(400, { type: "action_run", message: "External API returned 422: bad" }),
      /failed: External API returned 422: bad\. Check the arguments/,
    ],
    [
      "rate limited",
      new FakeApiError(429, {
        type: "bad_request",
        key: "rate_limit_exceeded",
        message: "Too many requests",
      }),
      /rate limited: Too many requests\. Retry after \d+ seconds/,
    ],
    [
      "connection broken",
      new FakeApiError(400, {
        type: "connection",
        key: "connection_is_defunct",
        message: "Connection is disconnected. Please reconnect.",
      }),
      /must reconnect Gmail/,
    ],
    [
      "not found",
      new FakeApiError(404, { type: "bad_request", key: "not_found", message: "Action not found" }),
      /no longer exists/,
    ],
    [
      "a bad gateway page",
      new FakeApiError(502, "<html>Bad Gateway</html>"),
      /Integration\.app is unavailable.*Retry in a moment/,
    ],
  ];
  for (const [name, error, expected] of cases) {
    await t.step(name, async () => {
      server.fake.faults = [{ match: /^POST /, error, times: 1 }];
      const result = await call();
      assert.equal(result.isError, true);
      assert.match(textOf(result), expected);
    });
  }
  await t.step("action runs are never retried", async () => {
    const before = server.fake.count(/^POST /);
    server.fake.faults = [{
      match: /^POST /,
      error: new FakeApiError(503, "<html>down</html>"),
      times: 1,
    }];
    const result = await call();
    assert.equal(result.isError, true);
    assert.equal(server.fake.count(/^POST /) - before, 1);
  });
});

Deno.test("Integration.app unreachable: a clear isError result", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const client = await server.connect(await server.fake.token("alice"));
  await client.listTools();
  await server.fake.stop();
  const result = await client.callTool({ name: "gmail_read-email", arguments: {} });
  assert.equal(result.isError, true);
  assert.match(textOf(result), /Integration\.app is unavailable/);
});

Deno.test("a name never moves to another account when its connection is disconnected", async () => {
  const customers = [{
    id: "erin",
    connections: [
      {
        id: "conn_g1",
        name: "Personal",
        integrationKey: "gmail",
        createdAt: "2026-01-01T00:00:00Z",
      },
      { id: "conn_g2", name: "Work", integrationKey: "gmail", createdAt: "2026-02-01T00:00:00Z" },
    ],
  }];
  await using server = await startTestServer({
    fake: { integrations: INTEGRATIONS, actions: fixtureActions(), customers },
    env: { CATALOG_TTL_SECONDS: "0.001" },
  });
  const token = await server.fake.token("erin");
  const client = await server.connect(token);
  const before = (await client.listTools()).tools.map((t) => t.name);
  assert.ok(before.includes("gmail_send-email"));
  const work = before.find((n) => /^gmail-[0-9a-f]{6}_send-email$/.test(n));
  assert.ok(work);

  const personal = customers[0]?.connections[0];
  if (personal) Object.assign(personal, { disconnected: true });
  await server.services.catalogs.invalidate(
    (await server.services.identities.resolve(token)).tenant,
  );
  // The first listing after the invalidation may still be the stale copy: wait for the new one.
  // Bounded by time, not by a count of listings: on a busy machine the rebuild can outlast
  // many fast stale listings.
  let after: string[] = before;
  const deadline = Date.now() + 10_000;
  while (after.includes("gmail_send-email") && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    after = (await client.listTools()).tools.map((t) => t.name);
  }
  assert.ok(!after.includes("gmail_send-email"), "the personal account's name is gone");
  assert.ok(after.includes(work), "the work account keeps its own name");
  // Its old name now says the connection is broken (with a reconnect link), never runs.
  const refused = await client.callTool({
    name: "gmail_send-email",
    arguments: { to: "a@b.co", subject: "x" },
  });
  assert.equal(refused.isError, true);
  assert.match(textOf(refused), /the Gmail connection is broken/);
  const runs = server.fake.requests.filter((r) => r.method === "POST" && r.path.endsWith("/run"));
  assert.equal(runs.length, 0, "nothing ran on the work account");
});

Deno.test("an action key that is already a valid name keeps it over look-alike keys", async () => {
  const actions = {
    gmail: [
      { key: "send email", name: "Send (spaced)", inputSchema: { type: "object" } },
      ...(fixtureActions().gmail ?? []),
      { key: "send.email", name: "Send (dotted)", inputSchema: { type: "object" } },
    ],
  };
  const customers = [{
    id: "fay",
    connections: [{ id: "c", name: "Gmail", integrationKey: "gmail" }],
  }];
  await using server = await startTestServer({
    fake: { integrations: INTEGRATIONS, actions, customers },
  });
  const client = await server.connect(await server.fake.token("fay"));
  const { tools } = await client.listTools();
  assert.equal(tools.find((t) => t.name === "gmail_send-email")?.title, "Gmail: Send Email");
  assert.equal(tools.filter((t) => t.name.startsWith("gmail_send-email_")).length, 2);
});
