/**
 * `GET /healthz`: liveness and readiness. Ready means Deno KV answers a read in time. The
 * body names only the state of each dependency, never configuration or secrets.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import { jsonResponse } from "./errors.ts";
import { withTimeout } from "../util/timeout.ts";

/** Longest wait for KV before the instance reports itself unready. */
const HEALTH_KV_TIMEOUT_MS = 3_000;

/** Answers 200 `{status: "ok"}` when KV answers, else 503 `{status: "unavailable"}`. */
export async function healthResponse(
  kv: Deno.Kv,
  logger: Logger,
  timeoutMs = HEALTH_KV_TIMEOUT_MS,
): Promise<Response> {
  try {
    await withTimeout(
      () => kv.get(["health"]),
      timeoutMs,
      () => new Error(`No answer within ${timeoutMs} ms`),
    );
    return jsonResponse({ status: "ok" }, 200, { "cache-control": "no-store" });
  } catch (error) {
    logger.warn("health check failed", { error });
    return jsonResponse({ status: "unavailable", reason: "Deno KV did not answer" }, 503, {
      "cache-control": "no-store",
    });
  }
}
