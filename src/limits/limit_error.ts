/**
 * The error a limit raises; the HTTP layer answers it with 429 and `Retry-After`.
 *
 * @module
 */

/** A request went over a per-customer limit; `message` says which and what to do. */
export class LimitExceededError extends Error {
  override name = "LimitExceededError";
  /** Whole seconds after which the same request can succeed. */
  readonly retryAfterSeconds: number;

  constructor(message: string, retryAfterSeconds: number) {
    super(message);
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  }
}
