/**
 * The tool catalog of one customer: one tool per action of every active connection, with
 * unique, stable names, useful descriptions, faithful schemas and annotations; and what derives
 * from it, made once per catalog: the name indexes (`indexCatalog`; lookup by any accepted name
 * form in `name_lookup.ts`) and the MCP listing, then on first use its JSON (`listingJson`) and
 * its search index (`searchIndexOf`; the ranking is `search.ts`). Views per apps and per
 * session are catalogs of their own, kept with it (`catalog_views.ts`).
 *
 * @module
 */
import type { Action, Connection, IntegrationInfo } from "../integration_app/types.ts";
import type { Tool, ToolAnnotations } from "../sdk/server.ts";
import { annotationsFor } from "./annotations.ts";
import { type JsonSchema, toToolInputSchema } from "./input_schema.ts";
import { listedOutputSchema, toToolOutputSchema } from "./output_schema.ts";
import { fitToolName, looseToolName, shortHash, toolName } from "./naming.ts";
import { buildSearchIndex, type SearchIndex } from "./search.ts";

/** One tool: what clients see, plus where it runs. */
export interface ToolEntry {
  name: string;
  title: string;
  description: string;
  inputSchema: JsonSchema;
  annotations: ToolAnnotations;
  /** True when the action's non-object input is passed as `arguments.input`. */
  wrapsInput: boolean;
  /** The action's output schema with an object root, when the action declares one. */
  outputSchema?: JsonSchema;
  /** True when the output is given as `structuredContent.result` (non-object root). */
  wrapsOutput?: boolean;
  connectionId: string;
  connectionName?: string;
  integrationKey: string;
  integrationName: string;
  actionKey: string;
  actionName: string;
  actionDescription?: string;
  actionType?: string;
}

/** Whether a connection gives tools, must be connected again, or was turned off. */
export type ConnectionStatus = "active" | "broken" | "deactivated";

/** A connection with its app and the actions it can run. */
export interface ConnectionActions {
  connection: Connection;
  integration: IntegrationInfo;
  actions: Action[];
  /** Defaults to `broken` for `disconnected` connections, else `active`. */
  status?: ConnectionStatus;
}

/** A connection as a catalog remembers it (to offer a reconnect link when it is broken). */
export interface ConnectionSummary {
  connectionId: string;
  integrationKey: string;
  integrationName: string;
  status: ConnectionStatus;
}

/** The tools of one customer (or a view of them narrowed to some apps), ready to serve. */
export interface Catalog {
  /** When it was built, in ms since the epoch. */
  builtAt: number;
  tools: ToolEntry[];
  /** The customer's connections, active and broken (absent in catalogs of older formats). */
  connections?: ConnectionSummary[];
}

/** A catalog with its lookups, built once per catalog version. */
export interface IndexedCatalog extends Catalog {
  byName: Map<string, ToolEntry>;
  /** Loose name (lower case, `_` as `-`) to tools, for names typed by agents. */
  byLooseName: Map<string, ToolEntry[]>;
  /** The MCP `tools/list` entries, built once. */
  listing: Tool[];
  /**
   * In a session's view (`readOnly`, `tools`): why a tool of the customer is hidden from it,
   * or `undefined` when the name is not such a tool.
   */
  excluded?: (name: string) => string | undefined;
}

function keyFromName(name: string | undefined): string | undefined {
  const key = name?.trim().toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  return key || undefined;
}

