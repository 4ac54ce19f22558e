/**
 * The hot 2026-07-28 request answered without the SDK: a plain static `tools/list`. The SDK
 * serializes the whole listing on every request (about 2 ms per 1,000 tools); here the listing
 * is serialized once per catalog (`listingJson`), as on the 2025 path. Calls cost the same on
 * both paths and stay with the SDK.
 *
 * Only a request the SDK would accept as it is takes this path (exact protocol version in the
 * header and the envelope, `Mcp-Method` naming `tools/list`, no other params, a well-formed
 * envelope), and it gets the answer the SDK would give (`modern_direct_answer_test.ts` checks
 * both side by side). Anything else, including every error, is the SDK's to answer.
 *
 * @module
 */
import { loadCatalog, type McpSessionContext, metaTools, SERVER_INFO } from "./mcp_server.ts";
import { CACHE_SCOPE } from "./modern_server.ts";
import { type IndexedCatalog, listingJson } from "../tools/catalog.ts";
import { isPlainObject } from "../util/objects.ts";
import { acceptsJsonAndEventStream } from "./request_rules.ts";

const REVISION = "2026-07-28";
const ENVELOPE_KEYS = new Set([
  "io.modelcontextprotocol/protocolVersion",
  "io.modelcontextprotocol/clientCapabilities",
  "io.modelcontextprotocol/clientInfo",
]);
const SERVER_META = JSON.stringify({ "io.modelcontextprotocol/serverInfo": SERVER_INFO });

function isRequestId(value: unknown): value is string | number {
  return typeof value === "string" || (typeof value === "number" && Number.isSafeInteger(value));
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
        typeof info.version === "string"));
}

function plainHeaders(request: Request): boolean {
  const headers = request.headers;
  return request.method === "POST" && acceptsJsonAndEventStream(request) &&
    headers.get("mcp-protocol-version")?.trim() === REVISION &&
    headers.get("mcp-method")?.trim() === "tools/list" && !headers.has("mcp-name");
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
  if (context.session.mode !== "static" || !isPlainObject(body)) return undefined;
  const { jsonrpc, id, method, params } = body;
  if (jsonrpc !== "2.0" || method !== "tools/list" || !isRequestId(id)) return undefined;
  if (Object.keys(body).length !== 4 || !isPlainObject(params)) return undefined;
  if (Object.keys(params).length !== 1 || !plainEnvelope(params._meta)) return undefined;
  if (!plainHeaders(request)) return undefined;
  let catalog: IndexedCatalog;
  try {
    catalog = await loadCatalog(context);
  } catch {
    return undefined; // The SDK path reports the failure.
  }
  const result = `{"tools":${
    listingJson(catalog, metaTools(context))
  },"resultType":"complete","ttlMs":${
    ttlMs(catalog)
  },"cacheScope":"${CACHE_SCOPE}","_meta":${SERVER_META}}`;
  return new Response(`{"result":${result},"jsonrpc":"2.0","id":${JSON.stringify(id)}}`, {
    status: 200,
    headers: { "content-type": "application/json" },
  });
}
