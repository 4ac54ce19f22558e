/**
 * The per-customer limits of one instance: requests and tool calls per second (token buckets
 * synced across instances through KV in the background) and live sessions per customer.
 * Every check but `admitSession` is synchronous and touches no KV.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { BackgroundTasks } from "../util/background.ts";
import { LimitExceededError } from "./limit_error.ts";
import { RateLimiter } from "./rate_limiter.ts";
import { SessionCap, type SessionCounter } from "./session_cap.ts";

/** Options for `Limits`. */
export interface LimitsOptions {
  kv: Deno.Kv;
  logger: Logger;
  background: BackgroundTasks;
  requestsPerSecond: number;
  requestBurst: number;
  toolCallsPerSecond: number;
  toolCallBurst: number;
  maxSessionsPerTenant: number;
  /** Counts a tenant's live sessions (stopping at the limit it is given). */
  countSessions: SessionCounter;
  /** Least time between two syncs of the rate limits with KV, in ms. */
  syncIntervalMs?: number;
  now?: () => number;
}

function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/** Checks requests, tool calls and new sessions against the per-customer limits. */
export class Limits {
  readonly requests: RateLimiter;
  readonly toolCalls: RateLimiter;
  readonly sessions: SessionCap;
  readonly #logger: Logger;
  readonly #background: BackgroundTasks;

  constructor(options: LimitsOptions) {
    const instanceId = crypto.randomUUID();
    const common = {
      kv: options.kv,
      instanceId,
      syncIntervalMs: options.syncIntervalMs,
      now: options.now,
    };
    this.requests = new RateLimiter({
      ...common,
      name: "requests",
      ratePerSecond: options.requestsPerSecond,
      burst: options.requestBurst,
    });
    this.toolCalls = new RateLimiter({
      ...common,
      name: "tool_calls",
      ratePerSecond: options.toolCallsPerSecond,
      burst: options.toolCallBurst,
    });
    this.#logger = options.logger;
    this.#background = options.background;
    this.sessions = new SessionCap({
      maxSessions: options.maxSessionsPerTenant,
      count: options.countSessions,
      background: (task) => this.#background.run(task, (error) => this.#warn(error)),
      now: options.now,
    });
  }

  #warn(error: unknown): void {
    this.#logger.warn("limits sync failed", { error });
  }

  #syncWhenDue(): void {
    for (const limiter of [this.requests, this.toolCalls]) {
      if (limiter.syncDue) this.#background.run(limiter.sync(), (error) => this.#warn(error));
    }
  }

  /** Counts one request of `tenant`; throws `LimitExceededError` over the limit. */
  checkRequest(tenant: string): void {
    this.#syncWhenDue();
    const decision = this.requests.take(tenant);
    if (decision.ok) return;
    const wait = seconds(decision.retryAfterMs);
    throw new LimitExceededError(
      `Too many requests: this customer may send ${this.requests.ratePerSecond} requests per ` +
        `second (bursts of ${this.requests.burst}); retry in ${wait} s`,
      wait,
    );
  }

  /** Counts `count` tool calls of `tenant`; throws `LimitExceededError` over the limit. */
  checkToolCalls(tenant: string, count: number): void {
    if (count <= 0) return;
    const decision = this.toolCalls.take(tenant, count);
    if (decision.ok) return;
    const wait = seconds(decision.retryAfterMs);
    throw new LimitExceededError(
      `Too many tool calls: this customer may call ${this.toolCalls.ratePerSecond} tools per ` +
        `second (bursts of ${this.toolCalls.burst}); retry in ${wait} s`,
      wait,
    );
  }

  /**
   * Creates a session of `tenant` with `create` if the session cap allows it (concurrent
   * calls count each other); throws `LimitExceededError` at the cap.
   */
  async admitSession<T>(tenant: string, create: () => Promise<T>): Promise<T> {
    await this.sessions.admit(tenant);
    let result: T;
    try {
      result = await create();
    } catch (error) {
      this.sessions.release(tenant);
      throw error;
    }
    this.sessions.created(tenant);
    return result;
  }

  /** Syncs both rate limits with KV now (tests, shutdown). */
  async sync(): Promise<void> {
    await Promise.all([this.requests.sync(), this.toolCalls.sync()]);
  }
}
