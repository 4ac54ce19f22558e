import assert from "node:assert/strict";
import type { FakeAction } from "../../fake_integration_app/server.ts";
import { fixtureActions, fixtureWorkspace } from "../../fake_integration_app/fixtures.ts";
import { mcpHeaders, rawRequest, startTestServer, textOf } from "../support/harness.ts";
import { connectModernClient } from "../../src/sdk/modern_client.ts";

/** 2,000 records of about 120 bytes: about 240 KB of JSON, four times the default cap. */
const RECORDS = Array.from({ length: 2000 }, (_, i) => ({
  id: `rec-${i}`,
  name: `Contact number ${i}`,
  email: `contact${i}@example.test`,
  note: "é".repeat(10),
}));

const EXTRA_ACTIONS: FakeAction[] = [
  {
    key: "list-everything",
    name: "List Everything",
    type: "list-data-records",
    outputSchema: {
      type: "object",
      properties: {
        records: { type: "array", items: { type: "object" } },
        cursor: { type: "string" },
      },
      required: ["records", "cursor"],
    },
    run: () => ({ records: RECORDS, cursor: "page-2", total: RECORDS.length }),
  },
  {
    key: "list-ids",
    name: "List Ids",
    type: "list-data-records",
    outputSchema: { type: "array", items: { type: "string" } },
    run: () => ["a", "b"],
  },
  {
    key: "broken-output",
    name: "Broken Output",
    type: "get-data-record",
    outputSchema: { type: "object", properties: { id: { type: "string" } }, required: ["id"] },
    run: () => ({ name: "no id here" }),
  },
];

function workspace() {
  const actions = fixtureActions();
  actions.hubspot = [...(actions.hubspot ?? []), ...EXTRA_ACTIONS];
  return fixtureWorkspace({ actions });
}

