/**
 * Tool catalogs per customer, cached in memory and in Deno KV. One build at a time per
 * customer; a stale copy is served while it refreshes, and whenever Integration.app fails. A
 * finished build is served at once; its copy in KV is written in the background. The catalog
 * of some apps is a view of the customer's catalog, filtered in memory: it is never built
 * upstream nor stored on its own, so `?apps=` cannot multiply listings or stored copies.
 *
 * @module
 */
import type { FirstCheck } from "../auth/identity.ts";
import type { Connection, IntegrationAppApi } from "../integration_app/types.ts";
import type { Logger } from "../log.ts";
import { readBlob, writeBlob } from "../store/blob_store.ts";
import {
  buildTools,
  type Catalog,
  type ConnectionActions,
  indexCatalog,
  type IndexedCatalog,
  listingJsonOf,
  summarize,
} from "../tools/catalog.ts";
import { restrictsView, type ToolViewOptions } from "../tools/session_view.ts";
import { catalogView, viewToolsOf } from "../tools/catalog_views.ts";
import type { BackgroundTasks } from "../util/background.ts";
import { LruMap, SingleFlight } from "../util/concurrency.ts";
import type { ConnectionWatch } from "./connection_watch.ts";
import { fetchConnectionActions } from "./connection_actions.ts";

/** Bumped when the stored catalog shape changes, so old copies are ignored. */
const CATALOG_FORMAT = 3;
/**
 * How long a finished build waits before its copy is written to KV: past the listing a new
 * session asks for right after it (shutdown cuts the wait short).
 */
const STORE_DELAY_MS = 1_000;
/** How long a stored catalog may serve as a stale fallback. */
const STALE_KEEP_MS = 7 * 24 * 60 * 60 * 1000;
/** How long an entry of the invalidation log stays, for replicas to read it. */
const INVALIDATION_LOG_KEEP_MS = 120_000;
/** Clock skew between replicas tolerated when reading the invalidation log. */
const INVALIDATION_LOG_SKEW_MS = 30_000;

/** Options for `CatalogService`. */
export interface CatalogServiceOptions {
  kv: Deno.Kv;
  logger: Logger;
  /** Where refreshes run after a stale copy was served. */
  background: BackgroundTasks;
  /** How long a catalog is fresh. */
  ttlMs: number;
  /** Upstream calls in flight per build. */
  concurrency: number;
  /** Catalogs kept in memory. */
  memoryEntries?: number;
  /**
   * How often, at most, the instance reads the invalidations other replicas made (a KV
   * listing awaited by the request that finds the last read older than this).
   */
  invalidationSyncMs?: number;
  /**
   * Tools kept in memory over all catalogs (about 2.6 MB per 1,000 tools once listed); the
   * least recently used catalogs go first, and are read back from KV when needed. The views
   * of a catalog (at most 16 apps sets) count with it, each by its own tools.
   */
  memoryTools?: number;
  /** Told when a rebuilt catalog of a customer lists other tools than the one it replaces. */
  onChange?: (tenant: string) => void;
  now?: () => number;
}

interface MemoryEntry {
  catalog: IndexedCatalog;
}

/** The shared log of invalidations, ordered by time: every replica reads it. */
const INVALIDATION_LOG: Deno.KvKey = ["catalog_invalidations"];

/** Where the catalog of every app of `tenant` is stored (the key of earlier versions). */
function catalogKey(tenant: string): Deno.KvKey {
  return ["catalog", tenant, "*"];
}

