/**
 * The one place the server imports the MCP SDK: `@modelcontextprotocol/server` 2.x, for both
 * eras. 2025 sessions are served by its `Server` and stateless Streamable HTTP transport,
 * exactly as before; 2026-07-28 requests by its dual-era entry (`createMcpHandler`, modern leg).
 *
 * @module
 */
import { ProtocolError } from "@modelcontextprotocol/server";

export {
  classifyInboundRequest,
  createMcpHandler,
  createRequestStateCodec,
  inputRequired,
  inputResponse,
  isInitializeRequest,
  isJSONRPCRequest,
  isLegacyRequest,
  LATEST_PROTOCOL_VERSION,
  parseJSONRPCMessage,
  ProtocolError,
  ProtocolErrorCode as ErrorCode,
  Server,
  SUPPORTED_PROTOCOL_VERSIONS,
  UrlElicitationRequiredError,
  WebStandardStreamableHTTPServerTransport,
} from "@modelcontextprotocol/server";
export { AjvJsonSchemaValidator } from "@modelcontextprotocol/server/validators/ajv";
export type {
  AuthInfo,
  CallToolResult,
  InitializeRequest,
  InputRequiredResult,
  JSONRPCMessage,
  McpHttpHandler,
  RequestStateCodec,
  ServerContext,
  ServerEvent,
  ServerEventBus,
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
