/**
 * Storage faults a client can simply retry: Deno KV on SQLite reports lock contention (several
 * processes writing one file) as an error; what outlasts the KV layer's own short retries is
 * answered 503 with `Retry-After`, not 500.
 *
 * @module
 */
import { HttpError } from "./errors.ts";

export { isTransientStorageError } from "../kv.ts";

/** The 503 answered for a transient storage fault. */
export function storageBusy(): HttpError {
  return new HttpError(503, "Service Unavailable: the session store is busy; retry shortly", {
    headers: { "retry-after": "1" },
  });
}
