/**
 * Work started for later (cache refreshes, prefetches) that shutdown must wait for, so KV is
 * never closed under a write in flight.
 *
 * @module
 */

/** Tracks promises started in the background. */
export class BackgroundTasks {
  #running = new Set<Promise<unknown>>();

  /** Runs `task` in the background; its failure goes to `onError`. */
  run(task: Promise<unknown>, onError: (error: unknown) => void): void {
    const tracked = task.catch(onError).finally(() => this.#running.delete(tracked));
    this.#running.add(tracked);
  }

  /** Resolves when every task started so far (and any they start) has settled. */
  async drain(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }
}
