/**
 * Connection requests a customer was sent but has not finished yet. While one is pending,
 * listings and calls ask Integration.app (at most once per poll interval per customer)
 * whether it completed; when it has, the customer's catalog is rebuilt before the answer,
 * so the new tools show at once instead of after the catalog's time-to-live.
 *
 * Pending requests live in this instance's memory: a request made on one instance is watched
 * there (another instance still sees the new tools once its catalog expires, or at once when
 * a call reports the connection missing).
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
  now?: () => number;
}

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
  readonly #pending = new LruMap<string, Pending>(10_000);

  constructor(options: ConnectionWatchOptions = {}) {
    this.#pollIntervalMs = options.pollIntervalMs ?? 2_000;
    this.#slowPollIntervalMs = options.slowPollIntervalMs ?? 15_000;
    this.#recentForMs = options.recentForMs ?? 5 * 60 * 1000;
    this.#watchForMs = options.watchForMs ?? 30 * 60 * 1000;
    this.#now = options.now ?? Date.now;
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

  /** Starts watching `request` of `tenant` (made for `target`, when given). */
  expect(tenant: string, request: ConnectionRequest, target?: string): void {
    if (typeof request.id !== "string" || request.id.length === 0) return;
    const pending = this.#pending.get(tenant) ??
      {
        requests: new Map(),
        byTarget: new Map(),
        lastPollAt: Number.NEGATIVE_INFINITY,
        newestAt: this.#now(),
      };
    pending.requests.set(request.id, this.#now() + this.#watchForMs);
    if (target !== undefined) pending.byTarget.set(target, { request, at: this.#now() });
    // The first check after the user acts should not wait for the interval.
    pending.lastPollAt = Number.NEGATIVE_INFINITY;
    pending.newestAt = this.#now();
    this.#pending.set(tenant, pending);
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
    const pending = this.#pending.get(tenant);
    if (!pending || pending.requests.size === 0) return false;
    if (pending.polling) return await pending.polling;
    const now = this.#now();
    const interval = now - pending.newestAt < this.#recentForMs
      ? this.#pollIntervalMs
      : this.#slowPollIntervalMs;
    if (!options.force && now - pending.lastPollAt < interval) return false;
    pending.lastPollAt = now;
    pending.polling = this.#poll(tenant, pending, api).finally(() => pending.polling = undefined);
    return await pending.polling;
  }

  async #poll(tenant: string, pending: Pending, api: IntegrationAppApi): Promise<boolean> {
    let done = false;
    for (const [id, until] of [...pending.requests]) {
      if (until <= this.#now()) {
        pending.requests.delete(id);
        continue;
      }
      try {
        const request = await api.getConnectionRequest(id);
        const status = String(request.status ?? "").toLowerCase();
        if (FINISHED.has(status) || (typeof request.connectionId === "string" && !status)) {
          pending.requests.delete(id);
          done = true;
        } else if (ABANDONED.has(status)) {
          pending.requests.delete(id);
        }
      } catch {
        // Asked again at the next interval.
      }
    }
    if (pending.requests.size === 0) this.#pending.delete(tenant);
    return done;
  }
}
