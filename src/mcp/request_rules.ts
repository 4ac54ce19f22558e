/**
 * What an MCP request must satisfy, each rule written once: the `Accept` header, the
 * `MCP-Protocol-Version` header of the 2025 era, and the params of the methods this server
 * checks itself. The HTTP endpoint refuses on them; the direct answers use them to pick the
 * requests the SDK would accept as they are.
 *
 * @module
 */
import { isPlainObject } from "../util/objects.ts";
import {
  type InitializeRequest,
  isInitializeRequest,
  SUPPORTED_PROTOCOL_VERSIONS,
} from "../sdk/server.ts";

/** A JSON-RPC request id. */
export type RequestId = string | number;

/** Whether `value` is a JSON-RPC request id the SDK accepts: a string or a safe integer. */
export function isRequestId(value: unknown): value is RequestId {
  return typeof value === "string" || Number.isSafeInteger(value);
}

/** Whether the client accepts both JSON and SSE responses, as the MCP transport requires. */
export function acceptsJsonAndEventStream(request: Request): boolean {
  const accept = request.headers.get("accept") ?? "";
  return accept.includes("application/json") && accept.includes("text/event-stream");
}

/** Whether an `MCP-Protocol-Version` header (`null` when absent) names a 2025 revision spoken here. */
export function protocolVersionSupported(version: string | null): boolean {
  return version === null || SUPPORTED_PROTOCOL_VERSIONS.includes(version);
}

/** What is wrong with the params of a `method` request, or `undefined`. */
export function paramsProblem(method: string, params: unknown): string | undefined {
  const record = isPlainObject(params) ? params : {};
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

/** The SDK's verdicts on messages already checked as `initialize` requests. */
const initializeVerdicts = new WeakMap<object, boolean>();

/**
 * The SDK's `isInitializeRequest` (a Zod parse), asked once per message however many checks
 * along its path ask. Only a message whose method is `initialize` is parsed at all.
 */
export function isInitializeMessage(message: unknown): message is InitializeRequest {
  if (!isPlainObject(message) || message.method !== "initialize") return false;
  let verdict = initializeVerdicts.get(message);
  if (verdict === undefined) {
    initializeVerdicts.set(message, verdict = isInitializeRequest(message));
  }
  return verdict;
}
