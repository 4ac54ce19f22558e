/**
 * Checks of a `POST /mcp` request done before any state changes (a session is created or a
 * chat linked): the Accept header and the shape of every JSON-RPC message. The SDK transport
 * checks the same things later; checking first means a refused request leaves no trace.
 *
 * @module
 */
import { type JSONRPCMessage, parseJSONRPCMessage } from "../sdk/server.ts";
import { HttpError, JsonRpcCode } from "./errors.ts";
import {
  acceptsJsonAndEventStream,
  isInitializeMessage,
  isRequestId,
} from "../mcp/request_rules.ts";
import { isPlainObject } from "../util/objects.ts";

/** Most messages accepted in one batch (batches were removed from MCP in 2025-06-18). */
const MAX_BATCH_SIZE = 100;

function invalidRequest(message: string): HttpError {
  return new HttpError(400, `Invalid Request: ${message}`, { rpcCode: JsonRpcCode.InvalidRequest });
}

/** 406 unless the client accepts both JSON and SSE responses, as the MCP transport requires. */
export function checkAccept(request: Request): void {
  if (!acceptsJsonAndEventStream(request)) {
    throw new HttpError(
      406,
      "Not Acceptable: Client must accept both application/json and text/event-stream",
    );
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object"
    ? "an object that is not a JSON-RPC message"
    : `a ${typeof value}`;
}

const MESSAGE_KEYS = new Set(["jsonrpc", "id", "method", "params"]);

/**
 * Whether `item` is a plain JSON-RPC request or notification, by a check narrower than the
 * SDK's schema (everything it passes, the SDK passes too): `"2.0"`, a string method, a string
 * or integer id if any, params an object whose `_meta`, if any, is an object without the
 * fields the SDK checks further. Anything else is left to the SDK's own parse (a Zod parse of
 * tens of microseconds).
 */
function plainRequestOrNotification(item: unknown): boolean {
  if (!isPlainObject(item) || item.jsonrpc !== "2.0" || typeof item.method !== "string") {
    return false;
  }
  for (const key in item) if (!MESSAGE_KEYS.has(key)) return false;
  if ("id" in item && !isRequestId(item.id)) return false;
  if (!("params" in item)) return true;
  const params = item.params;
  if (!isPlainObject(params)) return false;
  if (!("_meta" in params)) return true;
  const meta = params._meta;
  return isPlainObject(meta) && !("progressToken" in meta) &&
    !("io.modelcontextprotocol/related-task" in meta);
}

function isJsonRpcMessage(item: unknown): boolean {
  if (plainRequestOrNotification(item)) return true;
  try {
    parseJSONRPCMessage(item);
    return true;
  } catch {
    return false;
  }
}

/** The JSON-RPC messages of a parsed body; 400 (-32600) when it holds anything else. */
export function parseMessages(body: unknown): JSONRPCMessage[] {
  const batch = Array.isArray(body);
  const items: unknown[] = batch ? body : [body];
  if (items.length === 0) throw invalidRequest("empty batch");
  if (items.length > MAX_BATCH_SIZE) {
    throw invalidRequest(`a batch may hold at most ${MAX_BATCH_SIZE} messages`);
  }
  const messages = items.map((item, index) => {
    if (isJsonRpcMessage(item)) return item as JSONRPCMessage;
    const where = batch ? `message ${index + 1} of the batch` : "the body";
    throw invalidRequest(
      `${where} is ${describe(item)}: expected {"jsonrpc": "2.0", "method": …} with an ` +
        `optional string or integer "id" and object "params", or a response with "id" and ` +
        `"result" or "error"`,
    );
  });
  // Each listing serializes the whole catalog: a batch of them would multiply its size.
  const listings =
    messages.filter((message) => (message as { method?: unknown }).method === "tools/list").length;
  if (listings > 1) {
    throw invalidRequest(`a batch may hold at most one tools/list request, not ${listings}`);
  }
  return messages;
}

/** 400 (-32602) when a 2025 `initialize` request lacks what the handshake needs. */
export function checkInitializeParams(messages: JSONRPCMessage[]): void {
  for (const message of messages) {
    if (
      (message as { method?: unknown }).method === "initialize" && !isInitializeMessage(message)
    ) {
      throw new HttpError(
        400,
        `Invalid params: initialize needs "protocolVersion" (a string), "capabilities" (an ` +
          `object) and "clientInfo" ({"name", "version"})`,
        { rpcCode: JsonRpcCode.InvalidParams },
      );
    }
  }
}
