import assert from "node:assert/strict";
import { UpstreamError } from "../integration_app/errors.ts";
import type { IntegrationAppApi } from "../integration_app/types.ts";
import { sessionRecord } from "../store/testdata/sessions.ts";
import type { ToolMode } from "../tools/session_view.ts";
import { catalogOfApp, CREATE_CONTACT, LIST_CONTACTS } from "../tools/testdata/catalogs.ts";
import { answerDirectly } from "./direct_answer.ts";
import { listingJson } from "../tools/catalog.ts";
import { contextOver } from "./testdata/contexts.ts";
import { createMcpServer, type McpSessionContext, metaTools } from "./mcp_server.ts";
import type { ResultCap } from "./result_cap.ts";
import { ResultStore } from "../results/result_store.ts";
import { type JSONRPCMessage, WebStandardStreamableHTTPServerTransport } from "../sdk/server.ts";

const catalog = catalogOfApp("crm", [
  CREATE_CONTACT,
  LIST_CONTACTS,
  { id: "a3", key: "count", name: "Count", inputSchema: { type: "integer" } },
], "CRM");

/** A session context over `catalog` whose runs answer from `run`. */
function contextFor(
  mode: ToolMode,
  run: (key: string) => unknown,
  results?: ResultCap,
): McpSessionContext {
  const session = sessionRecord({
    mode,
    enabledTools: mode === "dynamic" ? ["crm_create-contact"] : [],
  });
  const api = {
    runAction: (_connectionId: string, key: string) => Promise.resolve().then(() => run(key)),
  } as unknown as IntegrationAppApi;
  return contextOver(catalog, { session, api, results });
}

const HEADERS = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  "mcp-protocol-version": "2025-06-18",
};

function requestOf(body: unknown, headers: Record<string, string> = HEADERS): Request {
  return new Request("http://127.0.0.1/mcp", {
    method: "POST",
    headers,
    body: JSON.stringify(body),
  });
}

async function viaSdk(context: McpSessionContext, body: JSONRPCMessage) {
  const server = createMcpServer(context);
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  await server.connect(transport);
  const response = await transport.handleRequest(requestOf(body), { parsedBody: body });
  const json = await response.json();
  await server.close();
  return { status: response.status, type: response.headers.get("content-type"), json };
}

async function viaDirect(context: McpSessionContext, body: JSONRPCMessage) {
  const answering = answerDirectly(requestOf(body), body, context);
  assert.ok(answering, `answered directly: ${JSON.stringify(body)}`);
  const response = await answering;
  const json = await response.json();
  return { status: response.status, type: response.headers.get("content-type"), json };
}

const runs = (key: string): unknown => {
  if (key === "list-contacts") return { output: [{ id: "1" }] };
  if (key === "count") throw new UpstreamError("rate_limited", "Too many requests");
  return { output: { id: "42" } };
};

Deno.test("direct answers are the ones the SDK gives", async (t) => {
  const cases: [string, ToolMode, JSONRPCMessage][] = [
    ["static tools/list", "static", { jsonrpc: "2.0", id: 1, method: "tools/list" }],
    ["dynamic tools/list", "dynamic", { jsonrpc: "2.0", id: "a", method: "tools/list" }],
    ["a successful call", "static", {
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: { name: "crm_create-contact", arguments: { email: "ada@example.com" } },
    }],
    ["an array output", "static", {
      jsonrpc: "2.0",
      id: 3,
      method: "tools/call",
      params: { name: "crm_list-contacts" },
    }],
    ["invalid arguments", "static", {
      jsonrpc: "2.0",
      id: 4,
      method: "tools/call",
      params: { name: "crm_create-contact", arguments: { email: 5, extra: true } },
    }],
    ["an upstream failure", "static", {
      jsonrpc: "2.0",
      id: 5,
      method: "tools/call",
      params: { name: "crm_count", arguments: { input: 3 } },
    }],
    ["an unknown tool", "static", {
      jsonrpc: "2.0",
      id: 6,
      method: "tools/call",
      params: { name: "crm_nothing", arguments: {} },
    }],
    ["a tool not enabled", "dynamic", {
      jsonrpc: "2.0",
      id: 7,
      method: "tools/call",
      params: { name: "crm_list-contacts", arguments: {} },
    }],
  ];
  const initialize = (protocolVersion: string): JSONRPCMessage => ({
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: { protocolVersion, capabilities: {}, clientInfo: { name: "c", version: "1" } },
  });
  cases.push(
    ["initialize, a supported revision", "static", initialize("2025-06-18")],
    ["initialize, an older supported revision", "dynamic", initialize("2025-03-26")],
    ["initialize, an unknown revision", "static", initialize("2030-01-01")],
  );
  for (const [name, mode, body] of cases) {
    await t.step(name, async () => {
      const expected = await viaSdk(contextFor(mode, runs), body);
      const actual = await viaDirect(contextFor(mode, runs), body);
      assert.deepEqual(actual, expected);
    });
  }
});

Deno.test("a notification is accepted with 202 and no body, as the SDK does", async () => {
  const body: JSONRPCMessage = { jsonrpc: "2.0", method: "notifications/initialized" };
  const server = createMcpServer(contextFor("static", runs));
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  await server.connect(transport);
  const expected = await transport.handleRequest(requestOf(body), { parsedBody: body });
  await server.close();
  const actual = await answerDirectly(requestOf(body), body, contextFor("static", runs));
  assert.ok(actual);
  assert.equal(actual.status, expected.status);
  assert.equal(actual.status, 202);
  assert.equal(await actual.text(), await expected.text());
  assert.deepEqual([...actual.headers], [...expected.headers]);
});

