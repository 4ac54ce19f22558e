import assert from "node:assert/strict";
import type { ResultStore } from "../results/result_store.ts";
import { sessionRecord } from "../store/testdata/sessions.ts";
import type { ToolMode } from "../tools/session_view.ts";
import { catalogOfApp, CREATE_CONTACT, LIST_CONTACTS } from "../tools/testdata/catalogs.ts";
import { contextOver } from "./testdata/contexts.ts";
import { type McpSessionContext, metaTools, SERVER_INFO } from "./mcp_server.ts";
import { type IndexedCatalog, listingJson } from "../tools/catalog.ts";
import { ConnectStates } from "./connect_input.ts";
import {
  answerModernCallDirectly,
  answerModernDiscoverDirectly,
  answerModernListDirectly,
  plainModernCall,
} from "./modern_direct_answer.ts";
import { answerModernCall, CACHE_SCOPE, createModernServer } from "./modern_server.ts";
import { type CallToolResult, createMcpHandler, type InputRequiredResult } from "../sdk/server.ts";
import { UpstreamError } from "../integration_app/errors.ts";
import type { IntegrationAppApi } from "../integration_app/types.ts";

const catalog = catalogOfApp("crm", [CREATE_CONTACT, LIST_CONTACTS], "CRM");

/** The same tools, one description with characters beyond Latin-1 (a two-byte listing). */
const twoByteCatalog = catalogOfApp("crm", [
  { ...CREATE_CONTACT, description: "Creates a contact — in the CRM’s list 👤" },
  LIST_CONTACTS,
], "CRM");

function contextFor(
  mode: ToolMode,
  capResults = false,
  listed: IndexedCatalog = catalog,
): McpSessionContext {
  return contextOver(listed, {
    session: sessionRecord({ id: "stateless", mode }),
    // Listing only: the store is never reached.
    ...(capResults ? { results: { store: {} as ResultStore, maxBytes: 1000 } } : {}),
  });
}

const TTL_MS = 12_345;
const FIXED_TTL_MS = 300_000;
const ENVELOPE = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": {},
};

