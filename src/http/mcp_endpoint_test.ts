import assert from "node:assert/strict";
import { isLegacyRequest } from "../sdk/server.ts";
import { plainlyLegacy, plainlyModern } from "./mcp_endpoint.ts";

const ENVELOPE = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": {},
};

function post(body: unknown, version?: string): Request {
  return new Request("http://127.0.0.1/mcp", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...(version !== undefined ? { "mcp-protocol-version": version } : {}),
    },
    body: JSON.stringify(body),
  });
}

Deno.test("the quick era check says 2025 only where the SDK says so, and on plain 2025 traffic", async () => {
  const list = { jsonrpc: "2.0", id: 1, method: "tools/list" };
  const cases: [string, unknown, string | undefined, boolean][] = [
    ["a 2025 request with its header", list, "2025-06-18", true],
    ["a 2025 request without a header", list, undefined, true],
    [
      "initialize",
      {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "a" } },
      },
      undefined,
      true,
    ],
    ["a notification", { jsonrpc: "2.0", method: "notifications/initialized" }, "2025-06-18", true],
    [
      "a 2025 request with other _meta",
      {
        ...list,
        params: { _meta: { progressToken: 1 } },
      },
      "2025-11-25",
      true,
    ],
    ["an unknown old version (refused later)", list, "1999-01-01", true],
    ["a modern request", { ...list, params: { _meta: ENVELOPE } }, "2026-07-28", false],
    ["an envelope without the header", { ...list, params: { _meta: ENVELOPE } }, undefined, false],
    [
      "an envelope behind a 2025 header",
      { ...list, params: { _meta: ENVELOPE } },
      "2025-06-18",
      false,
    ],
    ["a modern header without an envelope", list, "2026-07-28", false],
    ["a modern header with spaces", list, " 2026-07-28 ", false],
    ["a batch", [list], "2025-06-18", false],
  ];
  for (const [what, body, version, expected] of cases) {
    const quick = plainlyLegacy(post(body, version), body);
    assert.equal(quick, expected, what);
    if (quick) assert.equal(await isLegacyRequest(post(body, version), body), true, what);
  }
});

Deno.test("the quick modern check says 2026-07-28 only where the SDK says so, and on plain modern traffic", async () => {
  const list = { jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: ENVELOPE } };
  const cases: [string, unknown, string | undefined, boolean][] = [
    ["a modern request", list, "2026-07-28", true],
    ["a modern request without a header", list, undefined, true],
    ["server/discover", { ...list, method: "server/discover" }, "2026-07-28", true],
    [
      "a modern notification",
      { jsonrpc: "2.0", method: "notifications/x", params: { _meta: ENVELOPE } },
      "2026-07-28",
      true,
    ],
    ["an envelope behind a 2025 header (refused by the modern era)", list, "2025-06-18", true],
    [
      "a malformed envelope (refused by the modern era)",
      { ...list, params: { _meta: { "io.modelcontextprotocol/protocolVersion": 7 } } },
      "2026-07-28",
      true,
    ],
    [
      "an unknown revision in the envelope",
      {
        ...list,
        params: { _meta: { ...ENVELOPE, "io.modelcontextprotocol/protocolVersion": "2025-06-18" } },
      },
      undefined,
      true,
    ],
    ["a 2025 request", { jsonrpc: "2.0", id: 1, method: "tools/list" }, "2025-06-18", false],
    [
      "a modern header without an envelope",
      { jsonrpc: "2.0", id: 1, method: "tools/list" },
      "2026-07-28",
      false,
    ],
    [
      "initialize with an envelope (the SDK decides)",
      {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          _meta: ENVELOPE,
          protocolVersion: "2025-06-18",
          capabilities: {},
          clientInfo: { name: "a", version: "1" },
        },
      },
      undefined,
      false,
    ],
    [
      "a response with an envelope",
      { jsonrpc: "2.0", id: 1, result: { _meta: ENVELOPE } },
      undefined,
      false,
    ],
    ["a body with a method and a result", { ...list, result: {} }, undefined, false],
    [
      "a body with a method and an error",
      { ...list, error: { code: 1, message: "x" } },
      undefined,
      false,
    ],
    ["a batch of modern requests", [list], "2026-07-28", false],
    ["params that are not an object", { ...list, params: [ENVELOPE] }, undefined, false],
    ["no method", { jsonrpc: "2.0", id: 1, params: { _meta: ENVELOPE } }, undefined, false],
  ];
  for (const [what, body, version, expected] of cases) {
    const quick = plainlyModern(body);
    assert.equal(quick, expected, what);
    if (quick) assert.equal(await isLegacyRequest(post(body, version), body), false, what);
  }
});
