/**
 * The `enable-tools` tool of dynamic mode: enables tools for the session by name or by a
 * ranked search, replacing the previous set in one write.
 *
 * @module
 */
import {
  type IndexedCatalog,
  MAX_SEARCH_QUERY_CHARS,
  searchIndexOf,
  type ToolEntry,
} from "../tools/catalog.ts";
import { isPlainObject } from "../util/objects.ts";
import { requiredFields } from "../tools/input_schema.ts";
import {
  describeUnknown,
  findTool,
  lookupTool,
  MAX_TYPED_NAME_CHARS,
} from "../tools/name_lookup.ts";
import { searchTools } from "../tools/search.ts";
import { connectHint } from "./connect_app.ts";
import type { MetaTool } from "./meta_tool.ts";
import type { CallToolResult, Tool } from "../sdk/server.ts";
import { errorResult } from "./tool_result.ts";

/** The tool's name, as in the reference server. */
export const ENABLE_TOOLS_NAME = "enable-tools";
/** Default and maximum number of tools a query enables. */
const QUERY_LIMIT = { default: 5, max: 25 } as const;
const MAX_NAMES = 200;

/** The `tools/list` entry of `enable-tools`. */
const ENABLE_TOOLS_TOOL: Tool = {
  name: ENABLE_TOOLS_NAME,
  title: "Enable Tools",
  description: "Enable tools for this session; only enabled tools are listed and callable. " +
    "Pass `tools` (tool names such as `gmail_send-email`; `gmail-send-email` and any letter " +
    'case also work) and/or `query` (the task in plain words, e.g. "send an email to a lead") ' +
    "to enable the best matching tools, up to `limit`. Each call replaces the tools enabled " +
    "before. The result lists the enabled tools with their required arguments.",
  inputSchema: {
    type: "object",
    properties: {
      tools: {
        type: "array",
        items: { type: "string", minLength: 1, maxLength: MAX_TYPED_NAME_CHARS },
        maxItems: MAX_NAMES,
        description: "Names of the tools to enable.",
      },
      query: {
        type: "string",
        minLength: 1,
        maxLength: MAX_SEARCH_QUERY_CHARS,
        description: "A natural-language description of the task; the best matching tools " +
          "are enabled.",
      },
      limit: {
        type: "integer",
        minimum: 1,
        maximum: QUERY_LIMIT.max,
        default: QUERY_LIMIT.default,
        description: "How many tools `query` enables at most.",
      },
    },
    additionalProperties: false,
  },
  annotations: {
    title: "Enable Tools",
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
};

/** Arguments of `enable-tools`, checked. */
export interface EnableToolsRequest {
  tools: string[];
  query?: string;
  limit: number;
  /** `{tools: []}`: disable every tool. */
  clear?: boolean;
}

/** Checks the raw arguments; returns a message for the model when they are wrong. */
export function parseEnableToolsArguments(args: unknown): EnableToolsRequest | string {
  const record = isPlainObject(args) ? args : {};
  const unknownFields = Object.keys(record).filter((k) => !["tools", "query", "limit"].includes(k));
  if (unknownFields.length > 0) {
    return `Unknown argument(s) ${unknownFields.map((k) => `"${k}"`).join(", ")}: ` +
      `enable-tools takes "tools" (array of tool names) and/or "query" (text) with "limit".`;
  }
  const { tools, query, limit } = record;
  if (tools !== undefined) {
    if (!Array.isArray(tools) || tools.some((t) => typeof t !== "string" || t.trim() === "")) {
      return `"tools" must be an array of tool names (non-empty strings).`;
    }
    if (tools.length > MAX_NAMES) return `"tools" may name at most ${MAX_NAMES} tools.`;
    if (tools.some((t: string) => t.length > MAX_TYPED_NAME_CHARS)) {
      return `"tools" holds a name longer than ${MAX_TYPED_NAME_CHARS} characters.`;
    }
  }
  if (query !== undefined && (typeof query !== "string" || query.trim() === "")) {
    return `"query" must be a non-empty string.`;
  }
  if (typeof query === "string" && query.length > MAX_SEARCH_QUERY_CHARS) {
    return `"query" is ${query.length} characters long: it may have at most ` +
      `${MAX_SEARCH_QUERY_CHARS}. Describe the task in a sentence or two.`;
  }
  if (
    limit !== undefined &&
    (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 ||
      limit > QUERY_LIMIT.max)
  ) {
    return `"limit" must be an integer from 1 to ${QUERY_LIMIT.max}.`;
  }
  const names = (tools as string[] | undefined) ?? [];
  if (tools !== undefined && names.length === 0 && query === undefined) {
    // `{tools: []}` clears the set, as in the reference server.
    return { tools: [], limit: QUERY_LIMIT.default, clear: true };
  }
  if (names.length === 0 && query === undefined) {
    return `Pass "tools" (names of tools to enable) or "query" (what you need to do). ` +
      `Nothing was changed.`;
  }
  return {
    tools: names,
    query: query as string | undefined,
    limit: (limit as number | undefined) ?? QUERY_LIMIT.default,
  };
}

/** What a call of `enable-tools` decided. */
export interface EnableToolsOutcome {
  result: CallToolResult;
  /** The new enabled set, or `undefined` when nothing changes. */
  enabled?: string[];
}

/** Options of `enableTools`. */
export interface EnableToolsOptions {
  /** The apps the session is limited to (`null`: every app), to explain unknown names. */
  apps?: readonly string[] | null;
}

/** A query enables only tools scoring at least this share of the best match's score. */
const QUERY_MIN_RELATIVE_SCORE = 0.25;
/** Unknown names that get close matches (finding them scans the catalog). */
const MAX_SUGGESTED = 10;
const MAX_SUMMARY_CHARS = 200;

/** One line per tool: name, what it does, required arguments. */
export function toolSummary(tool: ToolEntry): string {
  let description = tool.description.replace(/\s+/g, " ").trim();
  if (description.length > MAX_SUMMARY_CHARS) {
    description = description.slice(0, MAX_SUMMARY_CHARS - 1).trimEnd() + "…";
  }
  if (!/[.!?…]$/.test(description)) description += ".";
  const required = requiredFields(tool.inputSchema);
  const args = required.length > 0
    ? ` Required arguments: ${required.join(", ")}.`
    : " No required arguments.";
  return `- ${tool.name}: ${description}${args}`;
}

/**
 * Resolves an `enable-tools` call against the session's catalog (which holds only the tools
 * of the session's apps). The new set replaces the old one; when nothing can be enabled, the
 * result is an error and nothing changes.
 */
export function enableTools(
  catalog: IndexedCatalog,
  args: unknown,
  options: EnableToolsOptions = {},
): EnableToolsOutcome {
  const request = parseEnableToolsArguments(args);
  if (typeof request === "string") return { result: errorResult(request) };
  if (request.clear) {
    return {
      result: {
        content: [{
          type: "text",
          text:
            "Disabled every tool enabled before: only enable-tools, search-tools and call-tool " +
            "are listed now.",
        }],
        structuredContent: { enabled: [], unknown: [] },
      },
      enabled: [],
    };
  }

  const chosen = new Map<string, ToolEntry>();
  const problems: string[] = [];
  const unknown: string[] = [];
  for (const name of request.tools) {
    const found = lookupTool(catalog, name);
    if (found.tool) {
      chosen.set(found.tool.name, found.tool);
      continue;
    }
    unknown.push(name);
    problems.push(
      describeUnknown(catalog, name, found.candidates, unknown.length <= MAX_SUGGESTED),
    );
  }
  if (unknown.length > 0 && options.apps) {
    problems.push(`This session only has tools of these apps: ${options.apps.join(", ")}.`);
  }
  let queryMatches = 0;
  if (request.query !== undefined) {
    const hits = searchTools(searchIndexOf(catalog), request.query, request.limit);
    const floor = (hits[0]?.score ?? 0) * QUERY_MIN_RELATIVE_SCORE;
    for (const hit of hits) {
      if (hit.score < floor) break;
      chosen.set(hit.tool.name, hit.tool);
      queryMatches++;
    }
    if (queryMatches === 0) problems.push(`No tool matches the query "${request.query}".`);
  }

  if (chosen.size === 0) {
    return {
      result: errorResult(
        ["No tool was enabled:", ...problems, "The enabled tools are unchanged."].join("\n"),
      ),
    };
  }
  const enabled = [...chosen.values()];
  const text = [
    `Enabled ${enabled.length} tool${enabled.length === 1 ? "" : "s"} for this session ` +
    `(replacing any enabled before); they are now in tools/list and can be called directly, ` +
    `or through call-tool {name, arguments} if your client does not re-list tools:`,
    ...enabled.map(toolSummary),
    ...(problems.length > 0 ? ["Not enabled:", ...problems] : []),
  ].join("\n");
  return {
    result: {
      content: [{ type: "text", text }],
      structuredContent: { enabled: [...chosen.keys()], unknown },
    },
    enabled: [...chosen.keys()],
  };
}

/** The `enable-tools` meta-tool: saves the new set, then sends `list_changed`. */
export const enableToolsMetaTool: MetaTool = {
  tool: ENABLE_TOOLS_TOOL,
  changesToolList: true,
  async handler(args, context) {
    const outcome = enableTools(context.catalog, args, { apps: context.session.session.apps });
    if (outcome.enabled) {
      await context.session.saveEnabledTools(outcome.enabled);
      await context.notifyListChanged();
    }
    // Names of apps the customer lacks: point at connect-app.
    const named = Array.isArray((args as { tools?: unknown }).tools)
      ? (args as { tools: unknown[] }).tools.slice(0, 20)
      : [];
    const unknown = named.filter((n): n is string =>
      typeof n === "string" && findTool(context.catalog, n) === undefined
    );
    const hint = unknown.length > 0
      ? await connectHint(context.session, context.catalog, unknown)
      : undefined;
    if (!hint) return outcome.result;
    return {
      ...outcome.result,
      content: [...outcome.result.content, { type: "text", text: hint }],
    };
  },
};
