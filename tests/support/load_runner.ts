/**
 * A load run against the real server as a child process: many MCP SDK client sessions (some
 * static, some dynamic, each tied to a chat) calling tools in a loop against the fake
 * Integration.app with latency, all on 127.0.0.1. Optionally SIGKILLs the server in the middle
 * and restarts it on the same KV file and port, then checks that every session and chat
 * survived and that every client carries on. Used by `deno task load` and the crash test.
 *
 * @module
 */
import type { Client } from "../../src/sdk/client.ts";
import { connectClient, rawRequest, sessionIdOf } from "./harness.ts";
import { WorkerRpc } from "./worker_rpc.ts";
import { type ServerProcess, startServerProcess } from "./server_process.ts";

/** What to run. */
export interface LoadOptions {
  /** Concurrent MCP sessions. */
  sessions: number;
  /** Customers the sessions are spread over. */
  tenants: number;
  durationMs: number;
  /** Latency of every fake Integration.app call. */
  latencyMs: number;
  /** SIGKILL the server this long into the run, then restart it on the same KV file. */
  crashAtMs?: number;
  /** Extra server environment. */
  env?: Record<string, string>;
  /** Extra `deno run` flags of the server (e.g. `--v8-flags=…`). */
  serverFlags?: string[];
  /** How often the server's RSS is sampled during the run, in ms (default: every 10 s). */
  rssEveryMs?: number;
  /** Progress lines (the CLI prints them). */
  onProgress?: (line: string) => void;
}

/** What a run measured. */
export interface LoadReport {
  sessions: number;
  tenants: number;
  durationMs: number;
  /** MCP requests the clients sent during the run (tools/call and tools/list). */
  requests: number;
  /** Of which tool calls answered (without error). */
  toolCalls: number;
  toolCallsPerSecond: number;
  /** Failed requests outside the outage window of a crash. */
  failures: number;
  /** Requests that failed while the server was down (crash runs only). */
  outageErrors: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  requestsPerSecond: number;
  /** Server resident memory in MB, sampled at start, middle and end (-1: not available). */
  rssMb: { start: number; middle: number; end: number };
  /** Server resident memory in MB every `rssEveryMs` from the start: [seconds, MB]. */
  rssTimeline: [number, number][];
  failureSamples: string[];
  crash?: CrashReport;
}

/** What a crash run checked. */
export interface CrashReport {
  /** From SIGKILL to the restarted server listening. */
  downMs: number;
  /** Chats listed per customer before the kill and after the restart are equal. */
  chatsIntact: boolean;
  /** Dynamic sessions kept their enabled tools. */
  enabledToolsIntact: boolean;
  /** Clients that succeeded with their same session after the restart. */
  clientsRecovered: number;
  chatsChecked: number;
}

interface LoadClient {
  index: number;
  token: string;
  chatId: string;
  dynamic: boolean;
  client: Client;
  sessionId: string;
  recoveredAfterRestart: boolean;
}

const STATIC_CALLS: { name: string; arguments: Record<string, unknown> }[] = [
  { name: "gmail_read-email", arguments: { id: "m-1" } },
  { name: "hubspot_list-contacts", arguments: {} },
  { name: "hubspot_create-contact", arguments: { email: "load@example.com" } },
  { name: "gmail_send-email", arguments: { to: "a@example.com", subject: "Load" } },
];
const DYNAMIC_TOOLS = ["gmail_send-email", "hubspot_list-contacts"];

/** Resident memory of a process in MB, read with `ps` (Deno needs --allow-all for /proc). */
async function rssMb(pid: number): Promise<number> {
  try {
    const { stdout, success } = await new Deno.Command("ps", {
      args: ["-o", "rss=", "-p", String(pid)],
      stdout: "piped",
      stderr: "null",
    }).output();
    const kb = Number(new TextDecoder().decode(stdout).trim());
    return success && Number.isFinite(kb) ? Math.round(kb / 102.4) / 10 : -1;
  } catch {
    return -1;
  }
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length));
  return Math.round((sorted[index] as number) * 10) / 10;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** The chats of every customer, as `GET /mcp/sessions` lists them. */
