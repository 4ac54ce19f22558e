/**
 * The Integration.app API as it is today (issue 13, fixes 1–8), end to end: the real server,
 * the official MCP client and the real SDK against a fake that speaks the current shapes.
 */
import assert from "node:assert/strict";
import { ACTION_RUN_ID_META } from "../../src/mcp/tool_result.ts";
import { FAKE_API_VERSION, FakeApiError } from "../../fake_integration_app/server.ts";
import { fixtureWorkspace } from "../../fake_integration_app/fixtures.ts";
import { rawRequest, startTestServer, textOf } from "../support/harness.ts";
import { USER_AGENT } from "../../src/version.ts";

Deno.test("fix 1: a non-object tool input reaches Integration.app as a JSON body", async () => {
  const fake = fixtureWorkspace();
  fake.actions!.gmail!.push(
    { key: "search", name: "Search", inputSchema: { type: "string" }, run: (input) => ({ input }) },
    { key: "wait", name: "Wait", inputSchema: { type: "number" }, run: (input) => ({ input }) },
  );
  await using server = await startTestServer({ fake });
  const client = await server.connect(await server.fake.token("alice"));
  for (const [name, input] of [["gmail_search", "from:ada"], ["gmail_wait", 42]] as const) {
    const result = await client.callTool({ name, arguments: { input } });
    assert.equal(result.isError, undefined, textOf(result));
    assert.deepEqual(result.structuredContent, { input });
    const sent = server.fake.requests.findLast((r) => r.path.endsWith("/run"));
    assert.match(sent?.contentType ?? "", /^application\/json/);
    assert.deepEqual(sent?.body, input);
  }
});

Deno.test("fix 2: a connection made from a connector, without an integration, gets its tools", async () => {
  const fake = fixtureWorkspace();
  fake.customers![0]!.connections.push({
    id: "conn_notion",
    name: "Notion",
    connector: { id: "cnr_notion", key: "notion", name: "Notion" },
    actions: [{
      key: "search-pages",
      name: "Search Pages",
      inputSchema: { type: "object", properties: { q: { type: "string" } } },
    }],
  });
  await using server = await startTestServer({ fake });
  const client = await server.connect(await server.fake.token("alice"));
  const { tools } = await client.listTools();
  const tool = tools.find((t) => t.name === "notion_search-pages");
  assert.ok(tool, tools.map((t) => t.name).join(", "));
  assert.equal(tool.title, "Notion: Search Pages");
  const result = await client.callTool({ name: tool.name, arguments: { q: "roadmap" } });
  assert.equal((result.structuredContent as { connectionId?: string }).connectionId, "conn_notion");
});

Deno.test("fix 3: connections and actions that are not ready give no tools, whatever `disconnected` says", async () => {
  const fake = fixtureWorkspace();
  const alice = fake.customers![0]!;
  alice.connections = [
    { id: "c_ok", name: "HubSpot", integrationKey: "hubspot" },
    { id: "c_action", name: "Gmail", integrationKey: "gmail", state: "CLIENT_ACTION_REQUIRED" },
    { id: "c_defunct", name: "Calendar", integrationKey: "google-calendar", isDefunct: true },
    { id: "c_off", name: "Slack", integrationKey: "slack", isDeactivated: true },
  ];
  fake.actions!.hubspot!.push(
    { key: "off", name: "Off", isDeactivated: true },
    { key: "broken", name: "Broken", state: "SETUP_FAILED" },
  );
  await using server = await startTestServer({ fake });
  const client = await server.connect(await server.fake.token("alice"));
  const names = (await client.listTools()).tools.map((t) => t.name)
    .filter((name) => name !== "read-result").sort();
  assert.deepEqual(names, [
    "hubspot_count-contacts",
    "hubspot_create-contact",
    "hubspot_delete_contact",
    "hubspot_list-contacts",
  ]);
  // The fake still says `disconnected: false`-style booleans only through `connected`/`state`.
  const listed = server.fake.requests.filter((r) => r.path === "/connections");
  assert.ok(listed.length > 0);
});