Deno.test("requests the SDK must judge are left to it", () => {
  const context = contextFor("static", runs);
  const call = (params: unknown): JSONRPCMessage =>
    ({ jsonrpc: "2.0", id: 1, method: "tools/call", params }) as JSONRPCMessage;
  const refused: [string, JSONRPCMessage, Record<string, string>?][] = [
    ["a cursor", { jsonrpc: "2.0", id: 1, method: "tools/list", params: { cursor: "x" } }],
    ["enable-tools", call({ name: "enable-tools", arguments: { query: "x" } })],
    ["a task", call({ name: "crm_count", task: { ttl: 1000 } })],
    ["arguments that are not an object", call({ name: "crm_count", arguments: [1] })],
    ["no tool name", call({ arguments: {} })],
    ["an empty tool name", call({ name: "", arguments: {} })],
    ["an initialize without client info", {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {} },
    } as JSONRPCMessage],
    ["another method", { jsonrpc: "2.0", id: 1, method: "ping" }],
    ["a fractional id", { jsonrpc: "2.0", id: 1.5, method: "tools/list" }],
    ["JSON only in Accept", { jsonrpc: "2.0", id: 1, method: "tools/list" }, {
      ...HEADERS,
      accept: "application/json",
    }],
    ["an unknown protocol version", { jsonrpc: "2.0", id: 1, method: "tools/list" }, {
      ...HEADERS,
      "mcp-protocol-version": "1999-01-01",
    }],
  ];
  for (const [what, body, headers] of refused) {
    assert.equal(answerDirectly(requestOf(body, headers), body, context), undefined, what);
  }
});

Deno.test("a static listing beyond Latin-1 is the SDK's, byte for byte as before, for any id", async (t) => {
  const twoByte = catalogOfApp("crm", [
    { ...CREATE_CONTACT, description: "Creates a contact — in the CRM’s list 👤" },
    LIST_CONTACTS,
  ], "CRM");
  const results = { store: {} as ResultStore, maxBytes: 1000 };
  for (const id of [1, 2, 1, 0, "a", "é’", 'q"\\']) {
    for (const cap of [false, true]) {
      await t.step(`id ${JSON.stringify(id)}, read-result ${cap}`, async () => {
        const context = contextOver(twoByte, {
          session: sessionRecord({ mode: "static" }),
          ...(cap ? { results } : {}),
        });
        const body: JSONRPCMessage = { jsonrpc: "2.0", id, method: "tools/list" };
        const response = await answerDirectly(requestOf(body), body, context);
        assert.ok(response);
        const text = await response.text();
        const tools = listingJson(twoByte, metaTools(context));
        assert.equal(
          text,
          `{"result":{"tools":${tools}},"jsonrpc":"2.0","id":${JSON.stringify(id)}}`,
        );
        assert.deepEqual(JSON.parse(text), (await viaSdk(context, body)).json);
      });
    }
  }
});

Deno.test("a catalog's listing is serialized once", () => {
  const json = listingJson(catalog);
  assert.equal(listingJson(catalog), json);
  assert.deepEqual(JSON.parse(json), catalog.listing);
});

Deno.test("with the size cap on, direct answers are still the ones the SDK gives", async (t) => {
  using kv = await Deno.openKv(":memory:");
  const cap: ResultCap = { store: new ResultStore({ kv, ttlMs: 60_000 }), maxBytes: 4096 };
  const cases: [string, ToolMode, JSONRPCMessage][] = [
    ["static tools/list", "static", { jsonrpc: "2.0", id: 1, method: "tools/list" }],
    ["dynamic tools/list", "dynamic", { jsonrpc: "2.0", id: 2, method: "tools/list" }],
    ["read-result of an unknown handle", "static", {
      jsonrpc: "2.0",
      id: 3,
      method: "tools/call",
      params: { name: "read-result", arguments: { handle: "AAAAAAAAAAAAAAAAAAAAAA" } },
    }],
  ];
  for (const [name, mode, body] of cases) {
    await t.step(name, async () => {
      const expected = await viaSdk(contextFor(mode, runs, cap), body);
      const actual = await viaDirect(contextFor(mode, runs, cap), body);
      assert.deepEqual(actual, expected);
      assert.match(JSON.stringify(actual.json), /read-result|No result is kept/);
    });
  }
});

Deno.test("every direct answer carries the headers it is given, among its own", async () => {
  const messages: [ToolMode, JSONRPCMessage][] = [
    ["static", { jsonrpc: "2.0", id: 1, method: "tools/list" }],
    ["dynamic", { jsonrpc: "2.0", id: 2, method: "tools/list" }],
    ["static", {
      jsonrpc: "2.0",
      id: 3,
      method: "tools/call",
      params: { name: "crm_list-contacts", arguments: {} },
    }],
    ["static", {
      jsonrpc: "2.0",
      id: 4,
      method: "initialize",
      params: {
        protocolVersion: "2025-06-18",
        capabilities: {},
        clientInfo: { name: "a", version: "1" },
      },
    }],
    ["static", { jsonrpc: "2.0", method: "notifications/initialized" }],
  ];
  for (const [mode, body] of messages) {
    const answering = answerDirectly(requestOf(body), body, contextFor(mode, runs), {
      "mcp-session-id": "s-1",
    });
    assert.ok(answering, JSON.stringify(body));
    const response = await answering;
    await response.body?.cancel();
    assert.equal(response.headers.get("mcp-session-id"), "s-1", JSON.stringify(body));
    if (response.status === 200) {
      assert.equal(response.headers.get("content-type"), "application/json");
    }
  }
});