function requestOf(body: unknown, headers: Record<string, string> = {}): Request {
  const method = (body as { method?: unknown } | null)?.method;
  return new Request("http://127.0.0.1/mcp", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2026-07-28",
      "mcp-method": typeof method === "string" ? method : "tools/list",
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

async function viaSdk(
  body: unknown,
  headers?: Record<string, string>,
  capResults = false,
  listed: IndexedCatalog = catalog,
) {
  const context = contextFor("static", capResults, listed);
  const handler = createMcpHandler(
    () =>
      createModernServer(context, {
        freshForMs: () => TTL_MS,
        fixedTtlMs: FIXED_TTL_MS,
        // Listings never seal or open a requestState.
        states: new ConnectStates(() => Promise.reject(new Error("no key in this test"))),
      }),
    { legacy: "reject" },
  );
  try {
    const response = await handler.fetch(requestOf(body, headers), { parsedBody: body });
    return {
      status: response.status,
      type: response.headers.get("content-type"),
      json: await response.json(),
    };
  } finally {
    await handler.close();
  }
}

async function directResponse(
  body: unknown,
  headers?: Record<string, string>,
  capResults = false,
  listed: IndexedCatalog = catalog,
): Promise<Response> {
  const response = await answerModernListDirectly(
    requestOf(body, headers),
    body,
    contextFor("static", capResults, listed),
    () => TTL_MS,
  );
  assert.ok(response, `answered directly: ${JSON.stringify(body)}`);
  return response;
}

async function viaDirect(
  body: unknown,
  headers?: Record<string, string>,
  capResults = false,
  listed: IndexedCatalog = catalog,
) {
  const response = await directResponse(body, headers, capResults, listed);
  return {
    status: response.status,
    type: response.headers.get("content-type"),
    json: await response.json(),
  };
}

Deno.test("a direct 2026-07-28 static listing is the one the SDK gives", async (t) => {
  const cases: [string, unknown, Record<string, string>?][] = [
    ["numeric id", { jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: ENVELOPE } }],
    ["string id, client info", {
      jsonrpc: "2.0",
      id: "x-1",
      method: "tools/list",
      params: {
        _meta: { ...ENVELOPE, "io.modelcontextprotocol/clientInfo": { name: "c", version: "1" } },
      },
    }],
    ["whitespace around header values", {
      jsonrpc: "2.0",
      id: 2,
      method: "tools/list",
      params: { _meta: ENVELOPE },
    }, { "mcp-method": " tools/list ", "mcp-protocol-version": "2026-07-28 " }],
  ];
  for (const [name, body, headers] of cases) {
    await t.step(name, async () => {
      const expected = await viaSdk(body, headers);
      assert.equal(expected.status, 200, JSON.stringify(expected.json));
      assert.deepEqual(await viaDirect(body, headers), expected);
    });
  }
  await t.step("with read-result listed (results are cut)", async () => {
    const body = { jsonrpc: "2.0", id: 3, method: "tools/list", params: { _meta: ENVELOPE } };
    const expected = await viaSdk(body, undefined, true);
    const names = (expected.json.result.tools as { name: string }[]).map((tool) => tool.name);
    assert.ok(names.includes("read-result"));
    assert.deepEqual(await viaDirect(body, undefined, true), expected);
  });
});

Deno.test("a direct 2026-07-28 listing beyond Latin-1 is the SDK's, byte for byte as before", async (t) => {
  for (const id of [1, 7, "x-1", "é’"]) {
    for (const capResults of [false, true]) {
      await t.step(`id ${JSON.stringify(id)}, read-result ${capResults}`, async () => {
        const body = { jsonrpc: "2.0", id, method: "tools/list", params: { _meta: ENVELOPE } };
        const expected = await viaSdk(body, undefined, capResults, twoByteCatalog);
        assert.equal(expected.status, 200, JSON.stringify(expected.json));
        assert.deepEqual(
          await viaDirect(body, undefined, capResults, twoByteCatalog),
          expected,
        );
        // The body as the code before kept bodies made it.
        const tools = listingJson(
          twoByteCatalog,
          metaTools(contextFor("static", capResults, twoByteCatalog)),
        );
        const before = `{"result":{"tools":${tools},"resultType":"complete","ttlMs":${TTL_MS},` +
          `"cacheScope":"${CACHE_SCOPE}","_meta":${
            JSON.stringify({ "io.modelcontextprotocol/serverInfo": SERVER_INFO })
          }},"jsonrpc":"2.0","id":${JSON.stringify(id)}}`;
        const response = await directResponse(body, undefined, capResults, twoByteCatalog);
        assert.equal(await response.text(), before);
      });
    }
  }
});

Deno.test("2026-07-28 requests the SDK must judge are left to it", async () => {
  const list = (params: unknown, extra: Record<string, unknown> = {}) => ({
    jsonrpc: "2.0",
    id: 1,
    method: "tools/list",
    params,
    ...extra,
  });
  const refused: [string, unknown, Record<string, string>?, ToolMode?][] = [
    ["dynamic mode", list({ _meta: ENVELOPE }), undefined, "dynamic"],
    ["a cursor", list({ _meta: ENVELOPE, cursor: "x" })],
    ["no envelope", list({})],
    [
      "no client capabilities",
      list({
        _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28" },
      }),
    ],
    [
      "another version in the envelope",
      list({
        _meta: { ...ENVELOPE, "io.modelcontextprotocol/protocolVersion": "2099-01-01" },
      }),
    ],
    ["an unknown envelope key", list({ _meta: { ...ENVELOPE, "x/y": 1 } })],
    [
      "malformed client capabilities",
      list({ _meta: { ...ENVELOPE, "io.modelcontextprotocol/clientCapabilities": { roots: 1 } } }),
    ],
    [
      "a malformed capability inside",
      list({
        _meta: {
          ...ENVELOPE,
          "io.modelcontextprotocol/clientCapabilities": { roots: { listChanged: "x" } },
        },
      }),
    ],
    [
      "a malformed client info",
      list({
        _meta: { ...ENVELOPE, "io.modelcontextprotocol/clientInfo": { name: 1 } },
      }),
    ],
    ["a fractional id", list({ _meta: ENVELOPE }, { id: 1.5 })],
    ["a 2025 header", list({ _meta: ENVELOPE }), { "mcp-protocol-version": "2025-06-18" }],
    ["no Mcp-Method header", list({ _meta: ENVELOPE }), { "mcp-method": "" }],
    ["another Mcp-Method", list({ _meta: ENVELOPE }), { "mcp-method": "prompts/list" }],
    ["an Mcp-Name header", list({ _meta: ENVELOPE }), { "mcp-name": "x" }],
    ["JSON only in Accept", list({ _meta: ENVELOPE }), { accept: "application/json" }],
    ["another method", { jsonrpc: "2.0", id: 1, method: "prompts/list", params: {} }],
  ];
  for (const [what, body, headers, mode] of refused) {
    const answer = await answerModernListDirectly(
      requestOf(body, headers),
      body,
      contextFor(mode ?? "static"),
      () => TTL_MS,
    );
    assert.equal(answer, undefined, what);
  }
});

Deno.test("a direct 2026-07-28 discovery is the one the SDK gives", async (t) => {
  const discover = (meta: Record<string, unknown>, id: unknown = 7) => ({
    jsonrpc: "2.0",
    id,
    method: "server/discover",
    params: { _meta: meta },
  });
  const cases: [string, unknown, Record<string, string>?][] = [
    ["numeric id", discover(ENVELOPE)],
    [
      "string id, client info",
      discover({
        ...ENVELOPE,
        "io.modelcontextprotocol/clientInfo": { name: "c", version: "1" },
      }, "d-1"),
    ],
    [
      "declared capabilities",
      discover({
        ...ENVELOPE,
        "io.modelcontextprotocol/clientCapabilities": {
          elicitation: { url: {} },
          roots: { listChanged: true },
        },
      }),
    ],
    ["whitespace around header values", discover(ENVELOPE), {
      "mcp-method": " server/discover",
      "mcp-protocol-version": " 2026-07-28",
    }],
  ];
  for (const [name, body, headers] of cases) {
    await t.step(name, async () => {
      const expected = await viaSdk(body, headers);
      assert.equal(expected.status, 200, JSON.stringify(expected.json));
      assert.deepEqual(expected.json.result.ttlMs, FIXED_TTL_MS);
      const response = answerModernDiscoverDirectly(requestOf(body, headers), body, FIXED_TTL_MS);
      assert.ok(response, "answered directly");
      assert.deepEqual({
        status: response.status,
        type: response.headers.get("content-type"),
        json: await response.json(),
      }, expected);
    });
  }
});

Deno.test("2026-07-28 discoveries the SDK must judge are left to it", async () => {
  const discover = (params: unknown, extra: Record<string, unknown> = {}) => ({
    jsonrpc: "2.0",
    id: 1,
    method: "server/discover",
    params,
    ...extra,
  });
  const refused: [string, unknown, Record<string, string>?][] = [
    ["no envelope", discover({})],
    ["more params", discover({ _meta: ENVELOPE, cursor: "x" })],
    [
      "another version in the envelope",
      discover({
        _meta: { ...ENVELOPE, "io.modelcontextprotocol/protocolVersion": "2099-01-01" },
      }),
    ],
    [
      "malformed client capabilities",
      discover({
        _meta: {
          ...ENVELOPE,
          "io.modelcontextprotocol/clientCapabilities": { elicitation: "yes" },
        },
      }),
    ],
    [
      "a malformed client info",
      discover({
        _meta: { ...ENVELOPE, "io.modelcontextprotocol/clientInfo": { name: 1, version: "1" } },
      }),
    ],
    ["no id (a notification)", {
      jsonrpc: "2.0",
      method: "server/discover",
      params: { _meta: ENVELOPE },
    }],
    ["a 2025 header", discover({ _meta: ENVELOPE }), { "mcp-protocol-version": "2025-06-18" }],
    ["another Mcp-Method", discover({ _meta: ENVELOPE }), { "mcp-method": "tools/list" }],
    ["an Mcp-Name header", discover({ _meta: ENVELOPE }), { "mcp-name": "x" }],
    ["JSON only in Accept", discover({ _meta: ENVELOPE }), { accept: "application/json" }],
    ["a listing", { jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: ENVELOPE } }],
  ];
  for (const [what, body, headers] of refused) {
    assert.equal(
      answerModernDiscoverDirectly(requestOf(body, headers), body, FIXED_TTL_MS),
      undefined,
      what,
    );
    // The SDK refuses the malformed ones itself.
    if (what.startsWith("malformed")) {
      assert.equal((await viaSdk(body, headers)).status, 400, what);
    }
  }
});

