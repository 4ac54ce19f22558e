/**
 * The MCP SDK client, re-exported with its real types (see `sdk.ts`). Used by the tests,
 * the benchmark and the sandbox; the server itself never imports it.
 *
 * @module
 */

// @ts-types="../../node_modules/@modelcontextprotocol/sdk/dist/esm/client/index.d.ts"
export { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="../../node_modules/@modelcontextprotocol/sdk/dist/esm/client/streamableHttp.d.ts"
export {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from "@modelcontextprotocol/sdk/client/streamableHttp.js";
// @ts-types="../../node_modules/@modelcontextprotocol/sdk/dist/esm/types.d.ts"
export { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
// @ts-types="../../node_modules/@modelcontextprotocol/sdk/dist/esm/client/auth.d.ts"
export { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
// @ts-types="../../node_modules/@modelcontextprotocol/sdk/dist/esm/client/auth.d.ts"
export type { OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
