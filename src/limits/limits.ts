/**
 * The per-customer limits of one instance: requests and tool calls per second (token buckets
 * synced across instances through KV in the background), requests in flight, and live
 * sessions and chats per customer. Every check but `admitSession` and `admitChat` is
 * synchronous and touches no KV.
 *
 * @module
 */
import type { Config } from "../config.ts";
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
  /** Requests of one tenant served at once. */
  maxInFlightPerTenant?: number;
  /** Bytes of request bodies of one tenant being read at once. */
  maxBodyBytesInFlightPerTenant?: number;
  /** Live chats per tenant. */
  maxChatsPerTenant?: number;
  /** Counts a tenant's live chats (stopping at the limit it is given). */
  countChats?: SessionCounter;
  /** Counts a tenant's live sessions (stopping at the limit it is given). */
  countSessions: SessionCounter;
  /** Least time between two syncs of the rate limits with KV, in ms. */
  syncIntervalMs?: number;
  now?: () => number;
}

/** The rates and caps `config` sets, as `Limits` takes them. */
export function configuredLimits(config: Config): Pick<
  LimitsOptions,
  | "requestsPerSecond"
  | "requestBurst"
  | "toolCallsPerSecond"
  | "toolCallBurst"
  | "maxSessionsPerTenant"
  | "maxInFlightPerTenant"
  | "maxBodyBytesInFlightPerTenant"
  | "maxChatsPerTenant"
> {
  return {
    requestsPerSecond: config.rateLimitPerSecond,
    requestBurst: config.rateLimitBurst,
    toolCallsPerSecond: config.toolCallRateLimitPerSecond,
    toolCallBurst: config.toolCallRateLimitBurst,
    maxSessionsPerTenant: config.maxSessionsPerTenant,
    maxInFlightPerTenant: config.maxInFlightPerTenant,
    // One body of the largest size always fits.
    maxBodyBytesInFlightPerTenant: Math.max(
      config.maxBodyBytesInFlightPerTenant,
      config.maxBodyBytes,
    ),
    maxChatsPerTenant: config.maxChatsPerTenant,
  };
}

/** Runs `create` within `cap`: its slot becomes a record, or is given back when it fails. */
async function admit<T>(cap: SessionCap, tenant: string, create: () => Promise<T>): Promise<T> {
  await cap.admit(tenant);
  let result: T;
  try {
    result = await create();
  } catch (error) {
    cap.release(tenant);
    throw error;
  }
  cap.created(tenant);
  return result;
}

function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/** Checks requests, tool calls and new sessions against the per-customer limits. */
export class Limits {
  readonly requests: RateLimiter;
  readonly toolCalls: RateLimiter;
  readonly sessions: SessionCap;
  readonly chats: SessionCap;
  readonly #logger: Logger;
  readonly #background: BackgroundTasks;
  readonly maxInFlight: number;
  readonly #inFlight = new Map<string, number>();
  readonly maxBodyBytesInFlight: number;
  readonly #bodyBytes = new Map<string, number>();

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
    this.maxInFlight = options.maxInFlightPerTenant ?? Number.POSITIVE_INFINITY;
    this.maxBodyBytesInFlight = options.maxBodyBytesInFlightPerTenant ?? Number.POSITIVE_INFINITY;
    this.#logger = options.logger;
    this.#background = options.background;
    this.sessions = new SessionCap({
      maxSessions: options.maxSessionsPerTenant,
      count: options.countSessions,
      background: (task) => this.#background.run(task, (error) => this.#warn(error)),
      now: options.now,
    });
    this.chats = new SessionCap({
      maxSessions: options.maxChatsPerTenant ?? Number.POSITIVE_INFINITY,
      count: options.countChats ?? (() => Promise.resolve(0)),
      background: (task) => this.#background.run(task, (error) => this.#warn(error)),
      refusal: (held, max) =>
        `Too many chats: this customer holds ${held} of the ${max} allowed. Delete chats ` +
        `that are no longer used (DELETE /mcp/sessions/{chatId}) or reuse one; chats are ` +
        `never evicted`,
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

  /**
   * Counts a request of `tenant` as in flight until the returned function is called; throws
   * `LimitExceededError` when the tenant already has the most allowed.
   */
  enterRequest(tenant: string): () => void {
    const current = this.#inFlight.get(tenant) ?? 0;
    if (current >= this.maxInFlight) {
      throw new LimitExceededError(
        `Too many requests in flight: this customer may have ${this.maxInFlight} requests ` +
          `being served at once; retry when some have finished`,
        1,
      );
    }
    this.#inFlight.set(tenant, current + 1);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const remaining = (this.#inFlight.get(tenant) ?? 1) - 1;
      if (remaining > 0) this.#inFlight.set(tenant, remaining);
      else this.#inFlight.delete(tenant);
    };
  }

  /**
   * The memory `tenant`'s request bodies may take while they arrive: taking more than
   * `maxBodyBytesInFlight` throws `LimitExceededError`.
   */
  bodyBudget(tenant: string): { take(bytes: number): void; give(bytes: number): void } {
    const held = () => this.#bodyBytes.get(tenant) ?? 0;
    return {
      take: (bytes) => {
        if (held() + bytes > this.maxBodyBytesInFlight) {
          throw new LimitExceededError(
            `Too many request bodies arriving at once: this customer may send ` +
              `${Math.floor(this.maxBodyBytesInFlight / 1024 / 1024)} MiB of bodies at a time; ` +
              `retry when earlier requests have finished`,
            1,
          );
        }
        this.#bodyBytes.set(tenant, held() + bytes);
      },
      give: (bytes) => {
        const remaining = held() - bytes;
        if (remaining > 0) this.#bodyBytes.set(tenant, remaining);
        else this.#bodyBytes.delete(tenant);
      },
    };
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
  admitSession<T>(tenant: string, create: () => Promise<T>): Promise<T> {
    return admit(this.sessions, tenant, create);
  }

  /**
   * Runs `create`, which makes a new chat of `tenant`, if the chat cap allows it; throws
   * `LimitExceededError` at the cap.
   */
  admitChat<T>(tenant: string, create: () => Promise<T>): Promise<T> {
    return admit(this.chats, tenant, create);
  }

  /** Syncs both rate limits with KV now (tests, shutdown). */
  async sync(): Promise<void> {
    await Promise.all([this.requests.sync(), this.toolCalls.sync()]);
  }
}
