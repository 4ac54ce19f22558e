/**
 * A circuit breaker in front of Integration.app, shared by every customer's client: after a
 * run of consecutive failures that say the service is down (network errors, 5xx, timeouts)
 * calls fail fast for a cooldown instead of piling up; then one probe call is let through,
 * and its outcome closes the circuit again or restarts the cooldown.
 *
 * @module
 */
import { UpstreamError } from "./errors.ts";

/** The key of the `UpstreamError` thrown while the circuit is open. */
export const CIRCUIT_OPEN_KEY = "circuit_open";

/** Options for `CircuitBreaker`. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long the circuit stays open before a probe call is let through, in ms. */
  cooldownMs: number;
  now?: () => number;
}

/** Where the breaker is: calling normally, failing fast, or letting one probe through. */
export type CircuitState = "closed" | "open" | "half_open";

/** Whether a failure says Integration.app itself is down (as opposed to a refused call). */
function isOutageError(error: unknown): boolean {
  return error instanceof UpstreamError &&
    (error.kind === "unavailable" || error.kind === "timeout");
}

/**
 * Whether an action run's failure says Integration.app itself is down. Runs fail, time out
 * or get typed 5xx errors because of the external app or the customer's connection: only a
 * missing answer or a gateway error page counts, so one customer's slow or failing actions
 * never cut off every other customer.
 */
export function isRunOutageError(error: unknown): boolean {
  return error instanceof UpstreamError &&
    (error.network || [502, 503, 504].includes(error.httpStatus ?? 0));
}

/** Counts consecutive outages and fails fast while Integration.app looks down. */
export class CircuitBreaker {
  readonly #threshold: number;
  readonly #cooldownMs: number;
  readonly #now: () => number;
  #failures = 0;
  #openedAt = 0;
  #state: CircuitState = "closed";
  #probing = false;

  constructor(options: CircuitBreakerOptions) {
    this.#threshold = Math.max(1, options.failureThreshold);
    this.#cooldownMs = Math.max(0, options.cooldownMs);
    this.#now = options.now ?? Date.now;
  }

  /** The current state (an open circuit whose cooldown is over reports `half_open`). */
  get state(): CircuitState {
    if (this.#state === "open" && this.#now() - this.#openedAt >= this.#cooldownMs) {
      return "half_open";
    }
    return this.#state;
  }

  /** Runs `task` unless the circuit is open; records whether it showed an outage. */
  async run<T>(
    task: () => Promise<T>,
    isOutage: (error: unknown) => boolean = isOutageError,
  ): Promise<T> {
    this.#admit();
    const probe = this.#state === "half_open";
    try {
      const result = await task();
      this.#succeeded();
      return result;
    } catch (error) {
      if (isOutage(error)) this.#failed();
      else this.#succeeded();
      throw error;
    } finally {
      if (probe) this.#probing = false;
    }
  }

  #admit(): void {
    if (this.#state === "closed") return;
    const waited = this.#now() - this.#openedAt;
    if (this.#state === "open" && waited >= this.#cooldownMs) this.#state = "half_open";
    if (this.#state === "half_open" && !this.#probing) {
      this.#probing = true;
      return;
    }
    const retryAfterMs = this.#state === "open" ? this.#cooldownMs - waited : 1000;
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    throw new UpstreamError(
      "unavailable",
      `Integration.app is unavailable: ${this.#failures} calls in a row failed, so calls are ` +
        `paused; the next attempt is in ${seconds} s`,
      { retryAfterSeconds: seconds, key: CIRCUIT_OPEN_KEY },
    );
  }

  #succeeded(): void {
    this.#failures = 0;
    this.#state = "closed";
  }

  #failed(): void {
    this.#failures++;
    if (this.#state === "half_open" || this.#failures >= this.#threshold) {
      this.#state = "open";
      this.#openedAt = this.#now();
    }
  }
}