interface Result {
  content: { type: string; text?: string; uri?: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  _meta?: Record<string, unknown>;
}

Deno.test("tools declare their action's output schema, and results carry structuredContent and actionRunId", async () => {
  await using server = await startTestServer({ fake: workspace() });
  const client = await server.connect(await server.fake.token("alice"));
  const { tools } = await client.listTools();
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  // Listed with an `$id` named after the content, so clients compile each distinct one once.
  const listed = (name: string) => {
    const schema = byName.get(name)?.outputSchema;
    if (!schema) return undefined;
    const { $id, ...rest } = schema as Record<string, unknown>;
    assert.match(String($id), /^urn:integration-app-mcp:output:[0-9a-f]{32}$/);
    return rest;
  };
  assert.deepEqual(listed("hubspot_create-contact"), {
    type: "object",
    properties: { id: { type: "string" } },
  });
  // A non-object root is wrapped, as input schemas are.
  assert.deepEqual(listed("hubspot_list-ids"), {
    type: "object",
    properties: { result: { type: "array", items: { type: "string" } } },
    required: ["result"],
  });
  assert.equal(byName.get("gmail_send-email")?.outputSchema, undefined);

  // The SDK client checks structuredContent against the output schema.
  const created = await client.callTool({
    name: "hubspot_create-contact",
    arguments: { email: "a@b.test" },
  }) as Result;
  assert.equal(created.isError, undefined);
  assert.deepEqual(created.structuredContent, { id: "12345", email: "a@b.test" });
  assert.match(String(created._meta?.actionRunId), /^arl_\d+$/);
  const ids = await client.callTool({ name: "hubspot_list-ids", arguments: {} }) as Result;
  assert.deepEqual(ids.structuredContent, { result: ["a", "b"] });
  assert.equal(textOf(ids), '["a","b"]');
  assert.match(String(ids._meta?.actionRunId), /^arl_\d+$/);
  // Without an output schema: the text, structuredContent for objects, and the run id.
  const sent = await client.callTool({
    name: "gmail_send-email",
    arguments: { to: "x@y.test", subject: "Hi" },
  }) as Result;
  assert.equal((sent.structuredContent as { messageId?: string }).messageId, "m-1");
  assert.match(String(sent._meta?.actionRunId), /^arl_\d+$/);
});

Deno.test("an output that breaks its declared schema says the action ran and gives the output", async () => {
  await using server = await startTestServer({ fake: workspace() });
  const client = await server.connect(await server.fake.token("alice"));
  await client.listTools();
  const result = await client.callTool({ name: "hubspot_broken-output", arguments: {} }) as Result;
  assert.equal(result.isError, true);
  assert.match(textOf(result), /ran and succeeded \(do not retry/);
  assert.match(textOf(result), /missing required field "id"/);
  assert.match(textOf(result), /"name":"no id here"/);
  assert.match(String(result._meta?.actionRunId), /^arl_\d+$/);
});

Deno.test("a result over the cap is cut at JSON boundaries and the rest is read back through read-result", async () => {
  await using server = await startTestServer({ fake: workspace() });
  const client = await server.connect(await server.fake.token("alice"));
  const { tools } = await client.listTools();
  const readResult = tools.find((tool) => tool.name === "read-result");
  assert.ok(readResult, "read-result is listed while the cap is on");
  assert.equal(readResult.annotations?.readOnlyHint, true);

  const result = await client.callTool({
    name: "hubspot_list-everything",
    arguments: {},
  }) as Result;
  assert.equal(result.isError, undefined);
  const shownText = result.content[0]?.text ?? "";
  assert.ok(new TextEncoder().encode(shownText).length <= 60_000, "within the default cap");
  const shown = JSON.parse(shownText) as { records: unknown[]; cursor: string; total: number };
  // Small fields survive, the big array keeps whole items from the start.
  assert.equal(shown.cursor, "page-2");
  assert.equal(shown.total, 2000);
  assert.ok(shown.records.length > 100 && shown.records.length < 2000);
  assert.deepEqual(shown.records, RECORDS.slice(0, shown.records.length));
  assert.deepEqual(result.structuredContent, shown);
  const note = result.content[1]?.text ?? "";
  assert.match(note, new RegExp(`/records: ${shown.records.length} of 2000 items shown`));
  const cut = result._meta?.resultCut as { handle: string; uri: string; totalBytes: number };
  const full = JSON.stringify({ records: RECORDS, cursor: "page-2", total: 2000 });
  assert.equal(cut.totalBytes, new TextEncoder().encode(full).length);
  assert.match(cut.handle, /^[A-Za-z0-9_-]{22}$/);
  assert.ok(note.includes(cut.handle));
  assert.equal(result.content[2]?.type, "resource_link");
  assert.equal(result.content[2]?.uri, cut.uri);

  // One part by path (JSON Pointer or dotted).
  const last = await client.callTool({
    name: "read-result",
    arguments: { handle: cut.handle, path: "/records/1999" },
  }) as Result;
  assert.deepEqual(JSON.parse(textOf(last)), RECORDS[1999]);
  const dotted = await client.callTool({
    name: "read-result",
    arguments: { handle: cut.handle, path: "records.5.email" },
  }) as Result;
  assert.equal(textOf(dotted), '"contact5@example.test"');
  const missing = await client.callTool({
    name: "read-result",
    arguments: { handle: cut.handle, path: "/records/2000" },
  }) as Result;
  assert.equal(missing.isError, true);
  assert.match(textOf(missing), /array of 2000 items/);

  // The whole text, page by page: nothing is lost.
  let text = "";
  let offset: number | null = 0;
  let pages = 0;
  while (offset !== null && pages++ < 20) {
    const page = await client.callTool({
      name: "read-result",
      arguments: { handle: cut.handle, offset },
    }) as Result;
    text += page.content[0]?.text ?? "";
    offset = page._meta?.nextOffset as number | null;
  }
  assert.equal(text, full);
  assert.ok(pages >= 4);
});

Deno.test("resources/read pages through a cut result through its resource link", async () => {
  await using server = await startTestServer({ fake: workspace() });
  const client = await server.connect(await server.fake.token("alice"));
  assert.ok(client.getServerCapabilities()?.resources, "the server offers resources");
  await client.listTools();
  const result = await client.callTool({
    name: "hubspot_list-everything",
    arguments: {},
  }) as Result;
  let uri: string | null = result.content.find((part) => part.type === "resource_link")?.uri ??
    null;
  assert.ok(uri);
  let text = "";
  for (let pages = 0; uri !== null && pages < 20; pages++) {
    const read = await client.readResource({ uri });
    const content = read.contents[0] as { text: string; mimeType: string; _meta: unknown };
    assert.equal(content.mimeType, "application/json");
    text += content.text;
    uri = (content._meta as { nextUri: string | null }).nextUri;
  }
  assert.deepEqual(JSON.parse(text).records, RECORDS);
  const templates = await client.listResourceTemplates();
  assert.equal(
    templates.resourceTemplates[0]?.uriTemplate,
    "integration-app://results/{handle}{?offset}",
  );
  await assert.rejects(
    () => client.readResource({ uri: "integration-app://results/AAAAAAAAAAAAAAAAAAAAAA" }),
    /Resource not found/,
  );
});

Deno.test("a kept result is invisible to another customer", async () => {
  await using server = await startTestServer({ fake: workspace() });
  const alice = await server.connect(await server.fake.token("alice"));
  await alice.listTools();
  const result = await alice.callTool({ name: "hubspot_list-everything", arguments: {} }) as Result;
  const { handle, uri } = result._meta?.resultCut as { handle: string; uri: string };
  const bob = await server.connect(await server.fake.token("bob"));
  const stolen = await bob.callTool({ name: "read-result", arguments: { handle } }) as Result;
  assert.equal(stolen.isError, true);
  assert.match(textOf(stolen), /No result is kept under this handle/);
  await assert.rejects(() => bob.readResource({ uri }), /Resource not found/);
  // Alice, in another session, still reads it.
  const again = await server.connect(await server.fake.token("alice"));
  const mine = await again.callTool({ name: "read-result", arguments: { handle } }) as Result;
  assert.equal(mine.isError, undefined);
});

Deno.test("maxResultBytes sets the cap per session; 0 turns it off and hides read-result", async () => {
  await using server = await startTestServer({ fake: workspace() });
  const token = await server.fake.token("alice");
  const small = await server.connect(token, { query: "?maxResultBytes=2048" });
  await small.listTools();
  const cut = await small.callTool({ name: "hubspot_list-everything", arguments: {} }) as Result;
  assert.ok(new TextEncoder().encode(cut.content[0]?.text ?? "").length <= 2048);
  assert.ok(cut._meta?.resultCut);

  const uncapped = await server.connect(token, { query: "?maxResultBytes=0" });
  const { tools } = await uncapped.listTools();
  assert.ok(!tools.some((tool) => tool.name === "read-result"));
  const whole = await uncapped.callTool({
    name: "hubspot_list-everything",
    arguments: {},
  }) as Result;
  assert.equal(JSON.parse(textOf(whole)).records.length, 2000);
  assert.equal(whole._meta?.resultCut, undefined);
  await assert.rejects(
    () => uncapped.callTool({ name: "read-result", arguments: { handle: "x" } }),
    /Unknown tool/,
  );
});

Deno.test("MAX_RESULT_BYTES=0 turns the cap off for the server, and dynamic mode lists read-result only with it", async () => {
  await using server = await startTestServer({ fake: workspace(), env: { MAX_RESULT_BYTES: "0" } });
  const token = await server.fake.token("alice");
  const dynamic = await server.connect(token, { query: "?mode=dynamic" });
  const meta = ["enable-tools", "search-tools", "call-tool", "connect-app"];
  assert.deepEqual((await dynamic.listTools()).tools.map((tool) => tool.name), meta);
  const capped = await server.connect(token, { query: "?mode=dynamic&maxResultBytes=4096" });
  assert.deepEqual((await capped.listTools()).tools.map((tool) => tool.name), [
    ...meta,
    "read-result",
  ]);
});

Deno.test("a 2026-07-28 resources/read of a cut result carries its caching hints", async () => {
  await using server = await startTestServer({ fake: workspace() });
  const token = await server.fake.token("alice");
  const client = await connectModernClient(server.mcpUrl, token);
  try {
    const result = await client.callTool({ name: "hubspot_list-everything", arguments: {} });
    const link = (result.content as { type: string; uri?: string }[])
      .find((part) => part.type === "resource_link");
    assert.ok(link?.uri, "a cut result links its rest");
    // Raw, so the hints are checked on the wire, not as a client fills them in.
    const meta = {
      "io.modelcontextprotocol/protocolVersion": "2026-07-28",
      "io.modelcontextprotocol/clientCapabilities": {},
      "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" },
    };
    const res = await rawRequest(server.mcpUrl, {
      method: "POST",
      token,
      headers: mcpHeaders({
        "mcp-protocol-version": "2026-07-28",
        "mcp-method": "resources/read",
        "mcp-name": link.uri,
      }),
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "resources/read",
        params: { uri: link.uri, _meta: meta },
      }),
    });
    assert.equal(res.status, 200);
    const read =
      (res.json as { result: { contents: unknown[]; ttlMs?: unknown; cacheScope?: unknown } })
        .result;
    assert.equal(read.contents.length, 1);
    // The spec requires both on every resources/read result of this revision.
    assert.equal(read.cacheScope, "private");
    assert.equal(typeof read.ttlMs, "number");
  } finally {
    await client.close();
  }
});
