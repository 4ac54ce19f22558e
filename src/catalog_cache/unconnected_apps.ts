/**
 * The workspace's apps this customer has not connected (or whose connection is broken), with
 * their actions, marked as needing a connection: what a search can offer beyond the
 * customer's own tools, each with the `connect-app` call that makes it usable. Built on first
 * need per customer, kept for the catalog's time-to-live.
 *
 * @module
 */
import type { IntegrationAppApi } from "../integration_app/types.ts";
import type { IndexedCatalog } from "../tools/catalog.ts";
import type { JsonSchema } from "../tools/input_schema.ts";
import { LruMap, mapConcurrent, SingleFlight } from "../util/concurrency.ts";
import { isUsableAction } from "./connection_actions.ts";

/** An action of an app the customer still has to connect. */
export interface UnconnectedAction {
  key: string;
  name: string;
  description?: string;
  inputSchema?: JsonSchema;
}

/** An app of the workspace the customer cannot use yet. */
export interface UnconnectedApp {
  integrationKey: string;
  integrationName: string;
  /** Always true: a `connect-app {app: integrationKey}` call makes its tools usable. */
  needsConnection: true;
  /** True when the customer has a connection to it that must be connected again. */
  broken: boolean;
  actions: UnconnectedAction[];
}

/** Options for `UnconnectedApps`. */
export interface UnconnectedAppsOptions {
  ttlMs: number;
  /** Upstream calls in flight per listing. */
  concurrency: number;
  /** Apps read per listing at most (the workspace's first ones). */
  maxApps?: number;
  now?: () => number;
}

/** An app of the workspace, as a name check needs it. */
export interface WorkspaceApp {
  integrationKey: string;
  integrationName: string;
}

interface Entry {
  builtAt: number;
  /** The catalog it was made against (a new catalog means new connections). */
  catalog: IndexedCatalog;
  apps: UnconnectedApp[];
}

/** Lists the apps a customer could connect. */
export class UnconnectedApps {
  readonly #options: Required<UnconnectedAppsOptions>;
  readonly #cache = new LruMap<string, Entry>(1_000);
  readonly #builds = new SingleFlight<UnconnectedApp[]>();
  readonly #workspaceApps = new LruMap<string, { at: number; apps: WorkspaceApp[] }>(1_000);
  readonly #workspaceListings = new SingleFlight<WorkspaceApp[]>();

  constructor(options: UnconnectedAppsOptions) {
    this.#options = { maxApps: 200, now: Date.now, ...options };
  }

  /** The apps of the workspace `tenant` has no working connection to, given its `catalog`. */
  async list(
    tenant: string,
    catalog: IndexedCatalog,
    api: IntegrationAppApi,
  ): Promise<UnconnectedApp[]> {
    const cached = this.#cache.get(tenant);
    if (
      cached && cached.catalog === catalog &&
      this.#options.now() - cached.builtAt < this.#options.ttlMs
    ) {
      return cached.apps;
    }
    return await this.#builds.run(tenant, async () => {
      const apps = await this.#build(catalog, api);
      this.#cache.set(tenant, { builtAt: this.#options.now(), catalog, apps });
      return apps;
    });
  }

  /** The workspace's apps (one listing, no actions), cached for the time-to-live. */
  async workspaceApps(tenant: string, api: IntegrationAppApi): Promise<WorkspaceApp[]> {
    const cached = this.#workspaceApps.get(tenant);
    if (cached && this.#options.now() - cached.at < this.#options.ttlMs) return cached.apps;
    return await this.#workspaceListings.run(tenant, async () => {
      const apps = (await api.listIntegrations())
        .filter((integration) => typeof integration.key === "string" && integration.key)
        .map((integration) => ({
          integrationKey: integration.key,
          integrationName: integration.name?.trim() || integration.key,
        }));
      this.#workspaceApps.set(tenant, { at: this.#options.now(), apps });
      return apps;
    });
  }

  /**
   * The app of the workspace a tool name (`{app}_{action}`) points at, when `tenant` has no
   * active connection to it; `undefined` otherwise.
   */
  async unconnectedAppOf(
    tenant: string,
    catalog: IndexedCatalog,
    api: IntegrationAppApi,
    toolName: string,
  ): Promise<WorkspaceApp | undefined> {
    const lower = toolName.toLowerCase();
    const active = new Set(
      (catalog.connections ?? []).filter((c) => c.status === "active").map((c) => c.integrationKey),
    );
    return (await this.workspaceApps(tenant, api))
      .filter((app) =>
        !active.has(app.integrationKey) &&
        (lower.startsWith(`${app.integrationKey.toLowerCase()}_`) ||
          lower.startsWith(`${app.integrationKey.toLowerCase()}-`))
      )
      .sort((a, b) => b.integrationKey.length - a.integrationKey.length)[0];
  }

  async #build(catalog: IndexedCatalog, api: IntegrationAppApi): Promise<UnconnectedApp[]> {
    const connections = catalog.connections ?? [];
    const active = new Set(
      connections.filter((c) => c.status === "active").map((c) => c.integrationKey),
    );
    const broken = new Set(
      connections.filter((c) => c.status === "broken").map((c) => c.integrationKey),
    );
    const integrations = (await api.listIntegrations())
      .filter((integration) => integration.key && !active.has(integration.key))
      .slice(0, this.#options.maxApps);
    return await mapConcurrent(integrations, this.#options.concurrency, async (integration) => ({
      integrationKey: integration.key,
      integrationName: integration.name?.trim() || integration.key,
      needsConnection: true as const,
      broken: broken.has(integration.key),
      actions: (await api.listActions(integration))
        .filter((action) => isUsableAction(action) && (action.key || action.id))
        .map((action) => ({
          key: action.key || action.id,
          name: action.name?.trim() || action.key || action.id,
          ...(action.description ? { description: action.description } : {}),
          ...(typeof action.inputSchema === "object" && action.inputSchema !== null
            ? { inputSchema: action.inputSchema as JsonSchema }
            : {}),
        })),
    }));
  }
}
