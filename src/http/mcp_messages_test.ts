import assert from "node:assert/strict";
import { parseJSONRPCMessage } from "../sdk/server.ts";
import { HttpError } from "./errors.ts";
import { isPlainRequestOrNotification, parseMessages } from "./mcp_messages.ts";

/** Inputs, and whether the shortcut takes them as plain requests or notifications. */
const CASES: [string, unknown, boolean][] = [
  ["a tool call", {
    jsonrpc: "2.0",
    id: 7,
    method: "tools/call",
    params: { name: "gmail_send-email", arguments: { to: "a@b.c" } },
  }, true],
  ["a listing with a string id", { jsonrpc: "2.0", id: "abc", method: "tools/list" }, true],
  ["a negative id", { jsonrpc: "2.0", id: -3, method: "ping" }, true],
  ["an empty string id", { jsonrpc: "2.0", id: "", method: "ping" }, true],
  ["a notification", { jsonrpc: "2.0", method: "notifications/initialized" }, true],
  ["empty params", { jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }, true],
  ["params with _meta", {
    jsonrpc: "2.0",
    id: 1,
    method: "tools/call",
    params: { name: "x", _meta: { progressToken: 1 } },
  }, false],
  ["a fractional id", { jsonrpc: "2.0", id: 1.5, method: "ping" }, false],
  ["an id past the safe integers", { jsonrpc: "2.0", id: 2 ** 53, method: "ping" }, false],
  ["a null id", { jsonrpc: "2.0", id: null, method: "ping" }, false],
  ["an object id", { jsonrpc: "2.0", id: {}, method: "ping" }, false],
  ["another JSON-RPC version", { jsonrpc: "1.0", id: 1, method: "ping" }, false],
  ["no version", { id: 1, method: "ping" }, false],
  ["a number method", { jsonrpc: "2.0", id: 1, method: 5 }, false],
  ["an extra key", { jsonrpc: "2.0", id: 1, method: "ping", extra: true }, false],
  ["array params", { jsonrpc: "2.0", id: 1, method: "ping", params: [1] }, false],
  ["null params", { jsonrpc: "2.0", id: 1, method: "ping", params: null }, false],
  ["string params", { jsonrpc: "2.0", id: 1, method: "ping", params: "x" }, false],
  ["a __proto__ key", JSON.parse('{"jsonrpc":"2.0","id":1,"method":"x","__proto__":{}}'), false],
  ["a result", { jsonrpc: "2.0", id: 1, result: {} }, false],
  ["an error", { jsonrpc: "2.0", id: 1, error: { code: -1, message: "no" } }, false],
  ["an array", [{ jsonrpc: "2.0", id: 1, method: "ping" }], false],
  ["null", null, false],
  ["a string", "ping", false],
];

function schemaAccepts(item: unknown): boolean {
  try {
    parseJSONRPCMessage(item);
    return true;
  } catch {
    return false;
  }
}

Deno.test("plain requests and notifications skip the schema, which accepts all of them too", async (t) => {
  for (const [name, item, plain] of CASES) {
    await t.step(name, () => {
      assert.equal(isPlainRequestOrNotification(item), plain);
      if (plain) assert.ok(schemaAccepts(item), "the shortcut took what the schema refuses");
    });
  }
});

Deno.test("a body is accepted or refused as the schema says, whichever way it is checked", () => {
  for (const [name, item] of CASES) {
    if (Array.isArray(item)) continue;
    let accepted: boolean;
    try {
      parseMessages(item);
      accepted = true;
    } catch (error) {
      assert.ok(error instanceof HttpError, name);
      assert.equal(error.status, 400, name);
      accepted = false;
    }
    assert.equal(accepted, schemaAccepts(item), name);
  }
});
