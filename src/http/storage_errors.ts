/**
 * Storage faults a client can simply retry: Deno KV on SQLite reports lock contention (several
 * processes writing one file) as an error, which is answered 503 with `Retry-After`, not 500.
 *
 * @module
 */
import { HttpError } from "./errors.ts";

/** Whether `error` is Deno KV reporting contention that a retry can clear. */
export function isTransientStorageError(error: unknown): boolean {
  return error instanceof Error && /database (table )?is (locked|busy)/i.test(error.message);
}

/** The 503 answered for a transient storage fault. */
export function storageBusy(): HttpError {
  return new HttpError(503, "Service Unavailable: the session store is busy; retry shortly", {
    headers: { "retry-after": "1" },
  });
}
