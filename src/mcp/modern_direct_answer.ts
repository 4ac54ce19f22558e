/**
 * The hot 2026-07-28 requests answered without the SDK: a plain static `tools/list`, a plain
 * `tools/call`, and the plain `server/discover` every new client opens with. The SDK serializes the whole listing on
 * every request (about 2 ms per 1,000 tools); here the listing is serialized once per catalog
 * (`listingJson`), as on the 2025 path. Discovery through the SDK builds a server for the
 * request, classifies it and closes it (about 0.4 ms of CPU); its answer only changes with a
 * release. A plain `tools/call` runs its handler here too (the SDK builds a server and a
 * transport for it and parses the request and the result with Zod, about 0.5 ms of CPU); an
 * outcome that is not a plain result (an error, `input_required`) is put on the wire by the
 * SDK, from the outcome already computed (`mcp_modern.ts`), so the call never runs twice.
 *
 * Only a request the SDK would accept as it is takes this path (exact protocol version in the
 * header and the envelope, `Mcp-Method` naming the method, no other params, an envelope the
 * SDK accepts; for a call, `Mcp-Name` naming the tool), and it gets the answer the SDK would
 * give (`modern_direct_answer_test.ts` checks both side by side). Anything else, including
 * every error, is the SDK's to answer.
 *
 * @module
 */
import { loadCatalog, type McpSessionContext, metaTools, SERVER_INFO } from "./mcp_server.ts";
import { CACHE_SCOPE, MODERN_CAPABILITIES, MODERN_INSTRUCTIONS } from "./modern_server.ts";
import { classifyInboundRequest } from "../sdk/server.ts";
import type { IndexedCatalog } from "../tools/catalog.ts";
import { staticListingBody } from "./listing_body.ts";
import { LruMap } from "../util/concurrency.ts";
import { isPlainObject } from "../util/objects.ts";
import { acceptsJsonAndEventStream, isRequestId } from "./request_rules.ts";

const REVISION = "2026-07-28";
const ENVELOPE_KEYS = new Set([
  "io.modelcontextprotocol/protocolVersion",
  "io.modelcontextprotocol/clientCapabilities",
  "io.modelcontextprotocol/clientInfo",
]);
const SERVER_INFO_KEY = "io.modelcontextprotocol/serverInfo";
const SERVER_META_VALUE = { [SERVER_INFO_KEY]: SERVER_INFO };
const SERVER_META = JSON.stringify(SERVER_META_VALUE);

/**
 * Envelopes by their JSON, and whether the SDK accepts them (a client sends the same one with
 * every request): its own check (a Zod parse) runs once per envelope, not per request.
 */
const envelopeVerdicts = new LruMap<string, boolean>(256);
/** Envelopes longer than this are left to the SDK on every request (and not remembered). */
const MAX_REMEMBERED_ENVELOPE_CHARS = 4_096;

/** Whether the SDK accepts `meta` as the envelope of a request of this revision. */
function envelopeAccepted(meta: Record<string, unknown>): boolean {
  const json = JSON.stringify(meta);
  if (json.length > MAX_REMEMBERED_ENVELOPE_CHARS) return false;
  let accepted = envelopeVerdicts.get(json);
  if (accepted === undefined) {
    const method = "server/discover";
    accepted = classifyInboundRequest({
      httpMethod: "POST",
      protocolVersionHeader: REVISION,
      mcpMethodHeader: method,
      body: { jsonrpc: "2.0", id: 1, method, params: { _meta: JSON.parse(json) } },
    }).kind === "modern";
    envelopeVerdicts.set(json, accepted);
  }
  return accepted;
}