Deno.test("a direct discovery carries the ttlMs it is given, whichever came before", async () => {
  const body = { jsonrpc: "2.0", id: 1, method: "server/discover", params: { _meta: ENVELOPE } };
  for (const ttlMs of [FIXED_TTL_MS, 1_000, FIXED_TTL_MS, 0]) {
    const response = answerModernDiscoverDirectly(requestOf(body), body, ttlMs);
    assert.ok(response);
    assert.equal((await response.json()).result.ttlMs, ttlMs);
  }
});

/** A static context over `catalog` whose action runs answer from `run`, counted in `runs`. */
function callContext(
  run: (key: string) => unknown,
  runs: string[],
  mode: ToolMode = "static",
): McpSessionContext {
  const api = {
    runAction: (_connectionId: string, key: string) => {
      runs.push(key);
      return Promise.resolve().then(() => run(key));
    },
  } as unknown as IntegrationAppApi;
  return contextOver(catalog, { session: sessionRecord({ id: "stateless", mode }), api });
}

const RUN_ANSWERS = (key: string): unknown => {
  if (key === "list-contacts") return { output: [{ id: "1", name: "Ada — “é”" }] };
  if (key === "create-contact") return { output: { id: "42" }, actionRunId: "arl_7" };
  throw new UpstreamError("rate_limited", "Too many requests");
};

