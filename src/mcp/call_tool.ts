/**
 * The `call-tool` meta-tool: runs any tool of the session's catalog by name, enabled or not,
 * exactly as a direct `tools/call` of it would, for clients that never re-list tools.
 *
 * @module
 */
import { missingConnectionResult } from "./connect_app.ts";
import type { MetaTool } from "./meta_tool.ts";
import type { CallToolResult, Tool } from "../sdk/server.ts";
import { errorResult } from "./tool_result.ts";
import { describeUnknown, lookupTool, MAX_TYPED_NAME_CHARS } from "../tools/name_lookup.ts";
import { isPlainObject } from "../util/objects.ts";

/** The `tools/list` entry of `call-tool`. */
const CALL_TOOL_TOOL: Tool = {
  name: "call-tool",
  title: "Call Tool",
  description: "Run a tool of the user's connected apps by name, with its arguments, without " +
    "enabling it first. Find tools and their input schemas with `search-tools`. `name` is the " +
    "tool's name (e.g. `gmail_send-email`; `gmail-send-email` and any letter case also work); " +
    "`arguments` must match the tool's input schema. The result is the tool's own result.",
  inputSchema: {
    type: "object",
    properties: {
      name: {
        type: "string",
        minLength: 1,
        maxLength: MAX_TYPED_NAME_CHARS,
        description: "The name of the tool to run.",
      },
      arguments: {
        type: "object",
        description: "The tool's arguments, as its input schema describes them.",
        additionalProperties: true,
      },
    },
    required: ["name"],
    additionalProperties: false,
  },
  annotations: {
    title: "Call Tool",
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: true,
  },
};

/** The `call-tool` meta-tool. */
export const callToolMetaTool: MetaTool = {
  tool: CALL_TOOL_TOOL,
  changesToolList: false,
  async handler(args, context): Promise<CallToolResult> {
    const unknownFields = Object.keys(args).filter((k) => k !== "name" && k !== "arguments");
    if (unknownFields.length > 0) {
      return errorResult(
        `Unknown argument(s) ${unknownFields.map((k) => `"${k}"`).join(", ")}: call-tool ` +
          `takes "name" (the tool to run) and "arguments" (its arguments). Nothing was run.`,
      );
    }
    const { name, arguments: toolArgs } = args;
    if (typeof name !== "string" || name.trim() === "" || name.length > MAX_TYPED_NAME_CHARS) {
      return errorResult(
        `"name" must be the name of a tool (a non-empty string of at most ${MAX_TYPED_NAME_CHARS} ` +
          `characters); find one with search-tools. Nothing was run.`,
      );
    }
    if (toolArgs !== undefined && !isPlainObject(toolArgs)) {
      return errorResult(
        `"arguments" must be an object of the tool's arguments, as its input schema ` +
          `describes them. Nothing was run.`,
      );
    }
    const found = lookupTool(context.catalog, name);
    if (!found.tool) {
      if (context.isMetaTool(name.trim())) {
        return errorResult(
          `${name.trim()} is a tool of this server, not of an app: call it directly. ` +
            `Nothing was run.`,
        );
      }
      // An app whose connection is broken, or that was never connected: offer the link.
      const missing = await missingConnectionResult(context.session, context.catalog, name.trim());
      if (missing) return missing;
      const apps = context.session.session.apps;
      return errorResult(
        `${describeUnknown(context.catalog, name, found.candidates, true)} ` +
          (apps ? `This session only has tools of these apps: ${apps.join(", ")}. ` : "") +
          `Find tools with search-tools. Nothing was run.`,
      );
    }
    return await context.runTool(found.tool, toolArgs ?? {});
  },
};
