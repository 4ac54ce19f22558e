/**
 * The context an MCP request is served with, in either protocol era: the session (or, in
 * 2026-07-28, the chat's state), the customer's catalog and the Integration.app client.
 *
 * @module
 */
import type { Services } from "../app.ts";
import type { IntegrationAppApi } from "../integration_app/types.ts";
import type { McpSessionContext } from "../mcp/mcp_server.ts";
import type { SessionRecord } from "../store/session_store.ts";
import type { Caller } from "../auth/identity.ts";
import type { RequestContext } from "./request_context.ts";
import { clip } from "../util/text.ts";

/** Builds the context of one request; `saveEnabledTools` stores a new enabled set. */
export function createSessionContext(
  services: Services,
  caller: Caller,
  session: SessionRecord,
  requestContext: RequestContext,
  saveEnabledTools: (names: string[]) => Promise<void>,
): McpSessionContext {
  const {
    catalogs,
    logger,
    apiFactory,
    background,
    config,
    results,
    callLog,
    connectionWatch,
    unconnectedApps,
  } = services;
  let api: IntegrationAppApi | undefined;
  const getApi = (): IntegrationAppApi => api ??= apiFactory(caller.token);
  return {
    session,
    logger,
    get api() {
      return getApi();
    },
    catalog: (options) =>
      catalogs.current(session.tenant, session.apps ?? undefined, getApi(), connectionWatch, {
        force: options?.checkConnections ?? false,
        view: session.options,
      }),
    unconnectedApps: async () =>
      unconnectedApps.list(
        session.tenant,
        await catalogs.get(session.tenant, undefined, getApi()),
        getApi(),
      ),
    unconnectedAppOf: async (toolName) =>
      unconnectedApps.unconnectedAppOf(
        session.tenant,
        await catalogs.get(session.tenant, undefined, getApi()),
        getApi(),
        toolName,
      ),
    onConnectionRequest: (request, target) =>
      background.run(
        connectionWatch.expect(session.tenant, request, target),
        (error) => logger.warn("cannot share a connection request", { error }),
      ),
    reusableConnectionRequest: (target) => connectionWatch.reusable(session.tenant, target),
    saveEnabledTools,
    invalidateCatalog: () =>
      background.run(
        catalogs.invalidate(session.tenant).then(() =>
          // Rebuild now, so the next listing is likely fresh.
          catalogs.prefetch(session.tenant, session.apps ?? undefined, getApi())
        ),
        (error) => logger.warn("cannot invalidate catalog", { error }),
      ),
    onToolCall: (name) => requestContext.tool = clip(name, 64),
    results: {
      store: results,
      maxBytes: session.options?.maxResultBytes ?? config.maxResultBytes,
    },
    recordCall: (call) => callLog.record(session.tenant, call),
  };
}