/** Whether `meta` is an envelope the SDK accepts as it is, naming this revision. */
function plainEnvelope(meta: unknown): boolean {
  if (!isPlainObject(meta)) return false;
  if (Object.keys(meta).some((key) => !ENVELOPE_KEYS.has(key))) return false;
  const info = meta["io.modelcontextprotocol/clientInfo"];
  return meta["io.modelcontextprotocol/protocolVersion"] === REVISION &&
    isPlainObject(meta["io.modelcontextprotocol/clientCapabilities"]) &&
    (info === undefined ||
      (isPlainObject(info) && Object.keys(info).length === 2 && typeof info.name === "string" &&
        typeof info.version === "string")) &&
    envelopeAccepted(meta);
}

function plainHeaders(request: Request, method: string): boolean {
  const headers = request.headers;
  return request.method === "POST" && acceptsJsonAndEventStream(request) &&
    headers.get("mcp-protocol-version")?.trim() === REVISION &&
    headers.get("mcp-method")?.trim() === method && !headers.has("mcp-name");
}

/** The id of `body` when it is a plain request for `method` (only `_meta` in its params). */
function plainRequestId(
  request: Request,
  body: unknown,
  method: string,
): string | number | undefined {
  if (!isPlainObject(body)) return undefined;
  const { jsonrpc, id, params } = body;
  if (jsonrpc !== "2.0" || body.method !== method || !isRequestId(id)) return undefined;
  if (Object.keys(body).length !== 4 || !isPlainObject(params)) return undefined;
  if (Object.keys(params).length !== 1 || !plainEnvelope(params._meta)) return undefined;
  return plainHeaders(request, method) ? id : undefined;
}

function jsonResponse(result: string, id: string | number): Response {
  return new Response(`{"result":${result},"jsonrpc":"2.0","id":${JSON.stringify(id)}}`, {
    status: 200,
    headers: { "content-type": "application/json" },
  });
}

/** A plain 2026-07-28 `tools/call`: its id, and the params its handler gets. */
export interface PlainModernCall {
  id: string | number;
  params: { name: string; arguments?: Record<string, unknown> };
}

/**
 * The id and params of `body` when it is a plain `tools/call` of revision 2026-07-28 (a name,
 * arguments as an object or none, and `_meta` holding only the envelope; the `Mcp-Name` header
 * naming the tool as it is), else `undefined`: the SDK serves it.
 */
export function plainModernCall(request: Request, body: unknown): PlainModernCall | undefined {
  const method = "tools/call";
  if (!isPlainObject(body)) return undefined;
  const { jsonrpc, id, params } = body;
  if (jsonrpc !== "2.0" || body.method !== method || !isRequestId(id)) return undefined;
  if (Object.keys(body).length !== 4 || !isPlainObject(params)) return undefined;
  const { name, arguments: args } = params;
  const keys = Object.keys(params).length;
  if (keys !== (args === undefined ? 2 : 3) || !plainEnvelope(params._meta)) return undefined;
  // A name the header cannot carry as it is (the SDK's Base64 form) is the SDK's to judge.
  if (typeof name !== "string" || name === "" || name.startsWith("=")) return undefined;
  if (args !== undefined && !isPlainObject(args)) return undefined;
  const headers = request.headers;
  if (headers.get("mcp-name")?.trim() !== name) return undefined;
  if (
    request.method !== "POST" || !acceptsJsonAndEventStream(request) ||
    headers.get("mcp-protocol-version")?.trim() !== REVISION ||
    headers.get("mcp-method")?.trim() !== method
  ) return undefined;
  return { id, params: args === undefined ? { name } : { name, arguments: args } };
}

/** Whether every block of `content` is a text block the SDK's schema keeps as it is. */
function plainTextBlocks(content: unknown[]): boolean {
  return content.every((block) => {
    if (!isPlainObject(block) || block.type !== "text" || typeof block.text !== "string") {
      return false;
    }
    const keys = Object.keys(block);
    return keys.length === 2 && keys[0] === "type";
  });
}

