/**
 * Connection requests a customer was sent but has not finished yet. While one is pending,
 * listings and calls ask Integration.app (at most once per poll interval per customer)
 * whether it completed; when it has, the customer's catalog is rebuilt before the answer,
 * so the new tools show at once instead of after the catalog's time-to-live.
 *
 * Requests are shared through Deno KV (`["connect_pending", tenant, id]`, kept while they are
 * watched): every instance learns of requests made elsewhere, and of their completion, when it
 * looks there (at most once per share interval per customer, or at once when a call of a tool
 * that is not listed asks), so a user who connected through one replica sees the new tools on
 * any other.
 *
 * @module
 */
import type { ConnectionRequest, IntegrationAppApi } from "../integration_app/types.ts";
import { LruMap } from "../util/concurrency.ts";

/** Options for `ConnectionWatch`. */
export interface ConnectionWatchOptions {
  /** Least time between two polls for one customer, while a request is recent. */
  pollIntervalMs?: number;
  /** Least time between two polls once the newest request is older than `recentForMs`. */
  slowPollIntervalMs?: number;
  /** How long a request counts as recent (the user is most likely connecting then). */
  recentForMs?: number;
  /** How long a request is watched before it is given up. */
  watchForMs?: number;
  /** Where requests are shared with other instances (none: this instance only). */
  kv?: Deno.Kv;
  /** Least time between two looks in KV for one customer's requests made elsewhere. */
  shareIntervalMs?: number;
  now?: () => number;
}

/** A request as shared in KV. */
interface SharedRequest {
  /** When it stops being watched, in ms since the epoch. */
  until: number;
  /** When an instance saw it complete. */
  completedAt?: number;
}

function sharedKey(tenant: string, id: string): Deno.KvKey {
  return ["connect_pending", tenant, id];
}

/** Requests of one customer read from KV per look, at most. */
const SHARED_LIST_LIMIT = 20;

interface Pending {
  /** Request ids and when each stops being watched. */
  requests: Map<string, number>;
  /** The request made for each target (by its key) and when it was made, for reuse. */
  byTarget: Map<string, { request: ConnectionRequest; at: number }>;
  lastPollAt: number;
  /** When the newest request was made. */
  newestAt: number;
  /** One poll at a time per customer. */
  polling?: Promise<boolean>;
}

const FINISHED = new Set(["completed", "complete", "succeeded", "success", "connected"]);
const ABANDONED = new Set(["expired", "cancelled", "canceled", "failed"]);

/** Watches connection requests until they complete. */
export class ConnectionWatch {
  readonly #pollIntervalMs: number;
  readonly #slowPollIntervalMs: number;
  readonly #recentForMs: number;
  readonly #watchForMs: number;
  readonly #now: () => number;
  readonly #kv: Deno.Kv | undefined;
  readonly #shareIntervalMs: number;
  readonly #pending = new LruMap<string, Pending>(10_000);
  /** Per customer: requests whose completion this instance has accounted for. */
  readonly #seen = new LruMap<string, Set<string>>(10_000);
  /** Per customer: when this instance last looked in KV. */
  readonly #sharedAt = new LruMap<string, number>(10_000);

  constructor(options: ConnectionWatchOptions = {}) {
    this.#pollIntervalMs = options.pollIntervalMs ?? 2_000;
    this.#slowPollIntervalMs = options.slowPollIntervalMs ?? 15_000;
    this.#recentForMs = options.recentForMs ?? 5 * 60 * 1000;
    this.#watchForMs = options.watchForMs ?? 30 * 60 * 1000;
    this.#now = options.now ?? Date.now;
    this.#kv = options.kv;
    this.#shareIntervalMs = options.shareIntervalMs ?? 2_000;
  }

