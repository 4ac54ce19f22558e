/**
 * A token bucket: `burst` tokens at most, refilled at `ratePerSecond`. Taking costs tokens;
 * usage seen elsewhere (other instances) drains it, down to one burst of debt.
 *
 * @module
 */

/** A token bucket driven by an external clock (milliseconds). */
export class TokenBucket {
  readonly ratePerSecond: number;
  readonly burst: number;
  #tokens: number;
  #updatedAt: number;

  constructor(ratePerSecond: number, burst: number, now: number) {
    this.ratePerSecond = ratePerSecond;
    this.burst = burst;
    this.#tokens = burst;
    this.#updatedAt = now;
  }

  #refill(now: number): void {
    const elapsed = Math.max(0, now - this.#updatedAt);
    this.#tokens = Math.min(this.burst, this.#tokens + (elapsed * this.ratePerSecond) / 1000);
    this.#updatedAt = Math.max(this.#updatedAt, now);
  }

  /** Tokens available at `now` (negative while in debt). */
  available(now: number): number {
    this.#refill(now);
    return this.#tokens;
  }

  /** Takes `cost` tokens: 0 when taken, else the milliseconds until they would be there. */
  take(cost: number, now: number): number {
    this.#refill(now);
    if (this.#tokens >= cost) {
      this.#tokens -= cost;
      return 0;
    }
    return Math.ceil(((cost - this.#tokens) * 1000) / this.ratePerSecond);
  }

  /** Gives back `cost` tokens taken before (up to a full bucket). */
  refund(cost: number, now: number): void {
    this.#refill(now);
    this.#tokens = Math.min(this.burst, this.#tokens + cost);
  }

  /** Removes `amount` tokens spent elsewhere; the debt is bounded by one burst. */
  drain(amount: number, now: number): void {
    this.#refill(now);
    this.#tokens = Math.max(-this.burst, this.#tokens - amount);
  }
}
