/**
 * The one place the 2025 path imports the MCP SDK: `@modelcontextprotocol/server` 2.x, the
 * same generation that serves 2026-07-28 (`sdk_modern.ts`). Its `Server` and stateless
 * Streamable HTTP transport serve 2025 sessions exactly as before.
 *
 * @module
 */
import { ProtocolError } from "@modelcontextprotocol/server";

export {
  isInitializeRequest,
  isJSONRPCRequest,
  LATEST_PROTOCOL_VERSION,
  parseJSONRPCMessage,
  ProtocolErrorCode as ErrorCode,
  Server,
  SUPPORTED_PROTOCOL_VERSIONS,
  WebStandardStreamableHTTPServerTransport,
} from "@modelcontextprotocol/server";
export { AjvJsonSchemaValidator } from "@modelcontextprotocol/server/validators/ajv";
export type {
  CallToolResult,
  JSONRPCMessage,
  Tool,
  ToolAnnotations,
} from "@modelcontextprotocol/server";

/**
 * A JSON-RPC error thrown by a handler. Its message reads `MCP error <code>: <message>`, as
 * the errors of the SDK's first generation did, so error texts stay what clients saw before.
 */
export class McpError extends ProtocolError {
  constructor(code: number, message: string, data?: unknown) {
    super(code, `MCP error ${code}: ${message}`, data);
  }
}
