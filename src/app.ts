/**
 * The services one server instance runs on, wired from their dependencies.
 *
 * @module
 */
import { IdentityResolver } from "./auth/identity.ts";
import { CallLog } from "./calls/call_log.ts";
import { CatalogService } from "./catalog_cache/catalog_service.ts";
import { ConnectionWatch } from "./catalog_cache/connection_watch.ts";
import { UnconnectedApps } from "./catalog_cache/unconnected_apps.ts";
import type { Config } from "./config.ts";
import type { IntegrationAppApiFactory } from "./integration_app/types.ts";
import { configuredLimits, Limits } from "./limits/limits.ts";
import { UnverifiedLimits } from "./limits/unverified.ts";
import type { Logger } from "./log.ts";
import { ChangeFeed } from "./store/change_feed.ts";
import { ResultStore } from "./results/result_store.ts";
import { SessionStore } from "./store/session_store.ts";
import { BackgroundTasks } from "./util/background.ts";

/** What the handler is built from; tests pass an in-memory KV and a fake API URL. */
export interface AppDependencies {
  config: Config;
  kv: Deno.Kv;
  logger: Logger;
  apiFactory: IntegrationAppApiFactory;
  now?: () => number;
}

/** The long-lived services of one instance. */
export interface Services extends Required<AppDependencies> {
  identities: IdentityResolver;
  catalogs: CatalogService;
  sessions: SessionStore;
  /** Work that outlives its request; drained before KV closes. */
  background: BackgroundTasks;
  /** Per-customer rate limits and session cap. */
  limits: Limits;
  /** Tool-list changes, seen by every instance (2026-07-28 `subscriptions/listen`). */
  changes: ChangeFeed;
  /** Connection requests sent to customers, until they complete. */
  connectionWatch: ConnectionWatch;
  /** The workspace's apps a customer has not connected, with their actions. */
  unconnectedApps: UnconnectedApps;
  /** Per-customer log of tool calls. */
  callLog: CallLog;
  /** Full results of calls cut by the size cap. */
  results: ResultStore;
  /** Per-address limits of requests without a verified token. */
  unverified: UnverifiedLimits;
}

/** Creates the services of one instance. */
export function createServices(deps: AppDependencies): Services {
  const now = deps.now ?? Date.now;
  const { config, kv, logger, apiFactory } = deps;
  const background = new BackgroundTasks();
  const sessions = new SessionStore({
    kv,
    sessionTtlMs: config.sessionTtlMs,
    chatTtlMs: config.chatTtlMs,
    cacheMs: config.sessionCacheMs,
    now,
  });
  const changes = new ChangeFeed({
    kv,
    logger,
    maxListenersPerTenant: config.maxListenStreamsPerTenant,
    now,
  });
  const catalogs = new CatalogService({
    kv,
    logger,
    background,
    ttlMs: config.catalogTtlMs,
    memoryTools: config.catalogMemoryTools,
    concurrency: config.upstreamConcurrency,
    onChange: (tenant) =>
      background.run(
        changes.catalogChanged(tenant),
        (error) => logger.warn("cannot publish a catalog change", { error }),
      ),
    now,
  });
  return {
    changes,
    background,
    config,
    kv,
    logger,
    apiFactory,
    now,
    identities: new IdentityResolver({
      kv,
      apiFactory,
      ttlMs: config.identityTtlMs,
      // A new customer's token is proven by listing its connections, which its catalog needs.
      firstCheck: (token) => catalogs.firstCheck(apiFactory(token)),
      now,
    }),
    catalogs,
    sessions,
    connectionWatch: new ConnectionWatch({ kv, now }),
    unconnectedApps: new UnconnectedApps({
      ttlMs: config.catalogTtlMs,
      concurrency: config.upstreamConcurrency,
      now,
    }),
    callLog: new CallLog({
      kv,
      logger,
      background,
      ttlMs: config.callLogTtlMs,
      maxPerTenant: config.callLogMaxPerCustomer,
      logArgumentValues: config.logArgumentValues,
      now,
    }),
    results: new ResultStore({ kv, ttlMs: config.resultTtlMs, now }),
    limits: new Limits({
      kv,
      logger,
      background,
      ...configuredLimits(config),
      countSessions: (tenant, limit) => sessions.countSessions(tenant, limit),
      countChats: (tenant, limit) => sessions.countChats(tenant, limit),
      now,
    }),
    unverified: new UnverifiedLimits({
      perSecond: config.unverifiedRatePerSecond,
      burst: config.unverifiedBurst,
      concurrentChecks: config.identityCheckConcurrency,
      now,
    }),
  };
}
