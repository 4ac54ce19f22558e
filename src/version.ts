/**
 * The server's name and version, as MCP clients see them (`serverInfo`) and as Integration.app
 * sees them (the `User-Agent` of every request to its API).
 *
 * @module
 */

/** The name MCP clients see. */
export const SERVER_NAME = "Integration App MCP Server";
/** The release, as in `deno.json` (a test keeps them equal). */
export const SERVER_VERSION = "0.1.0";
/** The `User-Agent` of requests to the Integration.app API. */
export const USER_AGENT = `integration-app-mcp-server-deno/${SERVER_VERSION}`;
