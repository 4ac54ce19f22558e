/**
 * Reads what a catalog is built from: active connections (all pages) and the actions of
 * their integrations, each integration listed once, in parallel with bounded concurrency.
 *
 * @module
 */
import type { Connection, IntegrationAppApi, IntegrationInfo } from "../integration_app/types.ts";
import type { ConnectionActions } from "../tools/catalog.ts";
import { mapConcurrent } from "../util/concurrency.ts";

/** Options for `fetchConnectionActions`. */
export interface FetchSourcesOptions {
  /** Upper bound of upstream calls in flight. */
  concurrency: number;
}

/**
 * Fetches the connections of a customer with the actions of each. Disconnected connections
 * come without actions: they give no tools, but they keep their place in the naming order,
 * so a name never moves to another account while its own connection is only disconnected.
 */
export async function fetchConnectionActions(
  api: IntegrationAppApi,
  options: FetchSourcesOptions,
): Promise<ConnectionActions[]> {
  const connections = await api.listConnections();

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

  const resolved: { connection: Connection; integration: IntegrationInfo }[] = [];
  for (const connection of connections) {
    const integration = connection.integration?.key
      ? connection.integration
      : integrationsById.get(connection.integrationId ?? "");
    if (!integration?.key) continue;
    resolved.push({ connection, integration });
  }

  const integrations = new Map<string, IntegrationInfo>();
  for (const { connection, integration } of resolved) {
    if (connection.disconnected !== true) integrations.set(integration.key, integration);
  }
  const actionLists = await mapConcurrent(
    [...integrations.values()],
    options.concurrency,
    async (integration) => [integration.key, await api.listActions(integration)] as const,
  );
  const actionsByKey = new Map(actionLists);
  return resolved.map(({ connection, integration }) => ({
    connection,
    integration,
    actions: connection.disconnected === true ? [] : actionsByKey.get(integration.key) ?? [],
  }));
}
