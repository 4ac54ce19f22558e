/**
 * Small concurrency helpers.
 *
 * @module
 */

/** Maps `items` through `fn` with at most `limit` calls in flight; keeps the input order. */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  }
  const workers = Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker);
  await Promise.all(workers);
  return results;
}

/** Runs at most one `task` per key at a time: concurrent callers share the same promise. */
export class SingleFlight<T> {
  #inflight = new Map<string, Promise<T>>();

  /** Returns the running task for `key`, or starts `task`. */
  run(key: string, task: () => Promise<T>): Promise<T> {
    const running = this.#inflight.get(key);
    if (running) return running;
    const started = task().finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, started);
    return started;
  }

  /** Whether a task for `key` is running. */
  has(key: string): boolean {
    return this.#inflight.has(key);
  }
}

/** A size-bounded map that forgets the least recently used entry first. */
export class LruMap<K, V> {
  #map = new Map<K, V>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  /** Reads an entry and marks it as recently used. */
  get(key: K): V | undefined {
    const value = this.#map.get(key);
    if (value === undefined) return undefined;
    this.#map.delete(key);
    this.#map.set(key, value);
    return value;
  }

  /** Stores an entry, evicting the oldest one beyond the bound. */
  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.#max) {
      const oldest = this.#map.keys().next();
      if (!oldest.done) this.#map.delete(oldest.value);
    }
  }

  /** Removes an entry. */
  delete(key: K): void {
    this.#map.delete(key);
  }

  /** The entries, oldest first. */
  entries(): IterableIterator<[K, V]> {
    return this.#map.entries();
  }

  /** Number of entries. */
  get size(): number {
    return this.#map.size;
  }
}
