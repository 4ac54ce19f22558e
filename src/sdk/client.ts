/**
 * A 2025 client: the official MCP SDK client of the first generation (`@modelcontextprotocol/sdk`
 * 1.x, what 2025 agents run), re-exported with its real types. Used by the tests, the benchmark
 * and the sandbox; the server never imports it (it runs on `@modelcontextprotocol/server` 2.x).
 * The 2.x client's 2025 mode cannot stand in for it: reconnecting by session id (the reference
 * agent's flow) leaves it without the server's capabilities, and its `listTools()` then answers
 * an empty list without asking.
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
