/**
 * The server the benchmark measures: by default `main.ts` as its own process, with the start
 * task's permissions (listening on 127.0.0.1, reaching the fake's host) and the default
 * on-disk KV (`./data/kv.sqlite3` of a fresh temporary working folder), as users run it; or,
 * with `--in-process`, the same handler inside the benchmark's process (KV in that folder too).
 *
 * @module
 */
import {
  CONFIG_PATH,
  expandVariables,
  flagValues,
  MAIN_PATH,
  readTask,
  runFlags,
  withFlagValues,
} from "../tests/support/start_flags.ts";

/** A running server under test. */
export interface ServerUnderTest {
  mcpUrl: string;
  /** Milliseconds from the start to the server listening. */
  startupMs: number;
  /** The server's process id (process mode). */
  pid?: number;
  /** The server's resident memory in bytes (after a GC where the server can be asked for one). */
  rssBytes(): Promise<number>;
  /** Stops the server (SIGTERM for a process: a CPU profile is written then). */
  stop(): Promise<void>;
}

/** Options of both kinds of server. */
export interface ServerUnderTestOptions {
  /** The fake Integration.app API's base URL. */
  apiUrl: string;
  /** A fresh folder: the working directory, holding `./data/kv.sqlite3`. */
  dir: string;
  /** Extra environment (limits out of reach, memory bounds). */
  env: Record<string, string>;
  /** Write a V8 CPU profile of the server process into this folder (process mode only). */
  cpuProfDir?: string;
}

/** The permission flags of `deno task start:custom`, listening on 127.0.0.1 instead of 0.0.0.0. */
export async function startFlags(apiUrl: string): Promise<string[]> {
  const command = expandVariables(await readTask("start:custom"), {
    INTEGRATION_APP_API_HOST: new URL(apiUrl).host,
  });
  const flags = runFlags(command);
  const net = flagValues(flags, "net");
  if (!Array.isArray(net)) throw new Error("Cannot read the start:custom task's --allow-net");
  return withFlagValues(flags, "net", ["127.0.0.1", ...net.slice(1)]);
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Reads a stream to its end, handing decoded text to `onText` until it returns true. */
async function drain(
  stream: ReadableStream<Uint8Array>,
  onText: (text: string) => boolean,
): Promise<void> {
  const decoder = new TextDecoder();
  let watching = true;
  // Past the "listening" line the bytes are only discarded: decoding the server's request log
  // would cost this process CPU next to the measured server.
  for await (const chunk of stream) {
    if (watching && onText(decoder.decode(chunk, { stream: true }))) watching = false;
  }
}

/** Resident memory of `pid` in bytes, read with `ps` (reading /proc needs every permission). */
async function processRss(pid: number): Promise<number> {
  const { stdout, success } = await new Deno.Command("ps", {
    args: ["-o", "rss=", "-p", String(pid)],
    stdout: "piped",
    stderr: "null",
  }).output();
  const kib = Number(new TextDecoder().decode(stdout).trim());
  if (!success || !Number.isFinite(kib)) throw new Error(`Cannot read the RSS of ${pid}`);
  return kib * 1024;
}

/** Starts `main.ts` as a process; resolves once it logs that it listens. */
export async function startServerProcess(
  options: ServerUnderTestOptions,
): Promise<ServerUnderTest> {
  const port = freePort();
  const flags = await startFlags(options.apiUrl);
  const profile = options.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfDir}`] : [];
  const started = performance.now();
  const child = new Deno.Command("deno", {
    args: ["run", "--config", CONFIG_PATH, ...profile, ...flags, MAIN_PATH],
    cwd: options.dir,
    env: {
      NO_COLOR: "1",
      NO_PROXY: "127.0.0.1,localhost",
      HOST: "127.0.0.1",
      PORT: String(port),
      INTEGRATION_APP_API_URL: options.apiUrl,
      // Info, as users run it: one log line per request is part of what is measured.
      LOG_LEVEL: "info",
      ...options.env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const listening = Promise.withResolvers<void>();
  const watch = (text: string): boolean => {
    output = (output + text).slice(-20_000);
    if (!output.includes('"msg":"listening"')) return false;
    listening.resolve();
    return true;
  };
  const reading = Promise.all([drain(child.stdout, watch), drain(child.stderr, watch)]);
  const exited = child.status.then((status) => {
    listening.reject(new Error(`Server exited with code ${status.code}:\n${output}`));
    return status;
  });
  const timer = setTimeout(
    () => listening.reject(new Error(`Server did not start:\n${output}`)),
    60_000,
  );
  try {
    await listening.promise;
  } catch (error) {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await exited;
    await reading;
    throw error;
  } finally {
    clearTimeout(timer);
  }
  const startupMs = performance.now() - started;
  return {
    mcpUrl: `http://127.0.0.1:${port}/mcp`,
    startupMs,
    pid: child.pid,
    rssBytes: () => processRss(child.pid),
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      await exited;
      await reading;
    },
  };
}

/** Runs the server's handler in this process, on the KV file of `dir`. */
export async function startInProcess(options: ServerUnderTestOptions): Promise<ServerUnderTest> {
  const started = performance.now();
  const [{ createServices }, { loadConfig }, { createHandler }, client, { createLogger }] =
    await Promise.all([
      import("../src/app.ts"),
      import("../src/config.ts"),
      import("../src/http/handler.ts"),
      import("../src/integration_app/client.ts"),
      import("../src/log.ts"),
    ]);
  const config = loadConfig({
    HOST: "127.0.0.1",
    PORT: "0",
    INTEGRATION_APP_API_URL: options.apiUrl,
    LOG_LEVEL: "info",
    ...options.env,
  });
  await Deno.mkdir(`${options.dir}/data`, { recursive: true });
  const kv = await Deno.openKv(`${options.dir}/data/kv.sqlite3`);
  const services = createServices({
    config,
    kv,
    // Formatted as in production, written nowhere (the table goes to stdout).
    logger: createLogger(config.logLevel, () => {}),
    apiFactory: client.createIntegrationAppApiFactory(client.apiOptionsFromConfig(config)),
  });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    createHandler(services),
  );
  const startupMs = performance.now() - started;
  return {
    mcpUrl: `http://127.0.0.1:${server.addr.port}/mcp`,
    startupMs,
    rssBytes() {
      const collect = (globalThis as { gc?: () => void }).gc;
      if (collect) { for (let i = 0; i < 3; i++) collect(); }
      return Promise.resolve(Deno.memoryUsage().rss);
    },
    async stop() {
      await server.shutdown();
      await services.background.drain();
      kv.close();
    },
  };
}
