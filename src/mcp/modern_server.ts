/**
 * The MCP server of one 2026-07-28 request, on the SDK's current generation. It serves the
 * same tools with the same handlers as the 2025 server (`mcp_server.ts`); what differs is the
 * wire (the SDK stamps `resultType` and server info, and answers `server/discover`) and the
 * caching hints every list result carries.
 *
 * @module
 */
import {
  answerCallTool,
  answerListTools,
  INSTRUCTIONS,
  loadCatalog,
  SERVER_INFO,
} from "./mcp_server.ts";
import type { McpSessionContext } from "./mcp_server.ts";
import { ModernServer } from "./sdk_modern.ts";

/** `cacheScope` of every list: a customer's tools are theirs alone. */
export const CACHE_SCOPE = "private";

/** The 2025 instructions, and where the enabled tools live without sessions. */
const MODERN_INSTRUCTIONS =
  `${INSTRUCTIONS} Tools enabled with \`enable-tools\` belong to the chat ` +
  "named by the `x-chat-id` header (there are no sessions).";

/** What a modern request's server needs besides the shared session context. */
export interface ModernServerOptions {
  /** How long a listing of `catalog` may be cached (0 where it can change at any moment). */
  listTtlMs(context: McpSessionContext): Promise<number>;
  /** `ttlMs` of lists that only change with a new release (prompts, resources, discover). */
  fixedTtlMs: number;
}

/** Builds the server that answers one 2026-07-28 request. */
export function createModernServer(
  context: McpSessionContext,
  options: ModernServerOptions,
): ModernServer {
  const fixed = { ttlMs: options.fixedTtlMs, cacheScope: CACHE_SCOPE } as const;
  const server = new ModernServer(SERVER_INFO, {
    // We answer prompts and resources lists (empty for now): saying so is the truth.
    capabilities: { tools: { listChanged: true }, prompts: {}, resources: {} },
    instructions: MODERN_INSTRUCTIONS,
    cacheHints: {
      "server/discover": fixed,
      "prompts/list": fixed,
      "resources/list": fixed,
      "resources/templates/list": fixed,
    },
  });

  server.setRequestHandler("tools/list", async (request) => {
    const listing = await answerListTools(context, request.params);
    return { ...listing, ttlMs: await options.listTtlMs(context), cacheScope: CACHE_SCOPE };
  });

  server.setRequestHandler("tools/call", async (request) => {
    // Change notifications travel on `subscriptions/listen` streams (through the change feed).
    return await answerCallTool(context, request.params, () => Promise.resolve());
  });

  server.setRequestHandler("prompts/list", () => ({ prompts: [] }));
  server.setRequestHandler("resources/list", () => ({ resources: [] }));
  server.setRequestHandler("resources/templates/list", () => ({ resourceTemplates: [] }));
  return server;
}

/** `ttlMs` of a tools listing: the catalog's remaining freshness in static mode, else 0. */
export async function listingTtlMs(
  context: McpSessionContext,
  freshForMs: (catalog: Awaited<ReturnType<typeof loadCatalog>>) => number,
): Promise<number> {
  if (context.session.mode !== "static") return 0;
  return freshForMs(await loadCatalog(context));
}
