import assert from "node:assert/strict";
import {
  fixtureActions,
  fixtureWorkspace,
  INTEGRATIONS,
} from "../../fake_integration_app/fixtures.ts";
import {
  initializeBody,
  mcpHeaders,
  rawRequest,
  startTestServer,
  textOf,
} from "../support/harness.ts";
import type { Client } from "../../src/sdk/client.ts";

async function names(client: Client): Promise<string[]> {
  return (await client.listTools()).tools.map((tool) => tool.name).sort();
}

Deno.test("readOnly=true lists and runs only read-only tools, and a refused call names the rule", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const client = await server.connect(await server.fake.token("alice"), {
    query: "?readOnly=true",
  });
  assert.deepEqual(await names(client), [
    "gmail_read-email",
    "hubspot_list-contacts",
    "read-result",
  ]);
  const read = await client.callTool({ name: "hubspot_list-contacts", arguments: {} });
  assert.equal(read.isError, undefined);
  await assert.rejects(
    () => client.callTool({ name: "hubspot_create-contact", arguments: { email: "a@b.test" } }),
    /hubspot_create-contact is not available in this session: readOnly=true allows only read-only tools/,
  );
  // An action of unknown type may write: it is refused too.
  await assert.rejects(
    () => client.callTool({ name: "hubspot_count-contacts", arguments: {} }),
    /readOnly=true/,
  );
  assert.equal(server.fake.count(/create-contact\/run$|count-contacts\/run$/), 0);
});

Deno.test("tools=a,b limits a session to those tools, in any accepted name form", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const client = await server.connect(await server.fake.token("alice"), {
    query: "?tools=gmail-send-email,HUBSPOT_LIST-CONTACTS,salesforce_create-lead",
  });
  assert.deepEqual(await names(client), [
    "gmail_send-email",
    "hubspot_list-contacts",
    "read-result",
  ]);
  const sent = await client.callTool({
    name: "gmail_send-email",
    arguments: { to: "x@y.test", subject: "Hi" },
  });
  assert.equal(sent.isError, undefined);
  await assert.rejects(
    () => client.callTool({ name: "gmail_read-email", arguments: {} }),
    /gmail_read-email is not available in this session: the tools allowlist of this session \(tools=gmail-send-email,HUBSPOT_LIST-CONTACTS,salesforce_create-lead\) does not name it/,
  );
  // A name that is no tool of the customer stays an unknown tool.
  await assert.rejects(
    () => client.callTool({ name: "salesforce_create-lead", arguments: {} }),
    /Unknown tool: salesforce_create-lead/,
  );
});

Deno.test("readOnly and tools together keep only what both allow, and name both rules", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const client = await server.connect(await server.fake.token("alice"), {
    query: "?readOnly=true&tools=gmail_send-email,gmail_read-email",
  });
  assert.deepEqual(await names(client), ["gmail_read-email", "read-result"]);
  await assert.rejects(
    () => client.callTool({ name: "gmail_send-email", arguments: { to: "a@b.co", subject: "x" } }),
    /readOnly=true/,
  );
  await assert.rejects(
    () => client.callTool({ name: "hubspot_list-contacts", arguments: {} }),
    /tools allowlist/,
  );
});

Deno.test("in dynamic mode enable-tools only enables what readOnly and tools allow, and says why", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const client = await server.connect(await server.fake.token("alice"), {
    query: "?mode=dynamic&readOnly=true",
  });
  const named = await client.callTool({
    name: "enable-tools",
    arguments: { tools: ["hubspot_create-contact", "hubspot_list-contacts"] },
  });
  assert.match(textOf(named), /Enabled 1 tool/);
  assert.match(
    textOf(named),
    /hubspot_create-contact is not available in this session: readOnly=true/,
  );
  const queried = await client.callTool({
    name: "enable-tools",
    arguments: { query: "create a contact", limit: 10 },
  });
  const enabled = (queried.structuredContent as { enabled?: string[] } | undefined)?.enabled ?? [];
  assert.ok(!enabled.includes("hubspot_create-contact"));
  assert.ok(!enabled.includes("gmail_send-email"));
  await assert.rejects(
    () => client.callTool({ name: "hubspot_create-contact", arguments: { email: "a@b.test" } }),
    /readOnly=true/,
  );
  assert.equal(server.fake.count(/create-contact\/run$/), 0);
});

Deno.test("maxNameLength=N makes every name fit N characters, unique and stable, and callable", async () => {
  const longKey = "find-all-contacts-created-in-the-last-thirty-days";
  const actions = {
    ...fixtureActions(),
    hubspot: [
      ...(fixtureActions().hubspot ?? []),
      { key: longKey, name: "Find Recent", type: "list-data-records", run: () => ({ recent: 1 }) },
      { key: `${longKey}-v2`, name: "Find Recent 2", type: "list-data-records", run: () => 2 },
    ],
  };
  await using server = await startTestServer({
    fake: fixtureWorkspace({ actions, integrations: INTEGRATIONS }),
  });
  const token = await server.fake.token("alice");
  const client = await server.connect(token, { query: "?maxNameLength=32" });
  const listed = await names(client);
  assert.ok(listed.every((name) => /^[A-Za-z0-9_-]{1,32}$/.test(name)), listed.join(" "));
  assert.equal(new Set(listed).size, listed.length);
  // Names that fit stay as they are.
  assert.ok(listed.includes("hubspot_create-contact"));
  const short = listed.filter((name) => name.startsWith("hubspot_find-all"));
  assert.equal(short.length, 2);
  assert.ok(short.every((name) => /_[0-9a-f]{8}$/.test(name)));
  // Stable: another session gets the same names.
  const again = await server.connect(token, { query: "?maxNameLength=32" });
  assert.deepEqual(await names(again), listed);
  // A short name runs its own action; its long name is accepted too.
  const full = await server.connect(token);
  const longNames = (await names(full)).filter((name) => name.startsWith("hubspot_find-all"));
  assert.ok(longNames.some((name) => name.length > 32));
  for (const name of short) {
    const result = await client.callTool({ name, arguments: {} });
    const expected = result.structuredContent ? { recent: 1 } : undefined;
    if (expected) assert.deepEqual(result.structuredContent, expected);
    else assert.equal(textOf(result), "2");
  }
  const byLong = await client.callTool({ name: `hubspot_${longKey}`, arguments: {} });
  assert.deepEqual(byLong.structuredContent, { recent: 1 });
  // The default stays 64.
  assert.ok((await names(full)).includes(`hubspot_${longKey}`));
});

