/**
 * Opening Deno KV from the configuration, with brief retries of lock contention: several
 * processes writing one SQLite file (replicas on a shared volume, a restart overlapping the
 * old process) make SQLite answer "database is locked" now and then, which a retry clears.
 *
 * @module
 */
import { delay } from "./util/timeout.ts";

/** How often, and after which pauses (ms), an operation refused by lock contention is retried. */
const LOCK_RETRY_DELAYS_MS = [2, 5, 10, 20, 40, 80, 160] as const;

/** Whether `error` is Deno KV reporting lock contention that a retry can clear. */
export function isTransientStorageError(error: unknown): boolean {
  return error instanceof Error && /database (table )?is (locked|busy)/i.test(error.message);
}

/** Opens KV at `path`: a file (its folder is created), `:memory:`, a URL, or Deno's default. */
export async function openKv(path: string | undefined): Promise<Deno.Kv> {
  if (path !== undefined && path !== ":memory:" && !/^https?:\/\//.test(path)) {
    const folder = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".";
    if (folder) await Deno.mkdir(folder, { recursive: true });
  }
  return retryLockContention(path === undefined ? await Deno.openKv() : await Deno.openKv(path));
}

/** Runs `operation`, again after a short pause while KV answers with lock contention. */
export async function withLockRetry<T>(
  operation: () => Promise<T>,
  sleep: (ms: number) => Promise<void> = delay,
): Promise<T> {
  for (const pause of LOCK_RETRY_DELAYS_MS) {
    try {
      return await operation();
    } catch (error) {
      if (!isTransientStorageError(error)) throw error;
      await sleep(pause + Math.random() * pause);
    }
  }
  return await operation();
}

/** Point reads and writes whose refusal for lock contention is retried (nothing was applied). */
const RETRIED_METHODS = new Set<PropertyKey>(["get", "getMany", "set", "delete"]);

/**
 * `kv` with reads, writes and atomic commits retried briefly on lock contention. A refused
 * SQLite transaction applied nothing, so a retried commit re-checks its versionstamps.
 */
export function retryLockContention(kv: Deno.Kv): Deno.Kv {
  return new Proxy(kv, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      if (property === "atomic") return () => retryCommit(target.atomic());
      if (RETRIED_METHODS.has(property)) {
        return (...args: unknown[]) => withLockRetry(() => value.apply(target, args));
      }
      return value.bind(target);
    },
  });
}

function retryCommit(operation: Deno.AtomicOperation): Deno.AtomicOperation {
  const proxy: Deno.AtomicOperation = new Proxy(operation, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      if (property === "commit") return () => withLockRetry(() => target.commit());
      return (...args: unknown[]) => {
        const result = value.apply(target, args);
        return result === target ? proxy : result;
      };
    },
  });
  return proxy;
}
