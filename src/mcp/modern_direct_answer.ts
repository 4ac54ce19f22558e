/**
 * The hot 2026-07-28 requests answered without the SDK: a plain static `tools/list`, and the
 * plain `server/discover` every new client opens with. The SDK serializes the whole listing on
 * every request (about 2 ms per 1,000 tools); here the listing is serialized once per catalog
 * (`listingJson`), as on the 2025 path. Discovery through the SDK builds a server for the
 * request, classifies it and closes it (about 0.4 ms of CPU); its answer only changes with a
 * release. Calls cost the same on both paths and stay with the SDK.
 *
 * Only a request the SDK would accept as it is takes this path (exact protocol version in the
 * header and the envelope, `Mcp-Method` naming the method, no other params, an envelope the
 * SDK accepts), and it gets the answer the SDK would give (`modern_direct_answer_test.ts`
 * checks both side by side). Anything else, including every error, is the SDK's to answer.
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
const SERVER_META = JSON.stringify({ "io.modelcontextprotocol/serverInfo": SERVER_INFO });

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
