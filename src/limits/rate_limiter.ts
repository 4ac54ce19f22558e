/**
 * Per-tenant rate limits shared by every instance on one KV, without a KV round trip on the
 * request path. Each instance decides from a local token bucket per tenant; in the background
 * (at most once per sync interval, started by traffic) it publishes how many tokens it spent
 * per tenant and drains its buckets by what the other instances spent since the last look.
 * Every instance thus approximates one global bucket, lagging by one sync interval: the
 * sustained rate holds across instances, a burst may overshoot by one sync interval's worth.
 *
 * @module
 */
import { LruMap } from "../util/concurrency.ts";
import { TokenBucket } from "./token_bucket.ts";

/** Options for `RateLimiter`. */
export interface RateLimiterOptions {
  /** Names the limit in KV keys (`requests`, `tool_calls`). */
  name: string;
  ratePerSecond: number;
  burst: number;
  kv: Deno.Kv;
  /** This instance's id in KV (random per process by default). */
  instanceId?: string;
  /** Least time between two syncs with KV, in ms. */
  syncIntervalMs?: number;
  /** Tenants tracked in memory (least recently used ones are forgotten first). */
  maxTenants?: number;
  /** Tenants synced per round, the busiest first. */
  maxSyncTenants?: number;
  now?: () => number;
}

/** The outcome of `take`. */
export type RateDecision = { ok: true } | { ok: false; retryAfterMs: number };

interface TenantState {
  bucket: TokenBucket;
  /** Tokens this instance spent for the tenant since it started tracking it. */
  spent: number;
  /** `spent` as last published to KV. */
  published: number;
  /** Last time the tenant was seen here. */
  activeAt: number;
  /** When this instance started tracking the tenant. */
  startedAt: number;
  /** What each other instance had published when last read. */
  remote: Map<string, number>;
}

interface Published {
  spent: number;
  /** When the publishing instance started counting. */
  since: number;
  at: number;
}

/** How long a published count stays in KV after its instance stops updating it. */
const PUBLISHED_TTL_MS = 60_000;

/** A rate limit per tenant, synced across instances through KV. */
export class RateLimiter {
  readonly name: string;
  readonly ratePerSecond: number;
  readonly burst: number;
  readonly #kv: Deno.Kv;
  readonly #instanceId: string;
  readonly #syncIntervalMs: number;
  readonly #maxSyncTenants: number;
  readonly #now: () => number;
  readonly #tenants: LruMap<string, TenantState>;
  #lastSyncAt: number;
  #syncing: Promise<void> | undefined;

  constructor(options: RateLimiterOptions) {
    this.name = options.name;
    this.ratePerSecond = options.ratePerSecond;
    this.burst = options.burst;
    this.#kv = options.kv;
    this.#instanceId = options.instanceId ?? crypto.randomUUID();
    this.#syncIntervalMs = options.syncIntervalMs ?? 1000;
    this.#maxSyncTenants = options.maxSyncTenants ?? 500;
    this.#now = options.now ?? Date.now;
    this.#tenants = new LruMap(options.maxTenants ?? 50_000);
    this.#lastSyncAt = this.#now();
  }

  #state(tenant: string, now: number): TenantState {
    let state = this.#tenants.get(tenant);
    if (!state) {
      state = {
        bucket: new TokenBucket(this.ratePerSecond, this.burst, now),
        spent: 0,
        published: 0,
        activeAt: now,
        startedAt: now,
        remote: new Map(),
      };
      this.#tenants.set(tenant, state);
    }
    return state;
  }

  /** Takes `cost` tokens of `tenant`'s bucket; synchronous, no KV access. */
  take(tenant: string, cost = 1): RateDecision {
    const now = this.#now();
    const state = this.#state(tenant, now);
    state.activeAt = now;
    const waitMs = state.bucket.take(cost, now);
    if (waitMs > 0) return { ok: false, retryAfterMs: waitMs };
    state.spent += cost;
    return { ok: true };
  }

  /** Whether a sync is due; the caller runs `sync()` in the background when it is. */
  get syncDue(): boolean {
    return this.#syncing === undefined && this.#now() - this.#lastSyncAt >= this.#syncIntervalMs;
  }

  /** Publishes local spending and drains buckets by remote spending. One at a time. */
  sync(): Promise<void> {
    this.#syncing ??= this.#sync().finally(() => this.#syncing = undefined);
    return this.#syncing;
  }

  async #sync(): Promise<void> {
    const now = this.#now();
    const since = this.#lastSyncAt;
    this.#lastSyncAt = now;
    const active = [...this.#tenants.entries()]
      .filter(([, state]) => state.activeAt >= since - this.#syncIntervalMs)
      .sort(([, a], [, b]) => (b.spent - b.published) - (a.spent - a.published))
      .slice(0, this.#maxSyncTenants);
    if (active.length === 0) return;

    const changed = active.filter(([, state]) => state.spent > state.published);
    for (let i = 0; i < changed.length; i += 100) {
      const op = this.#kv.atomic();
      for (const [tenant, state] of changed.slice(i, i + 100)) {
        op.set(
          this.#key(tenant, this.#instanceId),
          { spent: state.spent, since: state.startedAt, at: now } satisfies Published,
          { expireIn: PUBLISHED_TTL_MS },
        );
      }
      await op.commit();
      for (const [, state] of changed.slice(i, i + 100)) state.published = state.spent;
    }

    await Promise.all(active.map(async ([tenant, state]) => {
      let remoteSpent = 0;
      const prefix = ["limits", "rate", this.name, tenant];
      for await (const entry of this.#kv.list<Published>({ prefix })) {
        const instance = String(entry.key[entry.key.length - 1]);
        if (instance === this.#instanceId || typeof entry.value?.spent !== "number") continue;
        const { spent, since } = entry.value;
        const seen = state.remote.get(instance);
        if (seen !== undefined) {
          remoteSpent += Math.max(0, spent - seen);
        } else {
          // First look at that instance: what it spent, less what has refilled since it began.
          const refilled = (this.ratePerSecond * Math.max(0, now - (since ?? 0))) / 1000;
          remoteSpent += Math.max(0, spent - refilled);
        }
        state.remote.set(instance, spent);
      }
      if (remoteSpent > 0) state.bucket.drain(remoteSpent, this.#now());
    }));
  }

  #key(tenant: string, instance: string): Deno.KvKey {
    return ["limits", "rate", this.name, tenant, instance];
  }
}
