/**
 * The server's CPU cost per unit of work, read from /proc (user + system time of the server
 * process, every thread): far less disturbed by other load on the machine than latencies, so
 * a change can be judged on a busy machine. The server runs as in `deno task bench` (its own
 * process, on-disk KV); the fake Integration.app (20 ms) and the official MCP client run in
 * workers. Phases: the first session after the start (a new customer), `--cold` new customers
 * on the warm server, `--warm` sessions of a known customer (and as many connections of a
 * 2026-07-28 client: `server/discover` and a listing), `--calls` tool calls at `--concurrency`
 * (from 2025 sessions, or with `--modern` from 2026-07-28 clients). `--cpu-prof` also writes a
 * V8 CPU profile (read it with profile_top.ts).
 *
 * Usage: `deno task bench:cpu [--calls=3000] [--cold=10] [--warm=50] [--modern] [--cpu-prof]`
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { LoadResult } from "./load_worker.ts";
import { busyMs, type Profile } from "./profile_top.ts";
import { WorkerRpc } from "../tests/support/worker_rpc.ts";
import { startServerProcess } from "./server_under_test.ts";
import { calledToolName } from "./workspace.ts";

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    calls: { type: "string", default: "3000" },
    cold: { type: "string", default: "10" },
    warm: { type: "string", default: "50" },
    concurrency: { type: "string", default: "16" },
    latency: { type: "string", default: "20" },
    "cpu-prof": { type: "boolean", default: false },
    modern: { type: "boolean", default: false },
  },
});

/** CPU time (user + system) of process `pid` so far, in ms, from /proc (Linux). */
async function cpuMs(pid: number): Promise<number> {
  const { stdout } = await new Deno.Command("cat", { args: [`/proc/${pid}/stat`], stdout: "piped" })
    .output();
  // Fields after the command name: utime and stime are the 12th and 13th, in 1/100 s.
  const fields = new TextDecoder().decode(stdout).split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const calls = Number(flags.calls);
const cold = Number(flags.cold);
const warm = Number(flags.warm);
const concurrency = Number(flags.concurrency);
const RESULTS = new URL("./results/", import.meta.url).pathname;
const profiles = `${RESULTS}profiles`;
Deno.env.set("NO_PROXY", "127.0.0.1,localhost");

// deno-lint-ignore no-console
const print = console.log;
const fake = new WorkerRpc(new URL("./fake_worker.ts", import.meta.url));
const load = new WorkerRpc(new URL("./load_worker.ts", import.meta.url));
await Deno.mkdir(profiles, { recursive: true });
const dir = await Deno.makeTempDir({ dir: RESULTS, prefix: "cpu-" });
try {
  const customers = 1 + 1 + cold + concurrency;
  const size = { connections: 20, actions: 50, customers, big: { connections: 1, actions: 1 } };
  const { url } = await fake.call<{ url: string }>("start", {
    size,
    latencyMs: Number(flags.latency),
  });
  const token = (i: number) => fake.call<string>("token", { customerId: `customer-${i}` });
  const before = new Set([...Deno.readDirSync(profiles)].map((e) => e.name));
  const server = await startServerProcess({
    apiUrl: url,
    dir,
    env: {
      RATE_LIMIT_PER_SECOND: "100000",
      RATE_LIMIT_BURST: "100000",
      TOOL_CALL_RATE_LIMIT_PER_SECOND: "100000",
      TOOL_CALL_RATE_LIMIT_BURST: "100000",
    },
    cpuProfDir: flags["cpu-prof"] ? profiles : undefined,
  });
  const pid = server.pid as number;
  const settle = () => new Promise((resolve) => setTimeout(resolve, 300));
  /** CPU of `task` (after the server settled), in ms. */
  const measure = async (task: () => Promise<unknown>): Promise<number> => {
    await settle();
    const start = await cpuMs(pid);
    await task();
    await settle(); // background work the phase started (e.g. storing a catalog)
    return await cpuMs(pid) - start;
  };
  const sessions = async (tokens: string[]) => {
    const result = await load.call<LoadResult>("sessions", { mcpUrl: server.mcpUrl, tokens });
    if (result.errors) throw new Error(`Sessions failed: ${result.firstError}`);
  };
  try {
    const lines: string[] = [];
    const first = await measure(async () => sessions([await token(1)]));
    lines.push(`first session after the start (new customer): ${first} ms`);
    const coldTokens = await Promise.all(Array.from({ length: cold }, (_, i) => token(2 + i)));
    const coldCpu = await measure(() => sessions(coldTokens));
    lines.push(`new customer on a warm server: ${(coldCpu / cold).toFixed(1)} ms each (${cold})`);
    const main = await token(0);
    await sessions([main]);
    const warmCpu = await measure(() => sessions(Array.from({ length: warm }, () => main)));
    lines.push(`warm session (connect + list): ${(warmCpu / warm).toFixed(2)} ms each (${warm})`);
    const modern = async (tokens: string[]) => {
      const result = await load.call<LoadResult>("modernSessions", {
        mcpUrl: server.mcpUrl,
        tokens,
      });
      if (result.errors) throw new Error(`2026 sessions failed: ${result.firstError}`);
    };
    await modern([main]);
    const modernCpu = await measure(() => modern(Array.from({ length: warm }, () => main)));
    lines.push(
      `warm 2026-07-28 client (discover + list): ${
        (modernCpu / warm).toFixed(2)
      } ms each (${warm})`,
    );
    const loadTokens = await Promise.all(
      Array.from({ length: concurrency }, (_, i) => token(2 + cold + i)),
    );
    await sessions(loadTokens);
    const tool = calledToolName();
    let errors = 0;
    const phase = {
      mcpUrl: server.mcpUrl,
      tokens: loadTokens,
      concurrency,
      count: calls,
      warmup: 200,
      tool,
      args: { email: "ada@example.com", name: "Ada Lovelace" },
    };
    const callCpu = await measure(async () => {
      if (flags.modern) {
        errors = (await load.call<LoadResult>("modernCalls", { ...phase, token: main })).errors;
        return;
      }
      const result = await load.call<{ calls: LoadResult }>("calls", {
        ...phase,
        floor: {
          url: `${url}/connections/conn_0_0/actions/${tool.split("_")[1]}/run`,
          token: main,
        },
      });
      errors = result.calls.errors;
    });
    lines.push(
      `tools/call${flags.modern ? " (2026-07-28 clients)" : ""} at concurrency ${concurrency}: ${
        (callCpu / (calls + 200)).toFixed(3)
      } ms each (${calls + 200}, ${errors} errors)`,
    );
    print(`Server CPU (user + system), load average ${Deno.loadavg()[0]?.toFixed(2)}:`);
    for (const line of lines) print(`  ${line}`);
  } finally {
    await server.stop();
  }
  const file = [...Deno.readDirSync(profiles)].map((e) => e.name).find((n) => !before.has(n));
  if (file) {
    const profile = JSON.parse(await Deno.readTextFile(`${profiles}/${file}`)) as Profile;
    print(`Profile: ${profiles}/${file} (busy ${busyMs(profile).toFixed(0)} ms)`);
  }
} finally {
  await fake.call("stop").catch(() => {});
  fake.terminate();
  load.terminate();
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}
