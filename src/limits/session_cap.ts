/**
 * A cap on the live sessions of one tenant. Counting a tenant's sessions reads KV, so it is
 * not done per session: each instance keeps an estimate (the last count plus the sessions it
 * created since). An old estimate is recounted, in the background while the tenant is below
 * half the cap, before answering above it; at the cap a refusal is recounted at most once a
 * `recountMs`. An admission reserves its slot before it returns, so concurrent admissions
 * count each other; the slot becomes a session (`created`) or is given back (`release`).
 * Live sessions are never evicted: a new session is refused instead. Other
 * instances' sessions show up at the next count, so with several instances the cap may be
 * passed by what they create within one refresh interval.
 *
 * @module
 */
import { LruMap } from "../util/concurrency.ts";
import { LimitExceededError } from "./limit_error.ts";

/** Counts the live sessions of a tenant, stopping at `limit`. */
export type SessionCounter = (tenant: string, limit: number) => Promise<number>;

/** Options for `SessionCap`. */
export interface SessionCapOptions {
  maxSessions: number;
  count: SessionCounter;
  /** Age after which an estimate is recounted in the background, in ms. */
  refreshMs?: number;
  /** Least time between two counts of one tenant made to refuse a session, in ms. */
  recountMs?: number;
  /** The refusal's message, when the cap is not on sessions (e.g. chats). */
  refusal?: (held: number, max: number) => string;
  /** What `Retry-After` says when a session is refused, in seconds. */
  retryAfterSeconds?: number;
  /** Runs background recounts (so shutdown can wait for them). */
  background?: (task: Promise<unknown>) => void;
  now?: () => number;
}

interface Estimate {
  /** Live sessions counted in KV. */
  counted: number;
  countedAt: number;
  /** `created` when that count started. */
  baseline: number;
  /** Sessions this instance created for the tenant, in all. */
  created: number;
}

function live(estimate: Estimate): number {
  return estimate.counted + estimate.created - estimate.baseline;
}

/** Refuses a tenant's new session when it already holds `maxSessions` live ones. */
export class SessionCap {
  readonly maxSessions: number;
  readonly #count: SessionCounter;
  readonly #refreshMs: number;
  readonly #recountMs: number;
  readonly #retryAfterSeconds: number;
  readonly #refusal: (held: number, max: number) => string;
  readonly #background: (task: Promise<unknown>) => void;
  readonly #now: () => number;
  readonly #estimates = new LruMap<string, Estimate>(50_000);
  readonly #counting = new Map<string, Promise<Estimate>>();
  /** Per tenant: admitted sessions not yet created nor released. */
  readonly #reserved = new Map<string, number>();

  constructor(options: SessionCapOptions) {
    this.maxSessions = options.maxSessions;
    this.#count = options.count;
    this.#refreshMs = options.refreshMs ?? 10_000;
    this.#recountMs = options.recountMs ?? 1_000;
    this.#retryAfterSeconds = options.retryAfterSeconds ?? 60;
    this.#refusal = options.refusal ??
      ((held, max) =>
        `Too many live sessions: this customer holds ${held} of the ${max} allowed. End ` +
        `sessions that are no longer used (DELETE /mcp) or reuse one; live sessions are never ` +
        `evicted`);
    this.#background = options.background ?? ((task) => void task.catch(() => {}));
    this.#now = options.now ?? Date.now;
  }

  #recount(tenant: string): Promise<Estimate> {
    let counting = this.#counting.get(tenant);
    if (!counting) {
      const countedAt = this.#now();
      const baseline = this.#estimates.get(tenant)?.created ?? 0;
      counting = this.#count(tenant, this.maxSessions).then((counted) => {
        // Sessions created while counting may be in the count or not: they are added again,
        // so the estimate errs on the high side until the next count.
        const created = this.#estimates.get(tenant)?.created ?? baseline;
        const estimate = { counted, countedAt, baseline, created };
        this.#estimates.set(tenant, estimate);
        return estimate;
      }).finally(() => this.#counting.delete(tenant));
      this.#counting.set(tenant, counting);
    }
    return counting;
  }

  /** Live sessions of `tenant` by `estimate`, plus the admitted ones not yet created. */
  #held(tenant: string, estimate: Estimate): number {
    return live(estimate) + (this.#reserved.get(tenant) ?? 0);
  }

  /**
   * Resolves when `tenant` may open one more session, holding a slot for it until `created`
   * or `release`; throws `LimitExceededError` if not.
   */
  async admit(tenant: string): Promise<void> {
    const now = this.#now();
    let estimate = this.#estimates.get(tenant);
    if (!estimate) {
      estimate = await this.#recount(tenant);
    } else if (this.#held(tenant, estimate) >= this.maxSessions) {
      if (now - estimate.countedAt >= this.#recountMs) estimate = await this.#recount(tenant);
    } else if (now - estimate.countedAt >= this.#refreshMs) {
      // Past half the cap, wait for the count (it shows other instances' sessions).
      if (this.#held(tenant, estimate) * 2 >= this.maxSessions) {
        estimate = await this.#recount(tenant);
      } else this.#background(this.#recount(tenant));
    }
    // No await from here on: the check and the reservation are one step, so admissions that
    // waited for the same count see each other's slots.
    estimate = this.#estimates.get(tenant) ?? estimate;
    const held = this.#held(tenant, estimate);
    if (held >= this.maxSessions) {
      throw new LimitExceededError(this.#refusal(held, this.maxSessions), this.#retryAfterSeconds);
    }
    this.#reserved.set(tenant, (this.#reserved.get(tenant) ?? 0) + 1);
  }

  /** Records that the session admitted for `tenant` was created by this instance. */
  created(tenant: string): void {
    this.release(tenant);
    const estimate = this.#estimates.get(tenant);
    if (estimate) estimate.created++;
  }

  /** Gives back the slot of a session admitted for `tenant` but not created. */
  release(tenant: string): void {
    const reserved = (this.#reserved.get(tenant) ?? 0) - 1;
    if (reserved > 0) this.#reserved.set(tenant, reserved);
    else this.#reserved.delete(tenant);
  }
}
