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

/** Deadlines at least this long share a timer with the others that end in the same slot. */
export const SHARED_DEADLINE_MS = 1_000;
/** The length of a slot: a shared deadline ends up to this much after its time, never before. */
export const DEADLINE_SLOT_MS = 50;

/** One shared timer and the deadlines it ends. */
interface Slot {
  timer: ReturnType<typeof setTimeout>;
  expiries: Set<() => void>;
}

/** The pending slots, by the time (`performance.now()`) at which they end. */
const slots = new Map<number, Slot>();

/**
 * Runs `expire` at the end of the slot `ms` from now (a timer per slot, not per deadline: a
 * request's body and upstream deadlines, seconds long, are set and cleared on every call, and
 * a timer costs more than the rest of them). Returns the way to call it off.
 */
function inSlot(ms: number, expire: () => void): () => void {
  const end = Math.ceil((performance.now() + ms) / DEADLINE_SLOT_MS) * DEADLINE_SLOT_MS;
  let slot = slots.get(end);
  if (!slot) {
    const expiries = new Set<() => void>();
    const timer = setTimeout(() => {
      slots.delete(end);
      for (const run of expiries) run();
    }, end - performance.now());
    slot = { timer, expiries };
    slots.set(end, slot);
  }
  const { expiries, timer } = slot;
  expiries.add(expire);
  return () => {
    if (!expiries.delete(expire) || expiries.size > 0) return;
    clearTimeout(timer);
    slots.delete(end);
  };
}

/**
 * A deadline `ms` milliseconds from now that rejects with `error()`; `onExpiry` runs just after
 * with that error. A non-finite `ms` sets none. From `SHARED_DEADLINE_MS` on, deadlines share
 * timers: one may end up to `DEADLINE_SLOT_MS` late.
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
      clear = inSlot(ms, expire);
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