const NO_STATES = new ConnectStates(() => Promise.reject(new Error("no key in this test")));

function callBody(id: unknown, params: Record<string, unknown>) {
  return { jsonrpc: "2.0", id, method: "tools/call", params: { ...params, _meta: ENVELOPE } };
}

function callRequest(body: unknown, headers: Record<string, string> = {}): Request {
  const name = (body as { params?: { name?: unknown } }).params?.name;
  return requestOf(body, { ...(typeof name === "string" ? { "mcp-name": name } : {}), ...headers });
}

/** A 2026-07-28 call through the SDK; `callOutcome` stands for a call run already. */
async function callViaSdk(
  body: unknown,
  context: McpSessionContext,
  callOutcome?: Promise<CallToolResult | InputRequiredResult>,
) {
  const handler = createMcpHandler(
    () =>
      createModernServer(context, {
        freshForMs: () => TTL_MS,
        fixedTtlMs: FIXED_TTL_MS,
        states: NO_STATES,
        ...(callOutcome ? { callOutcome } : {}),
      }),
    { legacy: "reject" },
  );
  try {
    const response = await handler.fetch(callRequest(body), { parsedBody: body });
    return {
      status: response.status,
      type: response.headers.get("content-type"),
      text: await response.text(),
    };
  } finally {
    await handler.close();
  }
}

Deno.test("a direct 2026-07-28 tool call is the one the SDK gives, byte for byte", async (t) => {
  const cases: [string, unknown][] = [
    [
      "a created record, numeric id",
      callBody(1, {
        name: "crm_create-contact",
        arguments: { email: "ada@example.com", name: "Ada" },
      }),
    ],
    [
      "a listing beyond Latin-1, string id",
      callBody("c-1", {
        name: "crm_list-contacts",
        arguments: {},
      }),
    ],
    ["no arguments", callBody(2, { name: "crm_list-contacts" })],
    [
      "invalid arguments (an isError result)",
      callBody(3, {
        name: "crm_create-contact",
        arguments: { email: 5 },
      }),
    ],
  ];
  for (const [name, body] of cases) {
    await t.step(name, async () => {
      const sdkRuns: string[] = [];
      const expected = await callViaSdk(body, callContext(RUN_ANSWERS, sdkRuns));
      assert.equal(expected.status, 200, expected.text);
      const call = plainModernCall(callRequest(body), body);
      assert.ok(call, "a plain call");
      const runs: string[] = [];
      const response = await answerModernCallDirectly(
        call.id,
        answerModernCall(callContext(RUN_ANSWERS, runs), NO_STATES, call.params),
      );
      assert.ok(response, "answered directly");
      assert.deepEqual({
        status: response.status,
        type: response.headers.get("content-type"),
        text: await response.text(),
      }, expected);
      assert.deepEqual(runs, sdkRuns);
    });
  }
});

