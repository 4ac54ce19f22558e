/**
 * What the 2026-07-28 path takes from the MCP SDK (`@modelcontextprotocol/server` 2.x, the
 * generation `sdk.ts` re-exports for the 2025 path): the dual-era entry, used for its modern leg.
 *
 * @module
 */
export {
  createMcpHandler,
  isLegacyRequest,
  ProtocolError,
  Server as ModernServer,
  SERVER_INFO_META_KEY,
} from "@modelcontextprotocol/server";
export type {
  McpHttpHandler,
  McpRequestContext,
  ServerEvent,
  ServerEventBus,
} from "@modelcontextprotocol/server";