Deno.test("bad readOnly, tools, maxNameLength and maxResultBytes values are refused with 400 naming the parameter", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const cases: [string, RegExp][] = [
    ["readOnly=maybe", /readOnly must be "true" or "false"/],
    ["tools=", /tools is empty/],
    ["tools=a%20b", /in tools is not a tool name/],
    ["maxNameLength=31", /maxNameLength must be an integer from 32 to 64/],
    ["maxNameLength=65", /maxNameLength must be an integer from 32 to 64/],
    ["maxNameLength=4x", /maxNameLength must be an integer/],
    ["maxResultBytes=100", /maxResultBytes must be 0 \(no cap\) or from 1024/],
    ["readOnly=true&readOnly=false", /readOnly is given more than once/],
  ];
  for (const [query, message] of cases) {
    const response = await rawRequest(`${server.mcpUrl}?${query}`, {
      method: "POST",
      token,
      headers: mcpHeaders(),
      body: initializeBody(),
    });
    assert.equal(response.status, 400, query);
    const error = (response.json as { error?: { message?: string } }).error;
    assert.match(error?.message ?? "", message, query);
  }
});

Deno.test("a chat keeps its session's readOnly, tools and maxNameLength", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  await server.connect(token, {
    query: "?readOnly=true&tools=gmail_read-email&maxNameLength=40",
    headers: { "x-chat-id": "c-opts" },
  });
  const [chat] = (await Array.fromAsync(server.kv.list({ prefix: ["chats"] }))).map((e) =>
    e.value as { options?: unknown }
  );
  assert.deepEqual(chat?.options, {
    readOnly: true,
    tools: ["gmail_read-email"],
    maxNameLength: 40,
  });
});

Deno.test("GET /mcp/tools takes readOnly, tools and maxNameLength, and shows the names a session would", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const readOnly = await rawRequest(`${server.url}/mcp/tools?readOnly=true`, { token });
  assert.equal(readOnly.status, 200);
  const body = readOnly.json as { total: number; tools: { name: string; readOnly: boolean }[] };
  assert.deepEqual(body.tools.map((tool) => tool.name).sort(), [
    "gmail_read-email",
    "hubspot_list-contacts",
  ]);
  assert.equal(body.total, 2);
  const allowed = await rawRequest(
    `${server.url}/mcp/tools?tools=gmail-send-email&q=email`,
    { token },
  );
  assert.deepEqual(
    (allowed.json as { tools: { name: string }[] }).tools.map((tool) => tool.name),
    ["gmail_send-email"],
  );
  const short = await rawRequest(`${server.url}/mcp/tools?maxNameLength=32&limit=200`, { token });
  const names = (short.json as { tools: { name: string }[] }).tools.map((tool) => tool.name);
  assert.ok(names.every((name) => name.length <= 32));
  const bad = await rawRequest(`${server.url}/mcp/tools?maxNameLength=10`, { token });
  assert.equal(bad.status, 400);
});

Deno.test("GET /mcp/sessions/{chatId} shows the chat's readOnly, tools and maxNameLength", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  await server.connect(token, {
    query: "?readOnly=1&maxNameLength=48",
    headers: { "x-chat-id": "c9" },
  });
  const chat = await rawRequest(`${server.url}/mcp/sessions/c9`, { token });
  assert.deepEqual((chat.json as { options?: unknown }).options, {
    readOnly: true,
    maxNameLength: 48,
  });
});

Deno.test("search-tools finds and call-tool runs only what readOnly and tools allow, naming the rule", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const client = await server.connect(await server.fake.token("alice"), {
    query: "?mode=dynamic&readOnly=true",
  });
  const found = await client.callTool({
    name: "search-tools",
    arguments: { query: "create a contact", limit: 25 },
  });
  const names = (found.structuredContent as { tools: { name: string }[] }).tools.map((t) => t.name);
  assert.ok(names.length > 0 && names.every((name) => /read-email|list-contacts/.test(name)));
  const refused = await client.callTool({
    name: "call-tool",
    arguments: { name: "hubspot_create-contact", arguments: { email: "a@b.test" } },
  });
  assert.equal(refused.isError, true);
  assert.match(
    textOf(refused),
    /hubspot_create-contact is not available in this session: readOnly=true/,
  );
  const allowed = await client.callTool({
    name: "call-tool",
    arguments: { name: "hubspot_list-contacts", arguments: {} },
  });
  assert.equal(allowed.isError, undefined);
  assert.equal(server.fake.count(/create-contact\/run$/), 0);
});