Deno.test("a plain 2026-07-28 call that fails runs once and gets the SDK's answer", async (t) => {
  const cases: [string, unknown, ToolMode][] = [
    [
      "an upstream failure",
      callBody(1, {
        name: "crm_create-contact",
        arguments: { email: "ada@example.com" },
      }),
      "static",
    ],
    [
      "a tool not enabled (an error)",
      callBody(2, {
        name: "crm_list-contacts",
        arguments: {},
      }),
      "dynamic",
    ],
  ];
  const run = () => {
    throw new Error("boom");
  };
  for (const [name, body, mode] of cases) {
    await t.step(name, async () => {
      const sdkRuns: string[] = [];
      const expected = await callViaSdk(body, callContext(run, sdkRuns, mode));
      const call = plainModernCall(callRequest(body), body);
      assert.ok(call, "a plain call");
      const runs: string[] = [];
      const context = callContext(run, runs, mode);
      const outcome = answerModernCall(context, NO_STATES, call.params);
      const direct = await answerModernCallDirectly(call.id, outcome);
      if (direct) {
        assert.equal(await direct.text(), expected.text);
      } else {
        // What mcp_modern.ts does: left to the SDK, with the outcome computed already.
        assert.deepEqual(await callViaSdk(body, context, outcome), expected);
      }
      assert.deepEqual(runs, sdkRuns);
      assert.match(expected.text, mode === "dynamic" ? /"error":/ : /"isError":true/);
    });
  }
  await t.step("a result the SDK amends (no content) is left to it", async () => {
    const result = Promise.resolve({ structuredContent: { a: 1 } } as unknown as CallToolResult);
    assert.equal(await answerModernCallDirectly(1, result), undefined);
    const list = Promise.resolve(
      { content: [], structuredContent: [1] } as unknown as CallToolResult,
    );
    assert.equal(await answerModernCallDirectly(1, list), undefined);
    const inputRequired = Promise.resolve(
      { resultType: "input_required", requestState: "x" } as unknown as CallToolResult,
    );
    assert.equal(await answerModernCallDirectly(1, inputRequired), undefined);
  });
  await t.step("a content block other than text is left to it", async () => {
    const link = Promise.resolve({
      content: [{ type: "resource_link", uri: "mcp://x", name: "x" }],
    } as CallToolResult);
    assert.equal(await answerModernCallDirectly(1, link), undefined);
  });
});

Deno.test("2026-07-28 calls the SDK must judge are not taken as plain", () => {
  const call = (params: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    ...callBody(1, { name: "crm_create-contact", ...params }),
    ...extra,
  });
  const refused: [string, unknown, Record<string, string>?][] = [
    ["no Mcp-Name header", call({}), { "mcp-name": "" }],
    ["another Mcp-Name", call({}), { "mcp-name": "crm_list-contacts" }],
    ["an Mcp-Name in Base64", call({}), { "mcp-name": "=?base64?Y3JtX2NyZWF0ZS1jb250YWN0?=" }],
    ["a name in the Base64 form", call({ name: "=?base64?eA==?=" })],
    ["an empty name", call({ name: "" })],
    ["a name that is not a string", call({ name: 5 })],
    ["arguments that are not an object", call({ arguments: [1] })],
    ["more params", call({ task: { ttl: 1 } })],
    ["a requestState (a retry)", call({ requestState: "x" })],
    ["input responses", call({ inputResponses: {} })],
    ["no envelope", { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "x" } }],
    [
      "a malformed envelope",
      {
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: {
          name: "crm_create-contact",
          _meta: { ...ENVELOPE, "io.modelcontextprotocol/clientCapabilities": { roots: 1 } },
        },
      },
    ],
    ["a fractional id", call({}, { id: 1.5 })],
    ["a 2025 header", call({}), { "mcp-protocol-version": "2025-06-18" }],
    ["another Mcp-Method", call({}), { "mcp-method": "tools/list" }],
    ["JSON only in Accept", call({}), { accept: "application/json" }],
    ["a listing", { jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: ENVELOPE } }],
  ];
  for (const [what, body, headers] of refused) {
    assert.equal(plainModernCall(callRequest(body, headers), body), undefined, what);
  }
  const plain = call({});
  assert.ok(plainModernCall(callRequest(plain, { "mcp-name": " crm_create-contact " }), plain));
});
