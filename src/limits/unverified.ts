/**
 * Limits on traffic whose token is not already verified: requests without a token, with a
 * malformed or refused one, and first uses of a token (which may cost Integration.app a
 * `/self` call). Each client address has a token bucket for them: a check takes a token
 * before it runs and gives it back when the token is accepted, so refusals drain the bucket
 * and a flood of forged tokens costs Integration.app a bounded number of calls per second,
 * while real customers' first requests only count while they are being checked. At most a
 * few checks run at once in the whole instance. Tokens accepted before pass without either.
 *
 * @module
 */
import { LruMap } from "../util/concurrency.ts";
import { LimitExceededError } from "./limit_error.ts";
import { TokenBucket } from "./token_bucket.ts";

/** Options for `UnverifiedLimits`. */
export interface UnverifiedLimitsOptions {
  /** Unverified requests per second per client address, and the burst above it. */
  perSecond: number;
  burst: number;
  /** Token checks with Integration.app in flight at once, in the whole instance. */
  concurrentChecks: number;
  /** Checks waiting for a slot before more are refused with 503. */
  maxQueuedChecks?: number;
  /** Client addresses tracked (least recently seen ones are forgotten first). */
  maxAddresses?: number;
  now?: () => number;
}

/** Too many token checks are waiting: the instance is flooded (answered with 503). */
export class ChecksBusyError extends Error {
  override name = "ChecksBusyError";
}

/**
 * The key an address is limited by: an IPv6 address by its /64 (one host usually holds a
 * whole /64), anything else as it is.
 */
export function addressKey(address: string): string {
  const ip = address.replace(/^\[|\]$/g, "").toLowerCase();
  if (!ip.includes(":") || ip.startsWith("::ffff:")) return ip.replace(/^::ffff:/, "");
  const [head = "", tail = ""] = ip.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = ip.includes("::")
    ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right]
    : left;
  return `${groups.slice(0, 4).map((group) => group.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

/** Per-address rate limit and instance-wide concurrency cap of unverified requests. */
export class UnverifiedLimits {
  readonly perSecond: number;
  readonly burst: number;
  readonly #buckets: LruMap<string, TokenBucket>;
  readonly #concurrentChecks: number;
  readonly #maxQueued: number;
  readonly #now: () => number;
  #running = 0;
  readonly #queue: (() => void)[] = [];

  constructor(options: UnverifiedLimitsOptions) {
    this.perSecond = options.perSecond;
    this.burst = options.burst;
    this.#buckets = new LruMap(options.maxAddresses ?? 50_000);
    this.#concurrentChecks = options.concurrentChecks;
    this.#maxQueued = options.maxQueuedChecks ?? 1_000;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Counts one unverified request from `address`; throws `LimitExceededError` over the limit.
   * The returned function gives the count back (for a token Integration.app then accepted).
   */
  charge(address: string): () => void {
    const key = addressKey(address);
    const now = this.#now();
    let bucket = this.#buckets.get(key);
    if (!bucket) this.#buckets.set(key, bucket = new TokenBucket(this.perSecond, this.burst, now));
    const waitMs = bucket.take(1, now);
    if (waitMs === 0) {
      let refunded = false;
      return () => {
        if (refunded) return;
        refunded = true;
        bucket.refund(1, this.#now());
      };
    }
    throw new LimitExceededError(
      `Too many requests without a verified token from this address: at most ` +
        `${this.perSecond} per second (bursts of ${this.burst}); retry in ` +
        `${Math.ceil(waitMs / 1000)} s with a valid Integration.app token`,
      waitMs / 1000,
    );
  }

  /** Runs `check` when fewer than the allowed checks run; throws `ChecksBusyError` when too many wait. */
  async check<T>(check: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#concurrentChecks) {
      if (this.#queue.length >= this.#maxQueued) {
        throw new ChecksBusyError("Too many token checks are waiting");
      }
      await new Promise<void>((resolve) => this.#queue.push(resolve));
    } else {
      this.#running++;
    }
    try {
      return await check();
    } finally {
      // Hand the slot straight to the next waiter, or give it back.
      const next = this.#queue.shift();
      if (next) next();
      else this.#running--;
    }
  }

  /** Token checks running now (tests). */
  get running(): number {
    return this.#running;
  }
}
