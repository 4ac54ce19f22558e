/**
 * Entry point: reads the configuration, opens Deno KV and serves MCP over HTTP until
 * SIGINT/SIGTERM, then drains in-flight requests and closes KV.
 *
 * @module
 */
import { createServices } from "./src/app.ts";
import { ConfigError, loadConfig } from "./src/config.ts";
import { createHandler } from "./src/http/handler.ts";
import { originPolicyWarnings } from "./src/http/origin_guard.ts";
import { openKv } from "./src/kv.ts";
import { createLogger } from "./src/log.ts";
import { createBufferedSink } from "./src/log_sink.ts";
import { canReadEnvironment, missingPermissions } from "./src/permissions.ts";
import { warmUp } from "./src/warm_up.ts";

function fail(message: string): never {
  // deno-lint-ignore no-console
  console.error(JSON.stringify({ time: new Date().toISOString(), level: "error", msg: message }));
  Deno.exit(1);
}

/** Explains a permission the server was started without, naming the flag that grants it. */
function permissionHint(error: unknown, what: string): string {
  const message = error instanceof Error ? error.message : String(error);
  return `Cannot ${what}: ${message}. Start the server with the permission it names ` +
    `(see README, "Permissions").`;
}

async function main(): Promise<void> {
  if (!canReadEnvironment()) {
    fail(
      "Cannot read the environment: start the server with --allow-env, without a list of " +
        "names (the Integration.app SDK reads every variable when it loads; see README, " +
        '"Permissions")',
    );
  }
  let config;
  try {
    config = loadConfig(Deno.env.toObject());
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
  // Request lines are batched into one write every few ms (see log_sink.ts). With OpenTelemetry
  // on, each line goes through console.log, which Deno exports as one log record per line.
  const logSink = Deno.env.get("OTEL_DENO") === "true" ? undefined : createBufferedSink();
  const logger = createLogger(config.logLevel, logSink?.sink);
  globalThis.addEventListener("unload", () => logSink?.flush());
  for (
    const warning of originPolicyWarnings({
      bindHost: config.host,
      allowedHosts: config.allowedHosts,
      allowedOrigins: config.allowedOrigins,
    })
  ) logger.warn(warning);
  // Deno Deploy grants what a deployment may do and has no permission flags to check.
  if (!Deno.env.get("DENO_DEPLOYMENT_ID")) {
    const missing = await missingPermissions(config);
    if (missing.length > 0) {
      fail(
        `Missing permissions: ${missing.join("; ")}. Add them to the deno run command ` +
          `(see README, "Permissions")`,
      );
    }
  }
  // Loaded only now: the SDK reads the whole environment when it loads (see above).
  const { apiOptionsFromConfig, createIntegrationAppApiFactory } = await import(
    "./src/integration_app/client.ts"
  );
  let kv: Deno.Kv;
  try {
    kv = await openKv(config.kvPath);
  } catch (error) {
    fail(permissionHint(error, `open Deno KV at ${config.kvPath ?? "(default)"}`));
  }
  const services = createServices({
    config,
    kv,
    logger,
    apiFactory: createIntegrationAppApiFactory(apiOptionsFromConfig(config)),
  });
  // Compile the request paths before the first request needs them (see warm_up.ts).
  const warming = performance.now();
  const warm = await warmUp(config).catch((error) => ({ error }));
  logger.debug("warmed up", { ...warm, ms: Math.round(performance.now() - warming) });
  let server: Deno.HttpServer;
  try {
    server = Deno.serve({
      hostname: config.host,
      port: config.port,
      onListen: ({ hostname, port }) =>
        logger.info("listening", { url: `http://${hostname}:${port}/mcp`, api: config.apiUrl }),
    }, createHandler(services));
  } catch (error) {
    fail(permissionHint(error, `listen on ${config.host}:${config.port}`));
  }

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down", { signal });
    const grace = new Promise((resolve) => setTimeout(resolve, config.shutdownGraceMs));
    await Promise.race([
      // Open subscriptions/listen streams end first (gracefully), or shutdown would wait on them.
      services.changes.close()
        .then(() => server.shutdown())
        .then(() => services.background.drain()),
      grace,
    ]);
    kv.close();
    logSink?.flush();
    Deno.exit(0);
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    try {
      Deno.addSignalListener(signal, () => void shutdown(signal));
    } catch {
      // Signals are not available on every platform (e.g. Deno Deploy): nothing to drain there.
    }
  }
  await server.finished;
}

if (import.meta.main) await main();
