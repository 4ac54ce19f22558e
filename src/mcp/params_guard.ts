/**
 * Checks the params of the requests this server handles before the SDK sees them (by the rules
 * of `request_rules.ts`), so a malformed call gets JSON-RPC -32602 with a message naming the
 * field (the SDK would answer -32603 with a schema dump).
 *
 * @module
 */
import {
  ErrorCode,
  isJSONRPCRequest,
  type JSONRPCMessage,
  type WebStandardStreamableHTTPServerTransport,
} from "../sdk/server.ts";
import { paramsProblem } from "./request_rules.ts";

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
