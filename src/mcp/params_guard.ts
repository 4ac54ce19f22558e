/**
 * Checks the params of the requests this server handles before the SDK sees them, so a
 * malformed call gets JSON-RPC -32602 with a message naming the field (the SDK would answer
 * -32603 with a schema dump).
 *
 * @module
 */
import {
  ErrorCode,
  isJSONRPCRequest,
  type JSONRPCMessage,
  type WebStandardStreamableHTTPServerTransport,
} from "./sdk.ts";

function isPlainObject(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** What is wrong with the params of a `method` request, or `undefined`. */
export function paramsProblem(method: string, params: unknown): string | undefined {
  const record = isPlainObject(params) ? params as Record<string, unknown> : {};
  switch (method) {
    case "tools/call":
      if (typeof record.name !== "string" || record.name === "") {
        return `Invalid params: tools/call needs "name", the tool's name as a string`;
      }
      if (record.arguments !== undefined && !isPlainObject(record.arguments)) {
        return `Invalid params: "arguments" of tools/call must be an object`;
      }
      return undefined;
    case "tools/list":
      if (record.cursor !== undefined && typeof record.cursor !== "string") {
        return `Invalid params: "cursor" of tools/list must be a string`;
      }
      return undefined;
    default:
      return undefined;
  }
}

/** Answers requests with malformed params itself; passes every other message on. */
export function guardRequestParams(transport: WebStandardStreamableHTTPServerTransport): void {
  const deliver = transport.onmessage;
  transport.onmessage = (message: JSONRPCMessage, extra) => {
    const problem = isJSONRPCRequest(message)
      ? paramsProblem(message.method, message.params)
      : undefined;
    if (problem === undefined || !isJSONRPCRequest(message)) return deliver?.(message, extra);
    transport.send({
      jsonrpc: "2.0",
      id: message.id,
      error: { code: ErrorCode.InvalidParams, message: problem },
    }).catch(() => {});
  };
}