async function listChats(url: string, tokens: string[]): Promise<string> {
  const all = await Promise.all(tokens.map(async (token) => {
    const res = await rawRequest(`${url}/mcp/sessions`, { token });
    if (res.status !== 200) throw new Error(`GET /mcp/sessions answered ${res.status}`);
    return res.json;
  }));
  return JSON.stringify(all);
}

async function enabledTools(url: string, clients: LoadClient[]): Promise<string> {
  const dynamic = clients.filter((c) => c.dynamic);
  const all = await Promise.all(dynamic.map(async (c) => {
    const res = await rawRequest(`${url}/mcp/sessions/${c.chatId}`, { token: c.token });
    return [c.chatId, res.status, (res.json as { enabledTools?: unknown })?.enabledTools];
  }));
  return JSON.stringify(all);
}

/** Runs the load; resolves with what it measured. The caller judges the figures. */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const progress = options.onProgress ?? (() => {});
  const dir = await Deno.makeTempDir({ prefix: "mcp-load-" });
  const kvPath = `${dir}/kv.sqlite3`;
  const port = freePort();
  // The fake answers from its own thread, so the clients' work does not slow it down.
  const fake = new WorkerRpc(new URL("./load_fake_worker.ts", import.meta.url));
  // Info level as in production: one log line per request is part of the cost measured.
  const serverEnv = { PORT: String(port), LOG_LEVEL: "info", ...options.env };
  let server: ServerProcess | undefined;
  const clients: LoadClient[] = [];
  try {
    const apiUrl = await fake.call<string>("start", {
      tenants: options.tenants,
      latencyMs: options.latencyMs,
    });
    const flags = options.serverFlags;
    server = await startServerProcess({ apiUrl, kvPath, env: serverEnv, flags });
    const url = server.url;
    const tokens = await Promise.all(
      Array.from({ length: options.tenants }, (_, i) => fake.call<string>("token", `load-${i}`)),
    );

    // Open every session (in waves, as agents would start), each tied to a chat.
    for (let start = 0; start < options.sessions; start += 50) {
      const wave = Array.from(
        { length: Math.min(50, options.sessions - start) },
        (_, k) => start + k,
      );
      clients.push(
        ...await Promise.all(wave.map(async (index): Promise<LoadClient> => {
          const token = tokens[index % options.tenants] as string;
          const dynamic = index % 4 === 3;
          const chatId = `chat-${index}`;
          const client = await connectClient(`${url}/mcp`, token, {
            query: dynamic ? "?mode=dynamic" : "",
            headers: { "x-chat-id": chatId },
          });
          if (dynamic) {
            await client.callTool({ name: "enable-tools", arguments: { tools: DYNAMIC_TOOLS } });
          }
          return {
            index,
            token,
            chatId,
            dynamic,
            client,
            sessionId: sessionIdOf(client),
            recoveredAfterRestart: false,
          };
        })),
      );
    }
    progress(`${clients.length} sessions open over ${options.tenants} customers`);

    const latencies: number[] = [];
    const failureSamples: string[] = [];
    let requests = 0;
    let toolCalls = 0;
    let failures = 0;
    let outageErrors = 0;
    let outage: { from: number; until: number } | undefined;
    let restartedAt: number | undefined;
    let pid = server.child.pid;
    const rss = { start: await rssMb(pid), middle: -1, end: -1 };
    const started = performance.now();
    const deadline = started + options.durationMs;

    const fail = (what: string): void => {
      const now = performance.now();
      if (outage && now >= outage.from && now <= outage.until) {
        outageErrors++;
        return;
      }
      failures++;
      if (failureSamples.length < 10) failureSamples.push(what.slice(0, 300));
    };

    const loop = async (c: LoadClient): Promise<void> => {
      for (let i = c.index; performance.now() < deadline; i++) {
        const t0 = performance.now();
        requests++;
        try {
          if (i % 10 === 0) {
            const { tools } = await c.client.listTools();
            if (tools.length === 0) throw new Error("tools/list came back empty");
          } else {
            const call = c.dynamic
              ? {
                name: DYNAMIC_TOOLS[i % 2] as string,
                arguments: i % 2 ? {} : STATIC_CALLS[3]?.arguments,
              }
              : STATIC_CALLS[i % STATIC_CALLS.length] as (typeof STATIC_CALLS)[number];
            const result = await c.client.callTool(call);
            if (result.isError) throw new Error(`isError: ${JSON.stringify(result.content)}`);
            toolCalls++;
          }
          latencies.push(performance.now() - t0);
          if (restartedAt !== undefined && t0 >= restartedAt) c.recoveredAfterRestart = true;
        } catch (error) {
          fail(`client ${c.index}: ${error instanceof Error ? error.message : error}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    };

    const rssTimeline: [number, number][] = [[0, rss.start]];
    const sampler = (async () => {
      const middle = started + options.durationMs / 2;
      const every = options.rssEveryMs ?? 10_000;
      let next = started + every;
      while (performance.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        const now = performance.now();
        if (rss.middle < 0 && now >= middle) rss.middle = await rssMb(pid);
        if (now >= next && now < deadline) {
          rssTimeline.push([Math.round((now - started) / 1000), await rssMb(pid)]);
          next += every;
        }
      }
    })();
    // The fake's request log and the server's collected log lines are not what is measured.
    const trimmer = setInterval(() => {
      void fake.call("clearRequests").catch(() => {});
      if (server) server.lines.length = 0;
    }, 1000);

    let crash: CrashReport | undefined;
    const crasher = (async () => {
      if (options.crashAtMs === undefined || !server) return;
      while (performance.now() < started + options.crashAtMs) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const chatsBefore = await listChats(url, tokens);
      const enabledBefore = await enabledTools(url, clients);
      const killedAt = performance.now();
      outage = { from: killedAt, until: Number.POSITIVE_INFINITY };
      progress(`SIGKILL at ${Math.round((killedAt - started) / 1000)} s`);
      await server.stop("SIGKILL");
      server = await startServerProcess({ apiUrl, kvPath, env: serverEnv, flags });
      pid = server.child.pid;
      restartedAt = performance.now();
      // Requests sent before the restart may fail a little after it: one second of grace.
      outage.until = restartedAt + 1000;
      const chatsAfter = await listChats(url, tokens);
      const enabledAfter = await enabledTools(url, clients);
      crash = {
        downMs: Math.round(restartedAt - killedAt),
        chatsIntact: chatsAfter === chatsBefore,
        enabledToolsIntact: enabledAfter === enabledBefore,
        clientsRecovered: 0,
        chatsChecked: clients.length,
      };
      progress(`restarted after ${crash.downMs} ms on the same KV file`);
    })();

    await Promise.all([...clients.map(loop), sampler, crasher]).finally(() =>
      clearInterval(trimmer)
    );
    const elapsed = performance.now() - started;
    rss.end = await rssMb(pid);
    if (crash) {
      // Every client must have gone on with its own session after the restart.
      const c = crash as CrashReport;
      c.clientsRecovered = clients.filter((client) => client.recoveredAfterRestart).length;
      const chats = JSON.parse(await listChats(url, tokens)) as Record<string, string>[];
      const mapping = Object.assign({}, ...chats) as Record<string, string>;
      if (clients.some((client) => mapping[client.chatId] !== client.sessionId)) {
        c.chatsIntact = false;
      }
    }
    const sorted = Float64Array.from(latencies).sort();
    return {
      sessions: clients.length,
      tenants: options.tenants,
      durationMs: Math.round(elapsed),
      requests,
      failures,
      outageErrors,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: percentile(sorted, 100),
      requestsPerSecond: Math.round(requests / (elapsed / 1000)),
      toolCalls,
      toolCallsPerSecond: Math.round(toolCalls / (elapsed / 1000)),
      rssMb: rss,
      rssTimeline: [...rssTimeline, [Math.round(elapsed / 1000), rss.end]],
      failureSamples,
      crash,
    };
  } finally {
    await Promise.allSettled(clients.map((c) => c.client.close()));
    await server?.stop("SIGTERM");
    await fake.call("stop").catch(() => {});
    fake.terminate();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
