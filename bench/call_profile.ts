/**
 * The server's CPU cost of `tools/call`: the server process (as in `deno task bench`), 16
 * sessions calling one tool `--calls` times at concurrency 16 against the fake (20 ms), with an
 * optional V8 CPU profile (`--cpu-prof`, read it with profile_top.ts), so a change to the
 * call path can be judged by CPU, not wall time.
 *
 * Usage: `deno run --allow-net=127.0.0.1 --allow-env --allow-read=. --allow-write=bench/results
 * --allow-run=deno,cat bench/call_profile.ts [--calls=4000] [--concurrency=16] [--cpu-prof]`.
 * Prints the server process's CPU time (user + system, read from /proc) over the calls alone,
 * per call: less disturbed by other load on the machine than latencies.
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { LoadResult } from "./load_worker.ts";
import { WorkerRpc } from "./rpc.ts";
import { startServerProcess } from "./server_under_test.ts";
import { busyMs, type Profile } from "./profile_top.ts";
import { calledToolName } from "./workspace.ts";

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    calls: { type: "string", default: "4000" },
    concurrency: { type: "string", default: "16" },
    latency: { type: "string", default: "20" },
    "cpu-prof": { type: "boolean", default: false },
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
const concurrency = Number(flags.concurrency);
const RESULTS = new URL("./results/", import.meta.url).pathname;
const profiles = `${RESULTS}call-profiles`;
Deno.env.set("NO_PROXY", "127.0.0.1,localhost");

// deno-lint-ignore no-console
const print = console.log;
const fake = new WorkerRpc(new URL("./fake_worker.ts", import.meta.url));
const load = new WorkerRpc(new URL("./load_worker.ts", import.meta.url));
await Deno.mkdir(profiles, { recursive: true });
const dir = await Deno.makeTempDir({ dir: RESULTS, prefix: "profile-" });
try {
  const size = { connections: 20, actions: 50, customers: 17, big: { connections: 1, actions: 1 } };
  const { url } = await fake.call<{ url: string }>("start", {
    size,
    latencyMs: Number(flags.latency),
  });
  const tokens = await Promise.all(
    Array.from(
      { length: 16 },
      (_, i) => fake.call<string>("token", { customerId: `customer-${i}` }),
    ),
  );
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
  try {
    await load.call("sessions", { mcpUrl: server.mcpUrl, tokens });
    const pid = server.pid as number;
    const cpuBefore = await cpuMs(pid);
    const tool = calledToolName();
    const result = await load.call<{ calls: LoadResult }>("calls", {
      mcpUrl: server.mcpUrl,
      tokens,
      concurrency,
      count: calls,
      warmup: 200,
      tool,
      args: { email: "ada@example.com", name: "Ada Lovelace" },
      floor: {
        url: `${url}/connections/conn_0_0/actions/${tool.split("_")[1]}/run`,
        token: tokens[0],
      },
    });
    const cpu = await cpuMs(pid) - cpuBefore;
    print(`${result.calls.latencies.length} calls, ${result.calls.errors} errors`);
    print(
      `Server CPU during the calls (user + system, /proc): ${cpu} ms for ${calls + 200} calls = ` +
        `${(cpu / (calls + 200)).toFixed(3)} ms per call`,
    );
  } finally {
    await server.stop();
  }
  const file = [...Deno.readDirSync(profiles)].map((e) => e.name).find((n) => !before.has(n));
  const profile = JSON.parse(await Deno.readTextFile(`${profiles}/${file}`)) as Profile;
  print(`Profile: ${profiles}/${file}`);
  print(
    `CPU (not idle) ${busyMs(profile).toFixed(0)} ms for ${calls + 200} calls and 16 new sessions`,
  );
} finally {
  await fake.call("stop").catch(() => {});
  fake.terminate();
  load.terminate();
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}
