/**
 * `search-tools` beyond the customer's own tools: actions of the workspace's apps this
 * customer has not connected (or whose connection is broken) that fit the query, marked as
 * needing a connection, with the `connect-app` call that makes them usable.
 *
 * @module
 */
import type { UnconnectedApp } from "../catalog_cache/unconnected_apps.ts";
import {
  indexCatalog,
  type IndexedCatalog,
  searchIndexOf,
  type ToolEntry,
} from "../tools/catalog.ts";
import { toToolInputSchema } from "../tools/input_schema.ts";
import { toolName } from "../tools/naming.ts";
import { searchTools } from "../tools/search.ts";
import { CONNECT_APP_NAME } from "./connect_app.ts";
import type { MetaToolContext } from "./meta_tool.ts";
import type { CallToolResult } from "../sdk/server.ts";

/** Matches of apps the customer lacks, at most, per search. */
const MAX_NOT_CONNECTED = 3;

/** A match that needs a connection first. */
interface NotConnectedTool {
  name: string;
  title: string;
  description: string;
  app: string;
  needsConnection: true;
  /** The call that gives the user the link to connect the app. */
  connect: { tool: string; arguments: { app: string } };
}

const catalogs = new WeakMap<readonly UnconnectedApp[], IndexedCatalog>();

/** The actions of `apps` as a catalog of their own (to search them; they cannot run). */
function catalogFor(apps: readonly UnconnectedApp[]): IndexedCatalog {
  let catalog = catalogs.get(apps);
  if (catalog) return catalog;
  const tools = apps.flatMap((app) =>
    app.actions.map((action): ToolEntry => {
      const title = `${app.integrationName}: ${action.name}`;
      const own = action.description?.trim();
      return {
        name: toolName(app.integrationKey, action.key),
        title,
        description: own && own !== action.name ? `${title}. ${own}` : title,
        inputSchema: toToolInputSchema(action.inputSchema).schema,
        annotations: {},
        wrapsInput: false,
        connectionId: "",
        integrationKey: app.integrationKey,
        integrationName: app.integrationName,
        actionKey: action.key,
        actionName: action.name,
        actionDescription: action.description,
      };
    })
  );
  catalogs.set(apps, catalog = indexCatalog({ builtAt: 0, tools }));
  return catalog;
}

/**
 * Adds to a `search-tools` result (for the checked `request`) the best matches among the workspace's apps the customer
 * lacks (`notConnected`, each with its `connect-app` call). Leaves the result as it is when
 * the call was refused, nothing matches, or the apps cannot be listed.
 */
export async function withNotConnectedMatches(
  result: CallToolResult,
  request: { query: string; apps?: string[]; limit: number },
  context: MetaToolContext,
): Promise<CallToolResult> {
  if (result.isError) return result;
  let apps: UnconnectedApp[] | undefined;
  try {
    apps = await context.session.unconnectedApps?.();
  } catch {
    return result; // A courtesy: the customer's own tools are the answer.
  }
  if (!apps || apps.length === 0) return result;
  const allowed = context.session.session.apps;
  const wanted = request.apps ? new Set(request.apps) : undefined;
  const hits = searchTools(
    searchIndexOf(catalogFor(apps)),
    request.query,
    Math.min(request.limit, MAX_NOT_CONNECTED),
    {
      filter: (tool) =>
        (!allowed || allowed.includes(tool.integrationKey)) &&
        (!wanted || wanted.has(tool.integrationKey.toLowerCase())),
    },
  );
  if (hits.length === 0) return result;
  const notConnected: NotConnectedTool[] = hits.map(({ tool }) => ({
    name: tool.name,
    title: tool.title,
    description: tool.description,
    app: tool.integrationKey,
    needsConnection: true,
    connect: { tool: CONNECT_APP_NAME, arguments: { app: tool.integrationKey } },
  }));
  const text = `Also in this workspace, but the user has not connected the app yet (call ` +
    `${CONNECT_APP_NAME} {app} and give the user its link; the tools work once they connect): ` +
    JSON.stringify({ notConnected });
  // Before the last line, which stays the JSON of the customer's own tools.
  const [first, ...rest] = result.content;
  const content = first?.type === "text"
    ? [{
      ...first,
      text: [...first.text.split("\n").slice(0, -1), text, first.text.split("\n").at(-1)]
        .join("\n"),
    }, ...rest]
    : [...result.content, { type: "text" as const, text }];
  return {
    ...result,
    content,
    structuredContent: {
      ...(result.structuredContent as Record<string, unknown> | undefined),
      notConnected,
    },
  };
}
