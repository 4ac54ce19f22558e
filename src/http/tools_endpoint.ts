/**
 * `GET /mcp/tools?q=…&limit=…&apps=…`: the caller's tools ranked for a need (or listed), as
 * JSON, so agent code can choose tools before calling `enable-tools` without an MCP session.
 *
 * @module
 */
import type { Services } from "../app.ts";
import { toUpstreamError } from "../integration_app/errors.ts";
import {
  type IndexedCatalog,
  MAX_SEARCH_QUERY_CHARS,
  searchIndexOf,
  type ToolEntry,
} from "../tools/catalog.ts";
import { requiredFields } from "../tools/input_schema.ts";
import { searchTools } from "../tools/search.ts";
import { HttpError, jsonResponse } from "./errors.ts";
import type { Caller } from "../auth/identity.ts";
import type { ToolViewOptions } from "../tools/session_view.ts";
import { parseApps, parseViewOptions } from "./params.ts";

/** Limits of `limit`: default with and without `q`, and the maximum. */
const TOOLS_LIMIT = { search: 10, list: 50, max: 200 } as const;
const KNOWN_PARAMS = new Set(["q", "limit", "apps", "readOnly", "tools", "maxNameLength"]);

/** The checked query of a `GET /mcp/tools` request. */
interface ToolsQuery {
  /** The need to rank tools for; `undefined` lists the catalog in order. */
  q?: string;
  limit: number;
  apps: string[] | null;
  /** `readOnly`, `tools` and `maxNameLength`, as a session would see the tools. */
  view?: ToolViewOptions;
}

/** One tool as `GET /mcp/tools` describes it. */
interface ToolSummary {
  name: string;
  title: string;
  description: string;
  /** Integration key of the tool's app, e.g. `gmail`. */
  app: string;
  appName: string;
  readOnly: boolean;
  requiredArguments: string[];
  /** Relevance to `q` (higher is better); absent when listing. */
  score?: number;
}

function badRequest(message: string): HttpError {
  return new HttpError(400, `Bad Request: ${message}`);
}

function single(url: URL, name: string): string | undefined {
  const values = url.searchParams.getAll(name);
  if (values.length > 1) throw badRequest(`${name} is given more than once`);
  return values[0];
}

/** Reads and checks the query parameters; throws 400 with a clear message. */
function parseToolsQuery(url: URL): ToolsQuery {
  for (const name of url.searchParams.keys()) {
    if (!KNOWN_PARAMS.has(name)) {
      throw badRequest(
        `unknown parameter "${
          name.slice(0, 40)
        }": use q, limit, apps, readOnly, tools and maxNameLength`,
      );
    }
  }
  const q = single(url, "q")?.trim() || undefined;
  if (q !== undefined && q.length > MAX_SEARCH_QUERY_CHARS) {
    throw badRequest(`q is longer than ${MAX_SEARCH_QUERY_CHARS} characters`);
  }
  const rawLimit = single(url, "limit");
  let limit: number = q === undefined ? TOOLS_LIMIT.list : TOOLS_LIMIT.search;
  if (rawLimit !== undefined) {
    limit = /^\d{1,6}$/.test(rawLimit) ? Number(rawLimit) : NaN;
    if (!(limit >= 1 && limit <= TOOLS_LIMIT.max)) {
      throw badRequest(
        `limit must be an integer from 1 to ${TOOLS_LIMIT.max}, not "${rawLimit.slice(0, 20)}"`,
      );
    }
  }
  return { q, limit, apps: parseApps(url), view: parseViewOptions(url) };
}

/** The JSON description of a tool. */
function summarizeTool(tool: ToolEntry, score?: number): ToolSummary {
  const summary: ToolSummary = {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    app: tool.integrationKey,
    appName: tool.integrationName,
    readOnly: tool.annotations.readOnlyHint === true,
    requiredArguments: requiredFields(tool.inputSchema),
  };
  if (score !== undefined) summary.score = Math.round(score * 1000) / 1000;
  return summary;
}

function catalogError(error: unknown): HttpError {
  const upstream = toUpstreamError(error);
  const message = `Cannot list the tools: Integration.app failed (${upstream.message})`;
  if (upstream.kind === "auth") return new HttpError(401, message);
  if (upstream.kind === "rate_limited") {
    return new HttpError(429, message, {
      headers: { "retry-after": String(upstream.retryAfterSeconds ?? 30) },
    });
  }
  if (upstream.retryable) {
    return new HttpError(503, message, {
      headers: { "retry-after": String(upstream.retryAfterSeconds ?? 5) },
    });
  }
  return new HttpError(502, message);
}

/** Handles `GET /mcp/tools` for an authenticated caller. */
export async function getTools(
  request: Request,
  caller: Caller,
  services: Services,
): Promise<Response> {
  const query = parseToolsQuery(new URL(request.url));
  let catalog: IndexedCatalog;
  try {
    const api = services.apiFactory(caller.token);
    catalog = await services.catalogs.get(
      caller.identity.tenant,
      query.apps ?? undefined,
      api,
      query.view,
    );
  } catch (error) {
    throw catalogError(error);
  }
  const tools = catalog.tools;
  const summaries = query.q === undefined
    ? tools.slice(0, query.limit).map((tool) => summarizeTool(tool))
    : searchTools(searchIndexOf(catalog), query.q, query.limit).map((hit) =>
      summarizeTool(hit.tool, hit.score)
    );
  return jsonResponse({
    query: query.q ?? null,
    apps: query.apps,
    total: tools.length,
    tools: summaries,
  });
}