function byAge(a: Connection, b: Connection): number {
  const at = a.createdAt ?? "";
  const bt = b.createdAt ?? "";
  if (at !== bt) return at < bt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function describe(entry: Omit<ToolEntry, "description">, shared: boolean): string {
  const app = shared && entry.connectionName
    ? `${entry.integrationName} (connection "${entry.connectionName}")`
    : entry.integrationName;
  const own = entry.actionDescription?.trim();
  const head = `${app}: ${entry.actionName}`;
  return own && own !== entry.actionName ? `${head}. ${own}` : head;
}

interface Candidate {
  entry: Omit<ToolEntry, "name" | "description">;
  shared: boolean;
  /** `{app}_{action}` as written, before any character is replaced or the name cut. */
  raw: string;
  name: string;
}

/** The status of a source, reading the deprecated `disconnected` when none is given. */
function statusOf(source: ConnectionActions): ConnectionStatus {
  return source.status ?? (source.connection.disconnected === true ? "broken" : "active");
}

/** What a catalog remembers of its sources' connections. */
export function summarize(sources: ConnectionActions[]): ConnectionSummary[] {
  return sources.map((source) => ({
    connectionId: source.connection.id,
    integrationKey: source.integration.key,
    integrationName: source.integration.name?.trim() || source.integration.key,
    status: statusOf(source),
  }));
}

function candidatesOf(
  integrationKey: string,
  group: ConnectionActions[],
): Candidate[] {
  group.sort((a, b) => byAge(a.connection, b.connection));
  const shared = group.filter((s) => statusOf(s) === "active").length > 1;
  const candidates: Candidate[] = [];
  group.forEach((source, index) => {
    const { connection, integration, actions } = source;
    // Broken connections give no tools but keep their place in the order below.
    if (statusOf(source) !== "active") return;
    // The oldest connection keeps the plain names; later ones get a tag from their own id.
    const tag = index === 0 ? undefined : shortHash(connection.id).slice(0, 6);
    const integrationName = integration.name?.trim() || integrationKey;
    const selectorOf = (action: Action): string =>
      typeof action.key === "string" && action.key.length > 0 ? action.key : action.id;
    for (const action of [...actions].sort((a, b) => selectorOf(a) < selectorOf(b) ? -1 : 1)) {
      // An action without a key (a catalog action) runs by its id; its name is made from
      // its title.
      const selector = selectorOf(action);
      if (typeof selector !== "string" || selector.length === 0) continue;
      const namePart = action.key || keyFromName(action.name) || selector;
      const actionName = action.name?.trim() || selector;
      const { schema, wrapped } = toToolInputSchema(action.inputSchema);
      const output = toToolOutputSchema(action.outputSchema);
      const title = `${integrationName}: ${actionName}`;
      candidates.push({
        entry: {
          title,
          inputSchema: schema,
          annotations: annotationsFor(action.type, title),
          wrapsInput: wrapped,
          ...(output ? { outputSchema: output.schema, wrapsOutput: output.wrapped } : {}),
          connectionId: connection.id,
          connectionName: connection.name,
          integrationKey,
          integrationName,
          actionKey: selector,
          actionName,
          actionDescription: action.description,
          actionType: action.type,
        },
        shared,
        raw: `${tag ? `${integrationKey}-${tag}` : integrationKey}_${namePart}`,
        name: toolName(integrationKey, namePart, tag),
      });
    }
  });
  return candidates;
}

/**
 * Builds the tools of the given connections; names are unique and stable. A name that needs
 * no change (`{app}_{action}` already valid) always wins it over names made valid by
 * replacing characters, which take a hash when they collide.
 */
export function buildTools(sources: ConnectionActions[]): ToolEntry[] {
  const byIntegration = new Map<string, ConnectionActions[]>();
  for (const source of sources) {
    const list = byIntegration.get(source.integration.key) ?? [];
    list.push(source);
    byIntegration.set(source.integration.key, list);
  }
  const candidates = [...byIntegration]
    .sort(([a], [b]) => a < b ? -1 : 1)
    .flatMap(([integrationKey, group]) => candidatesOf(integrationKey, group));
  const taken = new Set<string>();
  const exact = (c: Candidate): boolean => c.name === c.raw;
  for (const pass of [exact, (c: Candidate) => !exact(c)]) {
    for (const candidate of candidates.filter(pass)) {
      if (taken.has(candidate.name)) {
        candidate.name = fitToolName(
          `${candidate.name}_${
            shortHash(`${candidate.entry.connectionId}/${candidate.entry.actionKey}`)
          }`,
        );
      }
      taken.add(candidate.name);
    }
  }
  return candidates.map(({ entry, shared, name }) => {
    const partial = { ...entry, name };
    return { ...partial, description: describe(partial, shared) };
  });
}

/** The `tools/list` entry of a tool. */
export function toMcpTool(tool: ToolEntry): Tool {
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: tool.inputSchema as Tool["inputSchema"],
    ...(tool.outputSchema
      ? { outputSchema: listedOutputSchema(tool.outputSchema) as Tool["outputSchema"] }
      : {}),
    annotations: tool.annotations,
  };
}

const listingJsons = new WeakMap<IndexedCatalog, string>();

/**
 * The `tools/list` array of `catalog` as JSON, serialized once per catalog: the listings
 * served, and the comparison of a rebuilt catalog with the one it replaces, share it.
 */
export function listingJsonOf(catalog: IndexedCatalog): string {
  let json = listingJsons.get(catalog);
  if (json === undefined) listingJsons.set(catalog, json = JSON.stringify(catalog.listing));
  return json;
}

/** The longest search query a client may send, in characters. */
export const MAX_SEARCH_QUERY_CHARS = 500;

const searchIndexes = new WeakMap<IndexedCatalog, SearchIndex>();

/** The search index of `catalog`, built on first use and kept as long as the catalog lives. */
export function searchIndexOf(catalog: IndexedCatalog): SearchIndex {
  let index = searchIndexes.get(catalog);
  if (!index) searchIndexes.set(catalog, index = buildSearchIndex(catalog.tools));
  return index;
}

/** Adds the lookups and the MCP listing to a catalog. */
export function indexCatalog(catalog: Catalog): IndexedCatalog {
  const byName = new Map<string, ToolEntry>();
  const byLooseName = new Map<string, ToolEntry[]>();
  const listing: Tool[] = [];
  for (const tool of catalog.tools) {
    byName.set(tool.name, tool);
    const loose = looseToolName(tool.name);
    byLooseName.set(loose, [...(byLooseName.get(loose) ?? []), tool]);
    listing.push(toMcpTool(tool));
  }
  return { ...catalog, byName, byLooseName, listing };
}

/**
 * The static `tools/list` array of `catalog` as JSON (serialized once per catalog), followed
 * by `extra` tools (the session's meta-tools).
 */
export function listingJson(catalog: IndexedCatalog, extra: Tool[] = []): string {
  return listingJsonWith(catalog, toolsJson(extra));
}

/** The JSON of `tools` joined by commas, as `listingJsonWith` takes them. */
export function toolsJson(tools: Tool[]): string {
  return tools.map((tool) => JSON.stringify(tool)).join(",");
}

/**
 * The static `tools/list` array of `catalog` as JSON, followed by `more`: the JSON of more tools
 * joined by commas (or nothing).
 */
export function listingJsonWith(catalog: IndexedCatalog, more: string): string {
  const json = listingJsonOf(catalog);
  if (more === "") return json;
  // Strings are joined as ropes: no copy of the (possibly large) listing here.
  return catalog.listing.length === 0 ? `[${more}]` : `${json.slice(0, -1)},${more}]`;
}
