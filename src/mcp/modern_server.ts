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
  setResourceHandlers,
} from "./mcp_server.ts";
import type { McpSessionContext } from "./mcp_server.ts";
import type { IndexedCatalog } from "../tools/catalog.ts";
import { Server } from "./sdk.ts";

/** `cacheScope` of every list: a customer's tools are theirs alone. */
export const CACHE_SCOPE = "private";

/** The 2025 instructions, and where the enabled tools live without sessions. */
const MODERN_INSTRUCTIONS =
  `${INSTRUCTIONS} Tools enabled with \`enable-tools\` belong to the chat ` +
  "named by the `x-chat-id` header (there are no sessions).";

/** What a modern request's server needs besides the shared session context. */
export interface ModernServerOptions {
  /** How much longer `catalog` stays fresh, in ms: a static listing's `ttlMs`. */
  freshForMs(catalog: IndexedCatalog): number;
  /** `ttlMs` of lists that only change with a new release (prompts, resources, discover). */
  fixedTtlMs: number;
}

/** Builds the server that answers one 2026-07-28 request. */
export function createModernServer(
  context: McpSessionContext,
  options: ModernServerOptions,
): Server {
  const fixed = { ttlMs: options.fixedTtlMs, cacheScope: CACHE_SCOPE } as const;
  const server = new Server(SERVER_INFO, {
    // Prompts are answered (an empty list for now); resources are cut results (read-result).
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
    // A dynamic listing can change at any moment (an enable-tools call): 0.
    const ttlMs = context.session.mode === "static"
      ? options.freshForMs(await loadCatalog(context))
      : 0;
    return { ...listing, ttlMs, cacheScope: CACHE_SCOPE };
  });

  server.setRequestHandler("tools/call", async (request) => {
    // Change notifications travel on `subscriptions/listen` streams (through the change feed).
    return await answerCallTool(context, request.params, () => Promise.resolve());
  });

  server.setRequestHandler("prompts/list", () => ({ prompts: [] }));
  setResourceHandlers(server, context);
  return server;
}
