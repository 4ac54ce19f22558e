/**
 * Waiting, written once: a pause, the one timeout race of the server (a deadline that rejects
 * with a given error), and a task run against it with an abort signal.
 *
 * @module
 */

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A promise that rejects when a deadline passes, and the way to call it off. */
export interface Deadline {
  /** Rejects with the deadline's error once it passes; never settles when `ms` is not finite. */
  readonly expired: Promise<never>;
  /** Calls the deadline off (the timer no longer runs). */
  clear(): void;
}

/** Deadlines at least this long are kept by one shared ticking timer instead of one each. */
export const SHARED_DEADLINE_MS = 1_000;
/** The shared timer's period: a shared deadline ends up to two of these late, never early. */
export const DEADLINE_TICK_MS = 50;

/** The shared deadlines, by the tick (a `performance.now()` time) at which they end. */
const pending = new Map<number, Set<() => void>>();
/** How many shared deadlines are pending. */
let pendingCount = 0;
/** The ticking timer, running while a shared deadline is pending. */
let ticker: ReturnType<typeof setInterval> | undefined;

function stopTicking(): void {
  clearInterval(ticker);
  ticker = undefined;
}

/** Ends the shared deadlines whose time has come. */
function tick(): void {
  const now = performance.now();
  for (const [end, expiries] of pending) {
    if (end > now) continue;
    pending.delete(end);
    for (const expire of expiries) {
      // One at a time: an expiry may call off others of the same tick, which then do not run.
      expiries.delete(expire);
      pendingCount--;
      expire();
    }
  }
  if (pendingCount === 0) stopTicking();
}

/**
 * Runs `expire` at the first tick after `ms` from now. One timer serves every such deadline:
 * a request's body and upstream deadlines, seconds long, are set and called off on every call,
 * and a timer of its own costs more than the rest of a deadline. The timer runs only while a
 * deadline is pending (so it holds neither the process nor a test's sanitizer). Returns the
 * way to call the deadline off.
 */
function sharedDeadline(ms: number, expire: () => void): () => void {
  const end = Math.ceil((performance.now() + ms) / DEADLINE_TICK_MS) * DEADLINE_TICK_MS;
  let expiries = pending.get(end);
  if (!expiries) pending.set(end, expiries = new Set());
  expiries.add(expire);
  pendingCount++;
  ticker ??= setInterval(tick, DEADLINE_TICK_MS);
  const slot = expiries;
  return () => {
    if (!slot.delete(expire)) return;
    pendingCount--;
    if (slot.size === 0 && pending.get(end) === slot) pending.delete(end);
    if (pendingCount === 0) stopTicking();
  };
}

/**
 * A deadline `ms` milliseconds from now that rejects with `error()`; `onExpiry` runs just after
 * with that error. A non-finite `ms` sets none. From `SHARED_DEADLINE_MS` on, deadlines share
 * one ticking timer: one may end up to two `DEADLINE_TICK_MS` late.
 */
export function deadline(
  ms: number,
  error: () => unknown,
  onExpiry?: (error: unknown) => void,
): Deadline {
  let clear = (): void => {};
  const expired = new Promise<never>((_, reject) => {
    if (!Number.isFinite(ms)) return;
    const expire = () => {
      const reason = error();
      reject(reason);
      onExpiry?.(reason);
    };
    if (ms >= SHARED_DEADLINE_MS) {
      clear = sharedDeadline(ms, expire);
      return;
    }
    const timer = setTimeout(expire, ms);
    clear = () => clearTimeout(timer);
  });
  return { expired, clear: () => clear() };
}

/**
 * Runs `task`, rejecting with `error()` after `ms` milliseconds; the signal given to `task` is
 * aborted with that error then, so its work (e.g. an HTTP request) is cancelled rather than
 * abandoned.
 */
export async function withTimeout<T>(
  task: (signal: AbortSignal) => Promise<T>,
  ms: number,
  error: () => unknown,
): Promise<T> {
  const controller = new AbortController();
  const limit = deadline(ms, error, (reason) => controller.abort(reason));
  try {
    return await Promise.race([task(controller.signal), limit.expired]);
  } finally {
    limit.clear();
  }
}
