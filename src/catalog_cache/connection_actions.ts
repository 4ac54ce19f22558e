/**
 * Reads what a catalog is built from: the connections of a customer (all pages), the actions
 * of their integrations (each integration listed once) and the actions of each connection
 * (its own, universal ones, customised instances), in parallel with bounded concurrency.
 *
 * @module
 */
import type {
  Action,
  Connection,
  IntegrationAppApi,
  IntegrationInfo,
} from "../integration_app/types.ts";
import { toUpstreamError } from "../integration_app/errors.ts";
import type { ConnectionActions, ConnectionStatus } from "../tools/catalog.ts";
import { mapConcurrent } from "../util/concurrency.ts";

/** Options for `fetchConnectionActions`. */
export interface FetchSourcesOptions {
  /** Upper bound of upstream calls in flight. */
  concurrency: number;
}

/** The one state in which a connection or an action works. */
const READY = "READY";

/**
 * Whether a connection gives tools (`active`), needs the user to connect again (`broken`:
 * disconnected, defunct, or in a state such as `CLIENT_ACTION_REQUIRED` or `SETUP_FAILED`),
 * or was turned off by the workspace (`deactivated`). Reads the current fields and the
 * deprecated `disconnected`.
 */
export function connectionStatus(connection: Connection): ConnectionStatus {
  if (connection.isDeactivated === true) return "deactivated";
  if (
    connection.disconnected === true || connection.connected === false ||
    connection.isDefunct === true ||
    (typeof connection.state === "string" && connection.state !== READY)
  ) {
    return "broken";
  }
  return "active";
}

/** Whether an action can run: not deactivated, and ready when it names a state. */
export function isUsableAction(action: Action): boolean {
  return action.isDeactivated !== true &&
    (typeof action.state !== "string" || action.state === READY);
}

function slug(text: string | undefined): string | undefined {
  const value = text?.trim().toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  return value || undefined;
}

/**
 * The app of a connection made from a connector (no integration behind it): the connector's
 * or external app's key, else a key made from its name, else its id.
 */
function connectorApp(connection: Connection): IntegrationInfo | undefined {
  const info = connection.connector ?? connection.externalApp;
  const id = info?.id ?? connection.connectorId ?? connection.externalAppId;
  if (!id) return undefined;
  const key = slug(info?.key) ?? slug(info?.name) ?? slug(connection.name) ?? slug(id);
  if (!key) return undefined;
  return { id, key, name: info?.name ?? connection.name ?? key };
}

/**
 * The actions a connection-level listing returned that belong to `connection`: an answer
 * that ignored the `connectionId` filter (an older API version) must not hand one
 * connection the actions of another connection or another integration.
 */
export function ownActions(connection: Connection, listed: Action[]): Action[] {
  return listed.filter((action) =>
    (action.connectionId === undefined || action.connectionId === connection.id) &&
    (action.isUniversal === true || action.integrationId === undefined ||
      action.integrationId === connection.integrationId)
  );
}

/** The connection-level actions of `connection`; none when the API does not list them. */
async function connectionActions(
  api: IntegrationAppApi,
  connection: Connection,
): Promise<Action[]> {
  try {
    return ownActions(connection, await api.listConnectionActions(connection.id));
  } catch (error) {
    const upstream = toUpstreamError(error);
    // Not supported or not known here: the integration's actions still make the tools.
    if (upstream.kind === "bad_request" || upstream.kind === "not_found") return [];
    throw upstream;
  }
}

/**
 * The actions of a connection: its integration's, overridden by its own instances of the same
 * key (a customised instance carries its own input schema), plus the ones only it has
 * (connection-level and universal actions). Actions that cannot run are left out.
 */
export function mergeActions(integrationActions: Action[], connectionActions: Action[]): Action[] {
  const merged = new Map<string, Action>();
  for (const action of [...integrationActions, ...connectionActions]) {
    const selector = action.key || action.id;
    if (!selector) continue;
    merged.set(selector, action);
  }
  return [...merged.values()].filter(isUsableAction);
}

/**
 * Fetches the connections of a customer with the actions of each. Broken connections come
 * without actions: they give no tools, but they keep their place in the naming order, so a
 * name never moves to another account while its own connection is only broken.
 * Deactivated connections are left out. `listed` is the connections listing when it was
 * asked for already (by the first check of a token).
 */
export async function fetchConnectionActions(
  api: IntegrationAppApi,
  options: FetchSourcesOptions,
  listed: Promise<Connection[]> = api.listConnections(),
): Promise<ConnectionActions[]> {
  const connections = (await listed).filter((c) => connectionStatus(c) !== "deactivated");

  // Connections normally embed their integration; look up the ones that do not, once each.
  const missing = [
    ...new Set(
      connections.filter((c) => !c.integration?.key && c.integrationId).map((c) =>
        c.integrationId as string
      ),
    ),
  ];
  const looked = await mapConcurrent(missing, options.concurrency, (id) => api.getIntegration(id));
  const integrationsById = new Map(looked.map((integration) => [integration.id, integration]));

  const resolved: {
    connection: Connection;
    integration: IntegrationInfo;
    fromConnector: boolean;
    status: ConnectionStatus;
  }[] = [];
  for (const connection of connections) {
    const integration = connection.integration?.key
      ? connection.integration
      : integrationsById.get(connection.integrationId ?? "");
    const status = connectionStatus(connection);
    if (integration?.key) {
      resolved.push({ connection, integration, fromConnector: false, status });
      continue;
    }
    const app = connection.integrationId ? undefined : connectorApp(connection);
    if (app) resolved.push({ connection, integration: app, fromConnector: true, status });
  }

  const integrations = new Map<string, IntegrationInfo>();
  for (const { integration, fromConnector, status } of resolved) {
    if (status === "active" && !fromConnector) integrations.set(integration.key, integration);
  }
  const active = resolved.filter((source) => source.status === "active");
  const [integrationLists, connectionLists] = await Promise.all([
    mapConcurrent(
      [...integrations.values()],
      options.concurrency,
      async (integration) => [integration.key, await api.listActions(integration)] as const,
    ),
    mapConcurrent(
      active,
      options.concurrency,
      async ({ connection }) => [connection.id, await connectionActions(api, connection)] as const,
    ),
  ]);
  const byIntegration = new Map(integrationLists);
  const byConnection = new Map(connectionLists);
  return resolved.map(({ connection, integration, fromConnector, status }) => ({
    connection,
    integration,
    status,
    actions: status !== "active" ? [] : mergeActions(
      fromConnector ? [] : byIntegration.get(integration.key) ?? [],
      byConnection.get(connection.id) ?? [],
    ),
  }));
}