/** Caches and builds tool catalogs. */
export class CatalogService {
  readonly #kv: Deno.Kv;
  readonly #logger: Logger;
  readonly #background: BackgroundTasks;
  readonly #ttlMs: number;
  readonly #concurrency: number;
  readonly #now: () => number;
  /** Per tenant: the catalog of every app. */
  readonly #memory: LruMap<string, MemoryEntry>;
  readonly #memoryTools: number;
  readonly #onChange?: (tenant: string) => void;
  readonly #builds = new SingleFlight<IndexedCatalog>();
  /** Per tenant: catalogs built before this time are stale. */
  readonly #invalidatedAt = new LruMap<string, number>(10_000);
  readonly #invalidationSyncMs: number;
  /** When the invalidation log was last read (-Infinity: never), and the read under way. */
  #syncedAt = Number.NEGATIVE_INFINITY;
  /** When the last successful read started: the next one reads from there (less a margin). */
  #readUpTo = 0;
  #syncing: Promise<void> | undefined;
  /** Builds started (each one lists connections and actions upstream), for tests. */
  builds = 0;

  constructor(options: CatalogServiceOptions) {
    this.#kv = options.kv;
    this.#logger = options.logger;
    this.#background = options.background;
    this.#ttlMs = options.ttlMs;
    this.#concurrency = options.concurrency;
    this.#now = options.now ?? Date.now;
    this.#memory = new LruMap(options.memoryEntries ?? 1000);
    this.#memoryTools = options.memoryTools ?? 100_000;
    this.#invalidationSyncMs = options.invalidationSyncMs ?? 1000;
    this.#onChange = options.onChange;
  }

