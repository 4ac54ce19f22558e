/**
 * The shape of a meta-tool of dynamic mode (`enable-tools`, `search-tools`, `call-tool`):
 * a tool of the server itself, not of a connected app. Each lives in its own module and is
 * listed in `meta_tools.ts`; both protocol eras serve them from that list.
 *
 * @module
 */
import type { IndexedCatalog, ToolEntry } from "../tools/catalog.ts";
import type { McpSessionContext } from "./mcp_server.ts";
import type { CallToolResult, Tool } from "../sdk/server.ts";

/** What a meta-tool's handler works with. */
export interface MetaToolContext {
  /** The session and its services. */
  session: McpSessionContext;
  /** The session's catalog (already narrowed to the session's apps). */
  catalog: IndexedCatalog;
  /** Sends `notifications/tools/list_changed` on the call's own stream. */
  notifyListChanged(): Promise<void>;
  /** Runs a catalog tool exactly as a direct `tools/call` of it would (checks, limits, logs). */
  runTool(tool: ToolEntry, args: Record<string, unknown>): Promise<CallToolResult>;
  /** Whether `name` is a meta-tool of the session (served by this server, not by an app). */
  isMetaTool(name: string): boolean;
}

/** A tool of the server itself. */
export interface MetaTool {
  /** Its `tools/list` entry (its name in `tools/list` and `tools/call`, title, description,
   * input schema and annotations). */
  tool: Tool;
  /** Whether a call may change the tool list (its answer then needs an SSE stream). */
  changesToolList: boolean;
  /** Answers a call; bad arguments come back as an `isError` result. */
  handler(args: Record<string, unknown>, context: MetaToolContext): Promise<CallToolResult>;
}
