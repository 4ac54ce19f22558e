import assert from "node:assert/strict";
import { parseJSONRPCMessage } from "../sdk/server.ts";
import { HttpError } from "./errors.ts";
import { parseMessages } from "./mcp_messages.ts";

function sdkAccepts(item: unknown): boolean {
  try {
    parseJSONRPCMessage(item);
    return true;
  } catch {
    return false;
  }
}

function weAccept(item: unknown): boolean {
  try {
    parseMessages(item);
    return true;
  } catch (error) {
    assert.ok(error instanceof HttpError && error.status === 400, String(error));
    return false;
  }
}

Deno.test("a message is accepted exactly when the SDK's JSON-RPC schema accepts it", () => {
  const list = { jsonrpc: "2.0", id: 1, method: "tools/list" };
  const cases: [string, unknown][] = [
    ["a request", list],
    ["a string id", { ...list, id: "a" }],
    ["params", { ...list, params: { cursor: "x" } }],
    ["params with _meta", { ...list, params: { _meta: { "x/y": 1 } } }],
    ["a progress token", { ...list, params: { _meta: { progressToken: "t" } } }],
    ["a bad progress token", { ...list, params: { _meta: { progressToken: 1.5 } } }],
    ["a related task", {
      ...list,
      params: { _meta: { "io.modelcontextprotocol/related-task": { taskId: "t" } } },
    }],
    ["a bad related task", {
      ...list,
      params: { _meta: { "io.modelcontextprotocol/related-task": {} } },
    }],
    ["a notification", { jsonrpc: "2.0", method: "notifications/initialized" }],
    ["a notification with params", { jsonrpc: "2.0", method: "n", params: { a: 1 } }],
    ["a result", { jsonrpc: "2.0", id: 1, result: {} }],
    ["an error", { jsonrpc: "2.0", id: 1, error: { code: 1, message: "x" } }],
    ["a fractional id", { ...list, id: 1.5 }],
    ["an unsafe integer id", { ...list, id: 2 ** 60 }],
    ["a null id", { ...list, id: null }],
    ["an object id", { ...list, id: {} }],
    ["another version", { ...list, jsonrpc: "1.0" }],
    ["no version", { id: 1, method: "tools/list" }],
    ["a numeric method", { ...list, method: 1 }],
    ["an extra key", { ...list, extra: 1 }],
    ["array params", { ...list, params: [1] }],
    ["null params", { ...list, params: null }],
    ["string params", { ...list, params: "x" }],
    ["null _meta", { ...list, params: { _meta: null } }],
    ["array _meta", { ...list, params: { _meta: [] } }],
    ["a __proto__ key", JSON.parse('{"jsonrpc":"2.0","id":1,"method":"m","__proto__":{}}')],
    ["null", null],
    ["a string", "x"],
  ];
  for (const [what, item] of cases) {
    assert.equal(weAccept(item), sdkAccepts(item), what);
  }
});