/**
 * The response to a plain `tools/call` (`plainModernCall`) whose handler gave `outcome`, or
 * `undefined` when the SDK should put it on the wire: a thrown error, an `input_required`
 * result, or a result the SDK would amend or whose shape is not plainly its own (no `content`,
 * blocks other than text, a `structuredContent` that is not an object, its own `resultType` or
 * server info). The answer is the SDK's, key for key: the result in its schema's order
 * (`_meta`, `content`, `structuredContent`, `isError`, the rest), then `resultType`, and the
 * server's identity in `_meta`.
 */
export async function answerModernCallDirectly(
  id: string | number,
  outcome: Promise<unknown>,
): Promise<Response | undefined> {
  let result: unknown;
  try {
    result = await outcome;
  } catch {
    return undefined;
  }
  if (!isPlainObject(result)) return undefined;
  const { _meta: meta, content, structuredContent, isError, ...rest } = result;
  if (!Array.isArray(content) || !plainTextBlocks(content)) return undefined;
  if (structuredContent !== undefined && !isPlainObject(structuredContent)) return undefined;
  if (isError !== undefined && typeof isError !== "boolean") return undefined;
  if (meta !== undefined && (!isPlainObject(meta) || SERVER_INFO_KEY in meta)) return undefined;
  if (["resultType", "inputRequests", "requestState", "task"].some((key) => key in rest)) {
    return undefined;
  }
  const stamped = {
    ...(meta !== undefined ? { _meta: { ...meta, ...SERVER_META_VALUE } } : {}),
    content,
    ...(structuredContent !== undefined ? { structuredContent } : {}),
    ...(isError !== undefined ? { isError } : {}),
    ...rest,
    resultType: "complete",
    ...(meta === undefined ? { _meta: SERVER_META_VALUE } : {}),
  };
  return jsonResponse(JSON.stringify(stamped), id);
}

/** The discovery result's JSON by its `ttlMs` (one value per configuration). */
const discoverResults = new Map<number, string>();

/**
 * The response to `body` when it is a plain `server/discover` of revision 2026-07-28, or
 * `undefined` when the SDK should serve it. `ttlMs` is the result's caching hint.
 */
export function answerModernDiscoverDirectly(
  request: Request,
  body: unknown,
  ttlMs: number,
): Response | undefined {
  const id = plainRequestId(request, body, "server/discover");
  if (id === undefined) return undefined;
  let result = discoverResults.get(ttlMs);
  if (result === undefined) {
    result = JSON.stringify({
      supportedVersions: [REVISION],
      capabilities: MODERN_CAPABILITIES,
      instructions: MODERN_INSTRUCTIONS,
      resultType: "complete",
      ttlMs,
      cacheScope: CACHE_SCOPE,
      _meta: { "io.modelcontextprotocol/serverInfo": SERVER_INFO },
    });
    discoverResults.set(ttlMs, result);
  }
  return jsonResponse(result, id);
}

/**
 * The response to `body` when it is a plain static `tools/list` of revision 2026-07-28 whose
 * catalog is at hand, or `undefined` when the SDK should serve it. `ttlMs` says how long the
 * listing of a catalog may be cached.
 */
export async function answerModernListDirectly(
  request: Request,
  body: unknown,
  context: McpSessionContext,
  ttlMs: (catalog: IndexedCatalog) => number,
): Promise<Response | undefined> {
  if (context.session.mode !== "static") return undefined;
  const id = plainRequestId(request, body, "tools/list");
  if (id === undefined) return undefined;
  let catalog: IndexedCatalog;
  try {
    catalog = await loadCatalog(context);
  } catch {
    return undefined; // The SDK path reports the failure.
  }
  const answer = staticListingBody(
    catalog,
    metaTools(context),
    `{"result":{"tools":`,
    `,"resultType":"complete","ttlMs":${
      ttlMs(catalog)
    },"cacheScope":"${CACHE_SCOPE}","_meta":${SERVER_META}},"jsonrpc":"2.0","id":${
      JSON.stringify(id)
    }}`,
  );
  return new Response(answer, { status: 200, headers: { "content-type": "application/json" } });
}
