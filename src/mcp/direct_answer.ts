/**
 * The two hot methods, `tools/list` and `tools/call`, and a session's handshake (`initialize`
 * and its notifications) answered without building the SDK's `Server` and transport for the
 * request. Those cost a good share of a call's CPU time (Zod
 * parses of the message, request and result, a dozen maps, abort controllers), and the SDK
 * serializes a static listing anew each time (about 3 ms per 1,000 tools); here the listing
 * is serialized once per catalog.
 *
 * Only plain, valid requests take this path, and they get the same answer the SDK would
 * give (same handlers, same JSON-RPC envelope). Anything else goes through the SDK: other
 * methods, batches, `enable-tools` (its notification rides an SSE stream), a cursor, a task,
 * malformed params, an `Accept` or `MCP-Protocol-Version` header the SDK would refuse.
 *
 * @module
 */
import { ENABLE_TOOLS_NAME } from "./enable_tools.ts";
import { staticListingBody } from "./listing_body.ts";
import {
  answerCallTool,
  answerListTools,
  INSTRUCTIONS,
  loadCatalog,
  type McpSessionContext,
  metaTools,
  SERVER_CAPABILITIES,
  SERVER_INFO,
} from "./mcp_server.ts";
import {
  ErrorCode,
  type JSONRPCMessage,
  LATEST_PROTOCOL_VERSION,
  SUPPORTED_PROTOCOL_VERSIONS,
} from "../sdk/server.ts";
import { isPlainObject } from "../util/objects.ts";
import {
  acceptsJsonAndEventStream,
  isInitializeMessage,
  isRequestId,
  paramsProblem,
  protocolVersionSupported,
  type RequestId,
} from "./request_rules.ts";

/** Whether the SDK transport would accept the request's headers as they are. */
function headersAccepted(request: Request): boolean {
  return acceptsJsonAndEventStream(request) &&
    protocolVersionSupported(request.headers.get("mcp-protocol-version"));
}

/** Headers every answer carries besides its content type (e.g. the session's id). */
type ExtraHeaders = Record<string, string>;

function jsonResponse(body: string | Uint8Array<ArrayBuffer>, headers: ExtraHeaders): Response {
  return new Response(body, {
    status: 200,
    headers: { "content-type": "application/json", ...headers },
  });
}

function resultResponse(id: RequestId, result: unknown, headers: ExtraHeaders): Response {
  return jsonResponse(JSON.stringify({ result, jsonrpc: "2.0", id }), headers);
}

/** The JSON-RPC error the SDK's protocol layer makes of a thrown error. */
function errorResponse(id: RequestId, error: unknown, headers: ExtraHeaders): Response {
  const record = (isPlainObject(error) ? error : {}) as Record<string, unknown>;
  const code = Number.isSafeInteger(record.code) ? record.code as number : ErrorCode.InternalError;
  const message = error instanceof Error ? error.message : "Internal error";
  return jsonResponse(
    JSON.stringify({
      jsonrpc: "2.0",
      id,
      error: { code, message, ...(record.data !== undefined ? { data: record.data } : {}) },
    }),
    headers,
  );
}

async function answer(
  id: RequestId,
  headers: ExtraHeaders,
  task: () => Promise<Response>,
): Promise<Response> {
  try {
    return await task();
  } catch (error) {
    return errorResponse(id, error, headers);
  }
}

/**
 * The response to `message` when it is a plain `tools/list` or `tools/call` request, or
 * `undefined` when the SDK should serve it. Every answer carries `headers` too.
 */
export function answerDirectly(
  request: Request,
  message: JSONRPCMessage,
  context: McpSessionContext,
  headers: ExtraHeaders = {},
): Promise<Response> | undefined {
  const { jsonrpc, id, method, params } = message as Record<string, unknown>;
  if (jsonrpc !== "2.0" || typeof method !== "string") return undefined;
  if (params !== undefined && !isPlainObject(params)) return undefined;
  if (!headersAccepted(request)) return undefined;

  // A notification (e.g. `notifications/initialized`): the SDK accepts it with 202 and, as every
  // request gets its own server, has nothing to do with it.
  if (id === undefined && method.startsWith("notifications/")) {
    return Promise.resolve(new Response(null, { status: 202, headers }));
  }
  if (!isRequestId(id)) return undefined;

  if (isInitializeMessage(message)) {
    // As the SDK's Server: the client's revision when supported, else the latest.
    const requested = message.params.protocolVersion;
    return Promise.resolve(resultResponse(id, {
      protocolVersion: SUPPORTED_PROTOCOL_VERSIONS.includes(requested)
        ? requested
        : LATEST_PROTOCOL_VERSION,
      capabilities: SERVER_CAPABILITIES,
      serverInfo: SERVER_INFO,
      instructions: INSTRUCTIONS,
    }, headers));
  }

  if (method === "tools/list") {
    if (params?.cursor !== undefined) return undefined;
    return answer(id, headers, async () => {
      if (context.session.mode !== "static") {
        return resultResponse(id, await answerListTools(context, undefined), headers);
      }
      // Static mode lists the whole catalog: its JSON is made once per catalog.
      const idJson = JSON.stringify(id);
      const body = staticListingBody(
        await loadCatalog(context),
        metaTools(context),
        `{"result":{"tools":`,
        `},"jsonrpc":"2.0","id":${idJson}}`,
        idJson,
      );
      return jsonResponse(body, headers);
    });
  }

  if (method === "tools/call" && params && paramsProblem(method, params) === undefined) {
    const { name, arguments: args, task } = params as { name: string; [key: string]: unknown };
    if (name === ENABLE_TOOLS_NAME || task !== undefined) return undefined;
    return answer(id, headers, async () => {
      const result = await answerCallTool(
        context,
        { name, arguments: args as Record<string, unknown> | undefined },
        () => Promise.resolve(),
      );
      return resultResponse(id, result, headers);
    });
  }
  return undefined;
}