  #seenOf(tenant: string): Set<string> {
    let seen = this.#seen.get(tenant);
    if (!seen) this.#seen.set(tenant, seen = new Set());
    return seen;
  }

  #pendingOf(tenant: string): Pending {
    let pending = this.#pending.get(tenant);
    if (!pending) {
      pending = {
        requests: new Map(),
        byTarget: new Map(),
        lastPollAt: Number.NEGATIVE_INFINITY,
        newestAt: this.#now(),
      };
      this.#pending.set(tenant, pending);
    }
    return pending;
  }

  /**
   * A request made for the same `target` of `tenant` within `reuseForMs` that is still
   * pending: handing its link again spares Integration.app one request per retried call.
   */
  reusable(
    tenant: string,
    target: string,
    reuseForMs = 10 * 60 * 1000,
  ): ConnectionRequest | undefined {
    const pending = this.#pending.get(tenant);
    const made = pending?.byTarget.get(target);
    if (!pending || !made) return undefined;
    if (this.#now() - made.at >= reuseForMs || !pending.requests.has(made.request.id)) {
      pending.byTarget.delete(target);
      return undefined;
    }
    return made.request;
  }

  /**
   * Starts watching `request` of `tenant` (made for `target`, when given). Watched here at
   * once; resolves when it is shared with other instances.
   */
  async expect(tenant: string, request: ConnectionRequest, target?: string): Promise<void> {
    if (typeof request.id !== "string" || request.id.length === 0) return;
    const pending = this.#pendingOf(tenant);
    const until = this.#now() + this.#watchForMs;
    pending.requests.set(request.id, until);
    if (target !== undefined) pending.byTarget.set(target, { request, at: this.#now() });
    // The first check after the user acts should not wait for the interval.
    pending.lastPollAt = Number.NEGATIVE_INFINITY;
    pending.newestAt = this.#now();
    await this.#kv?.set(sharedKey(tenant, request.id), { until } satisfies SharedRequest, {
      expireIn: this.#watchForMs,
    });
  }

  /** Whether `tenant` has a request being watched. */
  has(tenant: string): boolean {
    return (this.#pending.get(tenant)?.requests.size ?? 0) > 0;
  }

  /**
   * Asks Integration.app about `tenant`'s pending requests, unless asked within the poll
   * interval (`force`: even then); resolves `true` when one completed since (the catalog is
   * then outdated).
   * Never throws: a failed poll is retried at the next interval.
   */
  async completed(
    tenant: string,
    api: IntegrationAppApi,
    options: { force?: boolean } = {},
  ): Promise<boolean> {
    const seenElsewhere = await this.#discover(tenant, options.force ?? false);
    const pending = this.#pending.get(tenant);
    if (!pending || pending.requests.size === 0) return seenElsewhere;
    if (pending.polling) return await pending.polling || seenElsewhere;
    const now = this.#now();
    const interval = now - pending.newestAt < this.#recentForMs
      ? this.#pollIntervalMs
      : this.#slowPollIntervalMs;
    if (!options.force && now - pending.lastPollAt < interval) return false;
    pending.lastPollAt = now;
    pending.polling = this.#poll(tenant, pending, api).finally(() => pending.polling = undefined);
    return await pending.polling || seenElsewhere;
  }

  /**
   * Looks in KV for `tenant`'s requests made or completed on other instances (at most once per
   * share interval, unless `force`): watches the pending ones here too; resolves `true` when
   * one completed that this instance had not accounted for. Never throws.
   */
  async #discover(tenant: string, force: boolean): Promise<boolean> {
    if (!this.#kv) return false;
    const now = this.#now();
    if (
      !force &&
      now - (this.#sharedAt.get(tenant) ?? Number.NEGATIVE_INFINITY) < this.#shareIntervalMs
    ) {
      return false;
    }
    this.#sharedAt.set(tenant, now);
    let done = false;
    try {
      const entries = this.#kv.list<SharedRequest>(
        { prefix: ["connect_pending", tenant] },
        { limit: SHARED_LIST_LIMIT },
      );
      for await (const entry of entries) {
        const id = String(entry.key[2]);
        const seen = this.#seenOf(tenant);
        if (seen.has(id)) continue;
        if (typeof entry.value?.completedAt === "number") {
          seen.add(id);
          this.#pending.get(tenant)?.requests.delete(id);
          done = true;
        } else if (typeof entry.value?.until === "number" && entry.value.until > now) {
          const pending = this.#pendingOf(tenant);
          if (!pending.requests.has(id)) pending.requests.set(id, entry.value.until);
        }
      }
    } catch {
      // KV trouble: looked at again at the next interval.
    }
    return done;
  }

  /** Shares that `id` completed (kept while others may still need to learn it). */
  async #shareCompleted(tenant: string, id: string, until: number): Promise<void> {
    const now = this.#now();
    if (!this.#kv || until <= now) return;
    await this.#kv.set(sharedKey(tenant, id), { until, completedAt: now } satisfies SharedRequest, {
      expireIn: until - now,
    }).catch(() => undefined);
  }

  async #forget(tenant: string, id: string): Promise<void> {
    await this.#kv?.delete(sharedKey(tenant, id)).catch(() => undefined);
  }

  async #poll(tenant: string, pending: Pending, api: IntegrationAppApi): Promise<boolean> {
    let done = false;
    for (const [id, until] of [...pending.requests]) {
      if (until <= this.#now()) {
        pending.requests.delete(id);
        await this.#forget(tenant, id);
        continue;
      }
      try {
        const request = await api.getConnectionRequest(id);
        const status = String(request.status ?? "").toLowerCase();
        if (FINISHED.has(status) || (typeof request.connectionId === "string" && !status)) {
          pending.requests.delete(id);
          this.#seenOf(tenant).add(id);
          await this.#shareCompleted(tenant, id, until);
          done = true;
        } else if (ABANDONED.has(status)) {
          pending.requests.delete(id);
          await this.#forget(tenant, id);
        }
      } catch {
        // Asked again at the next interval.
      }
    }
    if (pending.requests.size === 0) this.#pending.delete(tenant);
    return done;
  }
}
