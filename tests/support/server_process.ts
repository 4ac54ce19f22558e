/**
 * The real server as a child process (`deno run main.ts`), for restart, replica and shutdown
 * tests. It listens on 127.0.0.1 on a free port, read from its "listening" log line.
 *
 * @module
 */

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** A running server process. */
export interface ServerProcess extends AsyncDisposable {
  url: string;
  mcpUrl: string;
  child: Deno.ChildProcess;
  /** Log lines printed so far (stdout and stderr). */
  lines: string[];
  /** Sends a signal and waits for the exit. */
  stop(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
}

/** Options of `startServerProcess`. */
export interface ServerProcessOptions {
  apiUrl: string;
  kvPath: string;
  env?: Record<string, string>;
  /** Extra `deno run` flags, placed before the entry point. */
  flags?: string[];
}

async function collect(
  stream: ReadableStream<Uint8Array>,
  lines: string[],
  onLine: (l: string) => void,
) {
  let buffered = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffered += chunk;
    let newline;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      lines.push(line);
      onLine(line);
    }
  }
}

/** Starts `main.ts` with narrow permissions; resolves once it listens. */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const kvFolder = options.kvPath.slice(0, options.kvPath.lastIndexOf("/"));
  const command = new Deno.Command("deno", {
    args: [
      "run",
      "--allow-net=127.0.0.1",
      "--allow-env",
      `--allow-read=${kvFolder}`,
      `--allow-write=${kvFolder}`,
      ...(options.flags ?? []),
      MAIN,
    ],
    env: {
      HOST: "127.0.0.1",
      PORT: "0",
      INTEGRATION_APP_API_URL: options.apiUrl,
      KV_PATH: options.kvPath,
      LOG_LEVEL: "info",
      NO_PROXY: "127.0.0.1,localhost",
      ...options.env,
    },
    stdout: "piped",
    stderr: "piped",
  });
  const child = command.spawn();
  const lines: string[] = [];
  const listening = Promise.withResolvers<string>();
  const onLine = (line: string): void => {
    try {
      const entry = JSON.parse(line);
      if (entry.msg === "listening") listening.resolve(String(entry.url).replace(/\/mcp$/, ""));
    } catch {
      // not a log line
    }
  };
  const pumps = Promise.all([
    collect(child.stdout, lines, onLine),
    collect(child.stderr, lines, onLine),
  ]);
  const timer = setTimeout(
    () => listening.reject(new Error(`Server did not start:\n${lines.join("\n")}`)),
    30_000,
  );
  child.status.then(() => listening.reject(new Error(`Server exited:\n${lines.join("\n")}`)));
  let url: string;
  try {
    url = await listening.promise;
  } catch (error) {
    clearTimeout(timer);
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await child.status;
    await pumps;
    throw error;
  }
  clearTimeout(timer);
  let exited: Deno.CommandStatus | undefined;
  const stop = async (signal: Deno.Signal = "SIGTERM"): Promise<Deno.CommandStatus> => {
    if (!exited) {
      try {
        child.kill(signal);
      } catch { /* already gone */ }
      exited = await child.status;
      await pumps;
    }
    return exited;
  };
  return {
    url,
    mcpUrl: `${url}/mcp`,
    child,
    lines,
    stop,
    [Symbol.asyncDispose]: async () => {
      await stop("SIGKILL");
    },
  };
}
