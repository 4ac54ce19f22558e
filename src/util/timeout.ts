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

/**
 * A deadline `ms` milliseconds from now that rejects with `error()`; `onExpiry` runs just after
 * with that error. A non-finite `ms` sets none.
 */
export function deadline(
  ms: number,
  error: () => unknown,
  onExpiry?: (error: unknown) => void,
): Deadline {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    if (!Number.isFinite(ms)) return;
    timer = setTimeout(() => {
      const reason = error();
      reject(reason);
      onExpiry?.(reason);
    }, ms);
  });
  return { expired, clear: () => clearTimeout(timer) };
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
