/**
 * The one place that imports the MCP SDK's current generation (`@modelcontextprotocol/server`
 * 2.x), which serves protocol revision 2026-07-28. The 2025 path still runs on `sdk.ts`.
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
  CallToolResult as ModernCallToolResult,
  ListToolsResult as ModernListToolsResult,
  McpHttpHandler,
  McpRequestContext,
  ServerEvent,
  ServerEventBus,
} from "@modelcontextprotocol/server";