  /** How much longer `catalog` of `tenant` stays fresh, in ms (0 when stale). */
  freshForMs(tenant: string, catalog: Catalog): number {
    if (!this.#fresh(tenant, catalog)) return 0;
    return Math.max(0, Math.floor(catalog.builtAt + this.#ttlMs - this.#now()));
  }

  #fresh(tenant: string, catalog: Catalog): boolean {
    const invalidated = this.#invalidatedAt.get(tenant) ?? 0;
    return catalog.builtAt > invalidated && this.#now() - catalog.builtAt < this.#ttlMs;
  }

  /**
   * The catalog of `tenant` for `apps` (`undefined` = every app), seen through `view` (a
   * session's `readOnly`, `tools` and `maxNameLength`). `api` is used only when a build is
   * needed; `waitForFresh` waits for a rebuild rather than serve a stale copy. Throws the
   * upstream error when there is neither a cached copy nor a successful build.
   */
  async get(
    tenant: string,
    apps: readonly string[] | undefined,
    api: IntegrationAppApi,
    view?: ToolViewOptions,
    options: { waitForFresh?: boolean } = {},
  ): Promise<IndexedCatalog> {
    const catalog = await this.#full(tenant, api, options.waitForFresh ?? false);
    return apps || restrictsView(view) ? this.#view(tenant, catalog, apps, view) : catalog;
  }

  /** The view of `catalog` for `apps` and `options`; a new one counts against the bound. */
  #view(
    tenant: string,
    catalog: IndexedCatalog,
    apps: readonly string[] | undefined,
    options: ToolViewOptions | undefined,
  ): IndexedCatalog {
    const { view, created } = catalogView(catalog, apps, options);
    if (created && this.#memory.get(tenant)?.catalog === catalog) this.#evict(tenant);
    return view;
  }

  /** The catalog of every app of `tenant`. */
  async #full(
    tenant: string,
    api: IntegrationAppApi,
    waitForFresh: boolean,
  ): Promise<IndexedCatalog> {
    if (this.#now() - this.#syncedAt >= this.#invalidationSyncMs) await this.#syncInvalidations();
    let cached = this.#memory.get(tenant)?.catalog;
    // With a build under way, join it rather than read an older copy from KV.
    if (!cached && !this.#builds.has(tenant)) {
      const loaded = await this.#load(tenant);
      // A build may have landed while KV was read: it is newer.
      cached = this.#memory.get(tenant)?.catalog;
      if (!cached && loaded) this.#remember(tenant, cached = loaded);
    }
    if (cached && this.#fresh(tenant, cached)) return cached;
    const build = this.#builds.run(tenant, () => this.#build(tenant, () => this.#fetch(api)));
    // No copy, or one known to miss what the caller is waiting for (a new connection).
    if (!cached || waitForFresh) return await build;
    // Serve the stale copy now; the refresh lands for the next request.
    this.#background.run(
      build,
      (error) => this.#logger.warn("catalog refresh failed, serving stale copy", { error }),
    );
    return cached;
  }

  /**
   * `get`, but when a connection request of `tenant` completed since the catalog was built
   * (`watch` says so; `force` asks it even within its poll interval), the catalog is rebuilt
   * before it is returned.
   */
  async current(
    tenant: string,
    apps: readonly string[] | undefined,
    api: IntegrationAppApi,
    watch: ConnectionWatch,
    options: { force?: boolean; view?: ToolViewOptions } = {},
  ): Promise<IndexedCatalog> {
    if (await watch.completed(tenant, api, { force: options.force ?? false })) {
      await this.invalidate(tenant);
      return await this.get(tenant, apps, api, options.view, { waitForFresh: true });
    }
    return await this.get(tenant, apps, api, options.view);
  }

  #fetch(api: IntegrationAppApi, listed?: Promise<Connection[]>): Promise<ConnectionActions[]> {
    return fetchConnectionActions(api, { concurrency: this.#concurrency }, listed);
  }

  /**
   * The first check of a token of a customer never seen (see `IdentityResolver`): lists its
   * connections (which proves the token), then, while `/self` is asked, their actions; once
   * the token is accepted for a tenant, the catalog of that tenant is built from them, unless
   * it has a fresh one or a build under way.
   */
  firstCheck(api: IntegrationAppApi): FirstCheck {
    // What it lists is as old as this moment (an invalidation since makes it stale).
    const listedAt = this.#now();
    const listed = api.listConnections();
    const sources = listed.then((connections) => this.#fetch(api, Promise.resolve(connections)));
    // Dropped when the token is refused: a failure is then nobody's to report.
    sources.catch(() => {});
    return {
      answered: listed.then(() => {}),
      accept: (tenant) => {
        const cached = this.#memory.get(tenant)?.catalog;
        if (this.#builds.has(tenant) || (cached && this.#fresh(tenant, cached))) return;
        this.#background.run(
          this.#builds.run(tenant, () => this.#build(tenant, () => sources, listedAt)),
          (error) => this.#logger.debug("first catalog build failed", { error }),
        );
      },
    };
  }

  /** Builds (or loads) the catalog in the background, e.g. while a session starts. */
  prefetch(
    tenant: string,
    apps: readonly string[] | undefined,
    api: IntegrationAppApi,
    view?: ToolViewOptions,
  ): void {
    this.#background.run(
      this.get(tenant, apps, api, view),
      (error) => this.#logger.debug("catalog prefetch failed", { error }),
    );
  }

  /** Keeps `catalog` in memory, forgetting the least recently used ones beyond the bounds. */
  #remember(key: string, catalog: IndexedCatalog): void {
    this.#memory.set(key, { catalog });
    this.#evict(key);
  }

  /** Forgets the least recently used catalogs (but `keep`) while over the tool bound. */
  #evict(keep: string): void {
    const weight = (catalog: IndexedCatalog): number => catalog.tools.length + viewToolsOf(catalog);
    let tools = 0;
    for (const [, entry] of this.#memory.entries()) tools += weight(entry.catalog);
    for (const [oldest, entry] of this.#memory.entries()) {
      if (tools <= this.#memoryTools) break;
      if (oldest === keep) continue;
      this.#memory.delete(oldest);
      tools -= weight(entry.catalog);
    }
  }

  /**
   * Marks every catalog of `tenant` stale (e.g. a connection was reported gone), here and,
   * through the invalidation log in KV, on every replica within `invalidationSyncMs`.
   */
  async invalidate(tenant: string): Promise<void> {
    const at = this.#now();
    this.#invalidatedAt.set(tenant, at);
    const result = await this.#kv.atomic()
      .set(["catalog_invalidated", tenant], at, { expireIn: this.#ttlMs * 2 })
      .set([...INVALIDATION_LOG, at, tenant], at, { expireIn: INVALIDATION_LOG_KEEP_MS })
      .commit();
    if (!result.ok) throw new Error("Cannot record the catalog invalidation");
  }

  /** Reads the invalidations logged since the last read (one at a time; callers share it). */
  #syncInvalidations(): Promise<void> {
    this.#syncing ??= (async () => {
      const started = this.#now();
      this.#syncedAt = started;
      // A replica whose clock runs behind logs older times: read back a margin for it.
      const since = Math.max(0, this.#readUpTo - INVALIDATION_LOG_SKEW_MS);
      try {
        const entries = this.#kv.list<number>({
          start: [...INVALIDATION_LOG, since],
          end: [...INVALIDATION_LOG, Number.MAX_VALUE],
        });
        for await (const entry of entries) {
          const tenant = entry.key[2];
          if (typeof tenant !== "string" || typeof entry.value !== "number") continue;
          const known = this.#invalidatedAt.get(tenant) ?? 0;
          if (entry.value > known) this.#invalidatedAt.set(tenant, entry.value);
        }
        this.#readUpTo = started;
      } catch (error) {
        // A KV hiccup must not fail the request: the cached copies serve, the next one retries.
        this.#logger.warn("cannot read catalog invalidations", { error });
      } finally {
        this.#syncing = undefined;
      }
    })();
    return this.#syncing;
  }

  async #load(tenant: string): Promise<IndexedCatalog | undefined> {
    try {
      const [stored, invalidated] = await Promise.all([
        readBlob<Catalog & { format: number }>(this.#kv, catalogKey(tenant)),
        this.#kv.get<number>(["catalog_invalidated", tenant]),
      ]);
      if (typeof invalidated.value === "number") {
        const known = this.#invalidatedAt.get(tenant) ?? 0;
        this.#invalidatedAt.set(tenant, Math.max(known, invalidated.value));
      }
      if (!stored || stored.format !== CATALOG_FORMAT) return undefined;
      return indexCatalog({
        builtAt: stored.builtAt,
        tools: stored.tools,
        connections: stored.connections,
      });
    } catch (error) {
      this.#logger.warn("stored catalog unreadable", { error });
      return undefined;
    }
  }

  async #build(
    tenant: string,
    fetchSources: () => Promise<ConnectionActions[]>,
    started = this.#now(),
  ): Promise<IndexedCatalog> {
    this.builds++;
    const sources = await fetchSources();
    const catalog = indexCatalog({
      builtAt: started,
      tools: buildTools(sources),
      connections: summarize(sources),
    });
    const previous = this.#memory.get(tenant)?.catalog;
    this.#remember(tenant, catalog);
    // The listings' JSON, which serving them needs anyway: the old one is usually made already.
    if (previous && listingJsonOf(previous) !== listingJsonOf(catalog)) {
      this.#onChange?.(tenant);
    }
    this.#background.run(
      this.#store(tenant, catalog),
      (error) => this.#logger.warn("cannot store catalog", { error }),
    );
    this.#logger.debug("catalog built", {
      tools: catalog.tools.length,
      connections: sources.length,
      ms: this.#now() - started,
    });
    return catalog;
  }

  /** Writes `catalog` to KV, for other instances and restarts. */
  async #store(tenant: string, catalog: IndexedCatalog): Promise<void> {
    // Serializing and compressing take several ms of CPU: let the requests that wait for
    // this build, and the listing a new session asks for next, be answered first.
    await this.#background.idle(STORE_DELAY_MS);
    await writeBlob(
      this.#kv,
      catalogKey(tenant),
      {
        format: CATALOG_FORMAT,
        builtAt: catalog.builtAt,
        tools: catalog.tools,
        connections: catalog.connections,
      },
      STALE_KEEP_MS,
    );
  }
}
