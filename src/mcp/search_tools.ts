/**
 * The `search-tools` meta-tool: the tools of the session's catalog that best match a task,
 * each with everything a model needs to call it at once through `call-tool` (name, title,
 * description, hints and the full input schema). Changes nothing.
 *
 * @module
 */
import {
  type IndexedCatalog,
  MAX_SEARCH_QUERY_CHARS,
  searchIndexOf,
  type ToolEntry,
} from "../tools/catalog.ts";
import { MAX_APPS, MAX_TYPED_APP_KEY_CHARS } from "../tools/catalog_views.ts";
import { searchTools } from "../tools/search.ts";
import type { MetaTool } from "./meta_tool.ts";
import { withNotConnectedMatches } from "./unconnected_search.ts";
import type { CallToolResult, Tool } from "../sdk/server.ts";
import { errorResult } from "./tool_result.ts";

/** Default and maximum number of tools returned. */
const SEARCH_LIMIT = { default: 5, max: 25 } as const;

/** The `tools/list` entry of `search-tools`. */
const SEARCH_TOOLS_TOOL: Tool = {
  name: "search-tools",
  title: "Search Tools",
  description: "Find the tools of the user's connected apps that fit a task. Pass `query` " +
    '(the task in plain words, e.g. "send an email to a lead"), optionally `apps` (app keys ' +
    "such as `gmail`) and `limit`. Each result has the tool's name, description, whether it " +
    "only reads or may destroy data, and its full input schema: run one with `call-tool` " +
    "{name, arguments}. Nothing is enabled or changed.",
  inputSchema: {
    type: "object",
    properties: {
      query: {
        type: "string",
        minLength: 1,
        maxLength: MAX_SEARCH_QUERY_CHARS,
        description: "What you need to do, in plain words.",
      },
      apps: {
        type: "array",
        items: { type: "string", minLength: 1, maxLength: MAX_TYPED_APP_KEY_CHARS },
        maxItems: MAX_APPS,
        description: "Only tools of these apps (integration keys, e.g. `hubspot`).",
      },
      limit: {
        type: "integer",
        minimum: 1,
        maximum: SEARCH_LIMIT.max,
        default: SEARCH_LIMIT.default,
        description: "How many tools to return at most.",
      },
    },
    required: ["query"],
    additionalProperties: false,
  },
  annotations: {
    title: "Search Tools",
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
};

/** Arguments of `search-tools`, checked. */
interface SearchToolsRequest {
  query: string;
  apps?: string[];
  limit: number;
}

/** Checks the raw arguments; returns a message for the model when they are wrong. */
function parseSearchToolsArguments(
  args: Record<string, unknown>,
): SearchToolsRequest | string {
  const unknownFields = Object.keys(args).filter((k) => !["query", "apps", "limit"].includes(k));
  if (unknownFields.length > 0) {
    return `Unknown argument(s) ${unknownFields.map((k) => `"${k}"`).join(", ")}: ` +
      `search-tools takes "query" (text), "apps" (array of app keys) and "limit".`;
  }
  const { query, apps, limit } = args;
  if (typeof query !== "string" || query.trim() === "") {
    return `"query" must be a non-empty string: the task in plain words.`;
  }
  if (query.length > MAX_SEARCH_QUERY_CHARS) {
    return `"query" must be at most ${MAX_SEARCH_QUERY_CHARS} characters.`;
  }
  if (
    apps !== undefined &&
    (!Array.isArray(apps) || apps.length > MAX_APPS ||
      apps.some((app) =>
        typeof app !== "string" || app.trim() === "" || app.length > MAX_TYPED_APP_KEY_CHARS
      ))
  ) {
    return `"apps" must be an array of at most ${MAX_APPS} app keys (non-empty strings).`;
  }
  if (
    limit !== undefined &&
    (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 ||
      limit > SEARCH_LIMIT.max)
  ) {
    return `"limit" must be an integer from 1 to ${SEARCH_LIMIT.max}.`;
  }
  return {
    query,
    apps: (apps as string[] | undefined)?.map((app) => app.trim().toLowerCase()),
    limit: (limit as number | undefined) ?? SEARCH_LIMIT.default,
  };
}

/** One found tool as `search-tools` describes it. */
export interface FoundTool {
  name: string;
  title: string;
  description: string;
  app: string;
  readOnlyHint: boolean;
  destructiveHint: boolean;
  inputSchema: Record<string, unknown>;
}

/** The description of a found tool. */
function describeFoundTool(tool: ToolEntry): FoundTool {
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    app: tool.integrationKey,
    readOnlyHint: tool.annotations.readOnlyHint === true,
    destructiveHint: tool.annotations.destructiveHint === true,
    inputSchema: tool.inputSchema,
  };
}

/** Answers a `search-tools` call over the session's catalog. */
function searchToolsResult(
  catalog: IndexedCatalog,
  args: Record<string, unknown>,
): CallToolResult {
  const request = parseSearchToolsArguments(args);
  if (typeof request === "string") return errorResult(request);
  const apps = request.apps ? new Set(request.apps) : undefined;
  const unknownApps =
    request.apps?.filter((app) =>
      !catalog.tools.some((tool) => tool.integrationKey.toLowerCase() === app)
    ) ?? [];
  const hits = searchTools(searchIndexOf(catalog), request.query, request.limit, {
    filter: apps ? (tool) => apps.has(tool.integrationKey.toLowerCase()) : undefined,
  });
  const found = hits.map((hit) => describeFoundTool(hit.tool));
  const notes: string[] = [];
  if (unknownApps.length > 0) {
    notes.push(`No tools of ${unknownApps.join(", ")} in this session.`);
  }
  const head = found.length === 0
    ? `No tool matches "${request.query}". Try other words or fewer apps.`
    : `${found.length} tool${found.length === 1 ? "" : "s"} for "${request.query}", best ` +
      `first. Run one with call-tool {name, arguments} (arguments as its inputSchema says).`;
  const structured = { query: request.query, tools: found, ...(notes.length ? { notes } : {}) };
  return {
    content: [{
      type: "text",
      text: [head, ...notes, JSON.stringify({ tools: found })].join("\n"),
    }],
    structuredContent: structured,
  };
}

/** The `search-tools` meta-tool. */
export const searchToolsMetaTool: MetaTool = {
  tool: SEARCH_TOOLS_TOOL,
  changesToolList: false,
  handler(args, context) {
    const result = searchToolsResult(context.catalog, args);
    const request = parseSearchToolsArguments(args);
    // The workspace's apps the customer lacks are searched too, marked as needing a connection.
    return typeof request === "string"
      ? Promise.resolve(result)
      : withNotConnectedMatches(result, request, context);
  },
};
