/**
 * Runs `main.ts` as a real `deno run` subprocess with exactly the given flags (a task's, the
 * Dockerfile's), for tests of permissions, startup failures, Deno Deploy and telemetry.
 *
 * @module
 */
import { CONFIG_PATH, MAIN_PATH } from "./start_flags.ts";

/** Options of a server subprocess. */
export interface FlaggedServerOptions {
  /** The `deno run` flags (permissions), placed before the entry point. */
  flags: string[];
  /** Environment variables added to the inherited ones. */
  env?: Record<string, string>;
  /** Working directory (relative KV paths and permissions resolve here). */
  cwd: string;
  /** Script to run instead of main.ts. */
  entry?: string;
  /** Arguments after the script. */
  args?: string[];
}

/** A running server subprocess. */
export interface FlaggedServer extends AsyncDisposable {
  /** `http://127.0.0.1:PORT` as the server logged it. */
  url: string;
  /** Every line printed so far (stdout and stderr). */
  lines: string[];
  /** Sends SIGTERM and waits for the exit. */
  stop(): Promise<Deno.CommandStatus>;
}

function command(
  options: FlaggedServerOptions,
  stdio: "piped" | "null",
  signal?: AbortSignal,
): Deno.Command {
  return new Deno.Command("deno", {
    args: [
      "run",
      "--config",
      CONFIG_PATH,
      ...options.flags,
      options.entry ?? MAIN_PATH,
      ...(options.args ?? []),
    ],
    cwd: options.cwd,
    env: { NO_COLOR: "1", NO_PROXY: "127.0.0.1,localhost", ...options.env },
    stdin: "null",
    stdout: stdio,
    stderr: stdio,
    signal,
  });
}

async function collectLines(
  stream: ReadableStream<Uint8Array>,
  lines: string[],
  onLine: (line: string) => void,
): Promise<void> {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    const parts = (rest + chunk).split("\n");
    rest = parts.pop() ?? "";
    for (const line of parts) {
      lines.push(line);
      onLine(line);
    }
  }
  if (rest) {
    lines.push(rest);
    onLine(rest);
  }
}

/** The `url` field of the server's "listening" log line, if `line` is that line. */
export function listeningUrl(line: string): string | undefined {
  try {
    const entry = JSON.parse(line) as { msg?: string; url?: string };
    return entry.msg === "listening" && entry.url ? entry.url.replace(/\/mcp$/, "") : undefined;
  } catch {
    return undefined;
  }
}

/** Starts the server and resolves once it logs that it listens; rejects if it exits first. */
export async function startFlaggedServer(options: FlaggedServerOptions): Promise<FlaggedServer> {
  const child = command(options, "piped").spawn();
  const lines: string[] = [];
  let resolveUrl: (url: string) => void = () => {};
  const listening = new Promise<string>((resolve) => resolveUrl = resolve);
  const onLine = (line: string): void => {
    const url = listeningUrl(line);
    if (url) resolveUrl(url);
  };
  const reading = Promise.all([
    collectLines(child.stdout, lines, onLine),
    collectLines(child.stderr, lines, onLine),
  ]);
  const exited = child.status.then((status) => ({ status }));
  // A bound, not an assertion: a server that never logs "listening" is killed after a minute.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<{ timeout: true }>((resolve) => {
    timer = setTimeout(() => resolve({ timeout: true }), 60_000);
  });
  const first = await Promise.race([listening.then((url) => ({ url })), exited, timeout]);
  clearTimeout(timer);
  if ("timeout" in first) {
    child.kill("SIGKILL");
    await child.status;
    await reading;
    throw new Error(`Server did not log "listening" (LOG_LEVEL info?):\n${lines.join("\n")}`);
  }
  if ("status" in first) {
    await reading;
    throw new Error(`Server exited with code ${first.status.code}:\n${lines.join("\n")}`);
  }
  let stopped: Promise<Deno.CommandStatus> | undefined;
  const stop = (): Promise<Deno.CommandStatus> => {
    stopped ??= (async () => {
      try {
        child.kill("SIGTERM");
      } catch {
        // Already exited.
      }
      const status = await child.status;
      await reading;
      return status;
    })();
    return stopped;
  };
  return {
    url: first.url,
    lines,
    stop,
    async [Symbol.asyncDispose]() {
      await stop();
    },
  };
}

/** Runs the server (or `entry`) to its exit and returns its status and output. */
export async function runToExit(
  options: FlaggedServerOptions,
): Promise<{ code: number; stdout: string; stderr: string }> {
  // A bound, not an assertion: a server that does not fail fast is killed after a minute.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 60_000);
  let output: Deno.CommandOutput;
  try {
    output = await command(options, "piped", controller.signal).output();
  } finally {
    clearTimeout(timer);
  }
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}