Deno.test("fix 4: allowCustom enums and zone-less date-times are not refused locally", async () => {
  const fake = fixtureWorkspace();
  fake.actions!.gmail!.push({
    key: "schedule",
    name: "Schedule",
    inputSchema: {
      type: "object",
      properties: {
        label: { type: "string", enum: ["work"], allowCustom: true },
        at: { type: "string", format: "date-time" },
        on: { type: "string", format: "date-time" },
      },
    },
  });
  await using server = await startTestServer({ fake });
  const client = await server.connect(await server.fake.token("alice"));
  const result = await client.callTool({
    name: "gmail_schedule",
    arguments: { label: "travel", at: "2026-03-01T09:30:00", on: "2026-03-02" },
  });
  assert.equal(result.isError, undefined, textOf(result));
});

Deno.test("fix 5: connection-level, universal and key-less actions become tools; a customised schema validates", async () => {
  const fake = fixtureWorkspace();
  fake.universalActions = [{ key: "http-request", name: "HTTP Request" }];
  fake.actions!.hubspot!.push({ id: "cat_find_deals", name: "Find Deals" });
  const hubspot = fake.customers![0]!.connections.find((c) => c.id === "conn_hubspot")!;
  hubspot.actions = [
    { key: "sync-notes", name: "Sync Notes", description: "Only this connection has it" },
    {
      key: "create-contact",
      name: "Create Contact",
      isCustomized: true,
      inputSchema: {
        type: "object",
        required: ["email", "ownerId"],
        properties: { email: { type: "string" }, ownerId: { type: "string" } },
      },
      run: (input) => ({ customised: true, input }),
    },
  ];
  await using server = await startTestServer({ fake });
  const client = await server.connect(await server.fake.token("alice"));
  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name);
  for (const name of ["hubspot_sync-notes", "hubspot_http-request", "gmail_http-request"]) {
    assert.ok(names.includes(name), `${name} in ${names.join(", ")}`);
  }
  assert.ok(names.includes("hubspot_find-deals"), "a catalog action without a key");
  const create = tools.find((t) => t.name === "hubspot_create-contact");
  assert.deepEqual(create?.inputSchema.required, ["email", "ownerId"]);

  const runsBefore = server.fake.count(/\/run$/);
  const refused = await client.callTool({
    name: "hubspot_create-contact",
    arguments: { email: "ada@example.com" },
  });
  assert.equal(refused.isError, true);
  assert.match(textOf(refused), /missing required field "ownerId"/);
  assert.equal(server.fake.count(/\/run$/), runsBefore, "nothing sent");

  const ran = await client.callTool({
    name: "hubspot_create-contact",
    arguments: { email: "ada@example.com", ownerId: "o1" },
  });
  assert.equal((ran.structuredContent as { customised?: boolean }).customised, true);
  const byId = await client.callTool({ name: "hubspot_find-deals", arguments: {} });
  assert.equal(byId.isError, undefined, textOf(byId));
  assert.ok(server.fake.requests.some((r) => r.path.endsWith("/actions/cat_find_deals/run")));
});

Deno.test("fix 6: credit, setup and connection-caused failures say what to do", async (t) => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const client = await server.connect(await server.fake.token("alice"));
  const cases: [string, FakeApiError, RegExp, RegExp?][] = [
    [
      "insufficient credit (402)",
      new FakeApiError(402, { type: "insufficient_credit", message: "Not enough credits" }),
      /out of credit.*Its owner must add credit; retrying will not help/,
    ],
    [
      "a dependency error is a setup problem, not an outage",
      new FakeApiError(400, { type: "dependency_error", message: "Flow dependency missing" }),
      /setup problem.*retrying will not help/,
      /unavailable|Retry in/,
    ],
    [
      "an action_run error caused by a connection error means reconnect",
      new FakeApiError(400, {
        type: "action_run",
        message: "Action failed",
        causedByError: {
          type: "connection",
          key: "access_token_refresh_failed",
          message: "Could not refresh the access token",
        },
      }),
      /must reconnect Gmail/,
      /Check the arguments/,
    ],
  ];
  for (const [name, error, expected, absent] of cases) {
    await t.step(name, async () => {
      server.fake.faults = [{ match: /\/run$/, error, times: 1 }];
      const result = await client.callTool({ name: "gmail_read-email", arguments: {} });
      assert.equal(result.isError, true);
      assert.match(textOf(result), expected);
      if (absent) assert.doesNotMatch(textOf(result), absent);
    });
  }
});

