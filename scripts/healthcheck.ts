/**
 * Container health check: exits 0 when `GET /healthz` on this machine's server answers 200,
 * else 1. Run with `--allow-net=127.0.0.1:PORT --allow-env=PORT` (see the Dockerfile).
 *
 * @module
 */
const port = Deno.env.get("PORT") || "3000";
let healthy = false;
try {
  const response = await fetch(`http://127.0.0.1:${port}/healthz`, {
    signal: AbortSignal.timeout(4_000),
  });
  await response.body?.cancel();
  healthy = response.status === 200;
} catch {
  healthy = false;
}
Deno.exit(healthy ? 0 : 1);
