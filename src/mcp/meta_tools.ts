/**
 * The registry of dynamic mode's meta-tools, in the order `tools/list` shows them. Every
 * protocol era lists and calls them from here.
 *
 * @module
 */
import { callToolMetaTool } from "./call_tool.ts";
import { connectAppMetaTool } from "./connect_app.ts";
import { enableToolsMetaTool } from "./enable_tools.ts";
import type { MetaTool } from "./meta_tool.ts";
import { searchToolsMetaTool } from "./search_tools.ts";
import type { Tool } from "../sdk/server.ts";

/** The meta-tools of dynamic mode. */
export const META_TOOLS: readonly MetaTool[] = [
  enableToolsMetaTool,
  searchToolsMetaTool,
  callToolMetaTool,
  connectAppMetaTool,
];

const byName = new Map(META_TOOLS.map((meta) => [meta.tool.name, meta]));

/** The meta-tool called `name`, if any. */
export function metaTool(name: string): MetaTool | undefined {
  return byName.get(name);
}

/** The `tools/list` entries of the meta-tools, first in a dynamic session's list. */
export const META_TOOL_LISTING: readonly Tool[] = META_TOOLS.map((meta) => meta.tool);