Deno.test("fix 7: personal access, tenant-scoped and OAuth tokens work; the tenant is /self's customer", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const jwt = await server.fake.token("alice");
  const pat = server.fake.personalAccessToken("alice");
  const tenantJwt = await server.fake.tenantToken("alice");
  const chats: unknown[] = [];
  const client = await server.connect(jwt, { headers: { "x-chat-id": "chat-1" } });
  await client.listTools();
  for (const token of [jwt, pat, tenantJwt]) {
    const res = await rawRequest(`${server.url}/mcp/sessions`, { token });
    assert.equal(res.status, 200, res.text);
    chats.push(res.json);
  }
  assert.deepEqual(chats[1], chats[0], "the PAT sees the same customer's chats");
  assert.deepEqual(chats[2], chats[0], "the tenant-scoped JWT too");
  const viaPat = await server.connect(pat);
  assert.ok((await viaPat.listTools()).tools.some((t) => t.name === "gmail_send-email"));

  await using bobServer = await startTestServer({ fake: fixtureWorkspace() });
  const bobChats = await rawRequest(`${bobServer.url}/mcp/sessions`, {
    token: await bobServer.fake.token("bob"),
  });
  assert.deepEqual(bobChats.json, {});
});

Deno.test("fix 7: a 400 or 404 from /self is a 401, not a 503", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  for (const status of [400, 404]) {
    server.fake.faults = [{
      match: /^GET \/self$/,
      error: new FakeApiError(status, { type: "bad_request", message: "No such token" }),
    }];
    // A well-formed token (so nothing refuses it before Integration.app is asked).
    const token = await server.fake.token(`customer-${status}`);
    const res = await rawRequest(`${server.url}/mcp/sessions`, { token });
    assert.equal(res.status, 401, res.text);
    assert.match(res.text, /Integration.app refused the token/);
  }
});

Deno.test("fix 8: runs keep actionRunId in _meta, every call names the API version, path segments are encoded", async () => {
  const fake = fixtureWorkspace();
  fake.customers![0]!.connections.push({
    id: "conn/odd id?#",
    name: "Odd",
    integrationKey: "slack",
  });
  await using server = await startTestServer({ fake });
  const client = await server.connect(await server.fake.token("alice"));
  const result = await client.callTool({
    name: "slack_post-message",
    arguments: { channel: "c", text: "hi" },
  });
  assert.equal(result.isError, undefined, textOf(result));
  assert.match(String(result._meta?.[ACTION_RUN_ID_META]), /^arl_\d+$/);
  const runPath = "/connections/conn%2Fodd%20id%3F%23/actions/post-message/run";
  assert.ok(
    server.fake.requests.some((r) => r.path === runPath),
    server.fake.requests.map((r) => r.path).join("\n"),
  );
  const versions = new Set(server.fake.requests.map((r) => r.apiVersion));
  assert.deepEqual([...versions], [FAKE_API_VERSION]);
  // Every request names the server (and its release) to Integration.app.
  const agents = new Set(server.fake.requests.map((r) => r.userAgent));
  assert.deepEqual([...agents], [USER_AGENT]);
});

Deno.test("issue 17 finding 7: the tenant is the customer /self names, whatever the token claims", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const alice = await server.connect(await server.fake.token("alice"), {
    headers: { "x-chat-id": "alice-chat" },
  });
  await alice.listTools();
  // A token whose claims say alice, while Integration.app says it belongs to mallory.
  const token = await server.fake.token("alice", { expiresInSeconds: 1200 });
  server.fake.selfAnswer = (_id, workspaceKey) => ({
    id: "cust_mallory",
    internalId: "mallory",
    workspaceKey,
  });
  const res = await rawRequest(`${server.url}/mcp/sessions`, { token });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.json, {}, "mallory has no chats; alice's are not listed");
});
