/**
 * Work started for later (cache refreshes, prefetches) that shutdown must wait for, so KV is
 * never closed under a write in flight.
 *
 * @module
 */

/** Tracks promises started in the background. */
export class BackgroundTasks {
  #running = new Set<Promise<unknown>>();
  /** Ends every pending `idle` wait at once (set while a drain is under way). */
  #waits = new Set<() => void>();
  #draining = false;

  /** Runs `task` in the background; its failure goes to `onError`. */
  run(task: Promise<unknown>, onError: (error: unknown) => void): void {
    const tracked = task.catch(onError).finally(() => this.#running.delete(tracked));
    this.#running.add(tracked);
  }

  /**
   * Waits `ms` before deferred work goes on, so it does not compete with the requests being
   * served; a drain ends the wait at once, so shutdown (and a test) never waits for it.
   */
  idle(ms: number): Promise<void> {
    if (this.#draining) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waits.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#waits.add(done);
    });
  }

  /** Resolves when every task started so far (and any they start) has settled. */
  async drain(): Promise<void> {
    this.#draining = true;
    try {
      while (this.#running.size > 0) {
        for (const done of [...this.#waits]) done();
        await Promise.allSettled([...this.#running]);
      }
    } finally {
      this.#draining = false;
    }
  }
}
