/**
 * `deno task bench`: what users get. The fake Integration.app API (with a latency per
 * request) runs in a worker, the official MCP SDK client in another, and the server as its own
 * process (`main.ts` with the start task's permissions, the default on-disk KV in a fresh
 * folder), all on 127.0.0.1. Every figure is measured in `--runs` separate runs, each on a
 * fresh server process and KV, and reported as the median of the runs with their range,
 * beside the floor measured in the same runs: for calls the fake alone, called with `fetch`; for
 * warm connects the same clients against a server answering from memory (`replay_server.ts`). Prints the
 * README's Markdown table and writes the figures as JSON to bench/results/.
 *
 * Flags: --runs=N (3) --in-process (the handler in this process instead) --latency=MS (20)
 * --connections=N (20) --actions=N (50) --calls=N (300 at concurrency 1, 4N at 16) --warm=N (30)
 * --cold=N (6) --idle=N (200) --queries=N (60) --cpu-prof (V8 CPU profiles of the server
 * processes, into bench/results/profiles/) --out=FILE.
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { LoadResult } from "./load_worker.ts";
import { WorkerRpc } from "../tests/support/worker_rpc.ts";
import {
  type ServerUnderTest,
  type ServerUnderTestOptions,
  startInProcess,
  startServerProcess,
} from "./server_under_test.ts";
import { renderTable, round1, type Row, type Spread, spread, summarize } from "./stats.ts";
import { BIG_CUSTOMER, calledToolName, type WorkspaceSize } from "./workspace.ts";

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    runs: { type: "string", default: "3" },
    "in-process": { type: "boolean", default: false },
    latency: { type: "string", default: "20" },
    connections: { type: "string", default: "20" },
    actions: { type: "string", default: "50" },
    calls: { type: "string", default: "300" },
    warm: { type: "string", default: "30" },
    cold: { type: "string", default: "6" },
    idle: { type: "string", default: "200" },
    queries: { type: "string", default: "60" },
    "cpu-prof": { type: "boolean", default: false },
    out: { type: "string" },
  },
});

function positive(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`Invalid --${name}: ${value}`);
  return n;
}

const runs = positive("runs", flags.runs);
const inProcess = flags["in-process"];
const latencyMs = positive("latency", flags.latency);
const connections = positive("connections", flags.connections);
const actions = positive("actions", flags.actions);
const callCount = positive("calls", flags.calls);
const warmCount = positive("warm", flags.warm);
const coldCount = positive("cold", flags.cold);
const idleCount = positive("idle", flags.idle);
const queryCount = positive("queries", flags.queries);
const RESULTS = new URL("./results/", import.meta.url).pathname;

// Loopback only, never through a proxy.
Deno.env.set("NO_PROXY", "127.0.0.1,localhost");
Deno.env.set("no_proxy", "127.0.0.1,localhost");

// Customers of one run (every run has a fresh server and KV, so they are new to it each time):
// customer-0 is the warm one; then the first customer after the start, two that warm the
// server up, the cold samples, and 16 for calls at concurrency 16.
const customerOf = (i: number): string => `customer-${i}`;
const FIRST = 1;
const warmUpCustomers = [2, 3].map(customerOf);
const coldCustomers = Array.from({ length: coldCount }, (_, i) => customerOf(4 + i));
const loadCustomers = Array.from({ length: 16 }, (_, i) => customerOf(4 + coldCount + i));
const size: WorkspaceSize = {
  connections,
  actions,
  customers: 4 + coldCount + 16,
  big: { connections: 100, actions: 100 },
};

/** What one run measured (ms unless named otherwise). */
interface RunFigures {
  startupMs: number;
  firstAfterStart: number;
  coldNewCustomer: number;
  coldUpstreamRequests: number;
  warmList: number;
  /** The same for a 2026-07-28 client (the official SDK client 2.x). */
  warmListModern: number;
  /** The same warm connects against a server that answers from memory (`replay_server.ts`). */
  warmListFloor: number;
  warmListModernFloor: number;
  warmListings: number;
  tools: number;
  calls: Record<"c1" | "c16", {
    p50: number;
    p99: number;
    floorP50: number;
    floorP99: number;
    throughput: number;
    floorThroughput: number;
    errors: number;
    firstError?: string;
  }>;
  /** A 2026-07-28 client's calls at concurrency 1: p50 and the floor's p50 of the same run. */
  modernCall: { p50: number; floorP50: number; errors: number };
  idleSessionKiB: number;
  idleErrors: number;
  search: number;
  searchTools: number;
}

const fakeWorker = new WorkerRpc(new URL("./fake_worker.ts", import.meta.url));
const load = new WorkerRpc(new URL("./load_worker.ts", import.meta.url));
const replayWorker = new WorkerRpc(new URL("./replay_worker.ts", import.meta.url));
const deadline = setTimeout(() => {
  // deno-lint-ignore no-console
  console.error("Benchmark took longer than 20 minutes: stopping");
  Deno.exit(2);
}, 20 * 60_000);

function print(line: string): void {
  // deno-lint-ignore no-console
  console.log(line);
}

const median = (values: number[]): number => spread(values).median;

async function oneRun(run: number, fakeUrl: string): Promise<RunFigures> {
  const token = (customerId: string) => fakeWorker.call<string>("token", { customerId });
  const requests = () =>
    fakeWorker.call<{ total: number; byRoute: Record<string, number> }>("requests");
  const clearRequests = () => fakeWorker.call("clearRequests");
  const dir = await Deno.makeTempDir({ dir: RESULTS, prefix: "run-" });
  const options: ServerUnderTestOptions = {
    apiUrl: fakeUrl,
    dir,
    env: {
      // The per-customer limits stay on (their cost is measured) but out of reach: one
      // customer opens hundreds of sessions in a few seconds here.
      RATE_LIMIT_PER_SECOND: "100000",
      RATE_LIMIT_BURST: "100000",
      TOOL_CALL_RATE_LIMIT_PER_SECOND: "100000",
      TOOL_CALL_RATE_LIMIT_BURST: "100000",
      // The call log and the result cap are on by default; these let a run compare.
      ...Object.fromEntries(
        ["CALL_LOG_MAX_PER_CUSTOMER", "MAX_RESULT_BYTES", "LOG_ARGUMENT_VALUES"]
          .map((name) => [name, Deno.env.get(name)]).filter(([, value]) => value !== undefined),
      ),
      // Room for every customer of the run: this measures the cache, not reloads from KV.
      CATALOG_MEMORY_TOOLS: String(
        Math.max(100_000, Math.ceil((size.customers * connections * actions + 100 * 100) * 1.2)),
      ),
    },
    cpuProfDir: flags["cpu-prof"] ? `${RESULTS}profiles` : undefined,
  };
  let server: ServerUnderTest | undefined;
  try {
    server = inProcess ? await startInProcess(options) : await startServerProcess(options);
    const mcpUrl = server.mcpUrl;
    type Sessions = LoadResult & { tools: number };
    const sessions = (tokens: string[], query?: string) =>
      load.call<Sessions>("sessions", { mcpUrl, tokens, query });

    // The first request after the start: a new customer (token check, catalog build) on a
    // server that has served nothing yet.
    const first = await sessions([await token(customerOf(FIRST))]);
    if (first.errors) throw new Error(`First session failed: ${first.firstError}`);

    // A new customer on a server that has served others.
    await sessions(await Promise.all(warmUpCustomers.map(token)));
    await clearRequests();
    const cold = await sessions(await Promise.all(coldCustomers.map(token)));
    const coldRequests = await requests();
    if (cold.errors) throw new Error(`Cold sessions failed: ${cold.firstError}`);

    // Warm: new sessions of a customer whose token check and catalog are cached.
    const mainToken = await token(customerOf(0));
    await sessions([mainToken, mainToken, mainToken]);
    await clearRequests();
    const warm = await sessions(Array.from({ length: warmCount }, () => mainToken));
    const warmRequests = await requests();
    const warmListings = Object.entries(warmRequests.byRoute)
      .filter(([route]) => route !== "POST /connections/{id}/actions/{key}/run")
      .reduce((sum, [, n]) => sum + n, 0);
    // The same for a 2026-07-28 client: no session, a discovery, then the listing.
    await load.call("modernSessions", { mcpUrl, tokens: [mainToken, mainToken] });
    const warmModern = await load.call<Sessions>("modernSessions", {
      mcpUrl,
      tokens: Array.from({ length: warmCount }, () => mainToken),
    });
    if (warmModern.errors) throw new Error(`2026 sessions failed: ${warmModern.firstError}`);
    const floor = await warmFloor(mcpUrl, mainToken);

    // tools/call at concurrency 1 and 16, steady state (catalogs built and stored first);
    // the floor is measured right before and right after, at the same concurrency.
    const tool = calledToolName();
    const args = { email: "ada@example.com", name: "Ada Lovelace" };
    const runUrl = `${fakeUrl}/connections/conn_0_0/actions/${tool.split("_")[1]}/run`;
    const loadTokens = await Promise.all(loadCustomers.map(token));
    await sessions(loadTokens);
    const calls = {} as RunFigures["calls"];
    for (const concurrency of [1, 16] as const) {
      const result = await load.call<{ calls: LoadResult; floor: LoadResult }>("calls", {
        mcpUrl,
        tokens: concurrency === 1 ? [mainToken] : loadTokens,
        concurrency,
        count: concurrency === 1 ? callCount : callCount * 4,
        warmup: concurrency * 25,
        tool,
        args,
        floor: { url: runUrl, token: mainToken },
      });
      const s = summarize(result.calls.latencies);
      const f = summarize(result.floor.latencies);
      calls[concurrency === 1 ? "c1" : "c16"] = {
        p50: s.p50,
        p99: s.p99,
        floorP50: f.p50,
        floorP99: f.p99,
        throughput: result.calls.latencies.length / (result.calls.wallMs / 1000),
        floorThroughput: result.floor.latencies.length / (result.floor.wallMs / 1000),
        errors: result.calls.errors,
        firstError: result.calls.firstError,
      };
    }

    // tools/call of a 2026-07-28 client at concurrency 1, against the floor measured above.
    const modern = await load.call<LoadResult>("modernCalls", {
      mcpUrl,
      token: mainToken,
      count: callCount,
      tool,
      args,
    });

    // Memory per idle session: after a warm-up of as many sessions (the heap grows to its
    // working size), the RSS added by opening `idleCount` more, a second after each batch.
    const settle = () => new Promise((resolve) => setTimeout(resolve, 1000));
    const idle = (count: number) =>
      load.call<LoadResult>("idleSessions", { mcpUrl, token: mainToken, count, concurrency: 16 });
    const warmIdle = await idle(idleCount);
    await settle();
    const rssBefore = await server.rssBytes();
    const idled = await idle(idleCount);
    await settle();
    const rssAfter = await server.rssBytes();

    // enable-tools {query} on the big customer's catalog (10,000 tools).
    const bigToken = await token(BIG_CUSTOMER);
    const big = await sessions([bigToken]);
    const enable = await load.call<LoadResult & { enabled: number; first: number }>(
      "enableTools",
      { mcpUrl, token: bigToken, queries: searchQueries(queryCount) },
    );

    print(`# run ${run + 1}/${runs} done (server started in ${round1(server.startupMs)} ms)`);
    return {
      startupMs: server.startupMs,
      firstAfterStart: first.latencies[0] as number,
      coldNewCustomer: median(cold.latencies),
      coldUpstreamRequests: coldRequests.total / coldCount,
      warmList: median(warm.latencies),
      warmListModern: median(warmModern.latencies),
      warmListFloor: median(floor.legacy.latencies),
      warmListModernFloor: median(floor.modern.latencies),
      warmListings,
      tools: warm.tools,
      calls,
      modernCall: {
        p50: median(modern.latencies),
        floorP50: calls.c1.floorP50,
        errors: modern.errors,
      },
      idleSessionKiB: (rssAfter - rssBefore) / 1024 / idleCount,
      idleErrors: warmIdle.errors + idled.errors,
      search: median(enable.latencies),
      searchTools: big.tools,
    };
  } finally {
    await server?.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/**
 * The floor of the warm connects: the same clients, as many times, against a replay server that
 * first records this server's answers to one connect of each client, then answers from memory.
 */
async function warmFloor(
  mcpUrl: string,
  token: string,
): Promise<{ legacy: LoadResult; modern: LoadResult }> {
  const { url } = await replayWorker.call<{ url: string }>("start", { target: mcpUrl });
  try {
    const tokens = Array.from({ length: warmCount }, () => token);
    await load.call("sessions", { mcpUrl: url, tokens: [token] });
    await load.call("modernSessions", { mcpUrl: url, tokens: [token] });
    await replayWorker.call("replay");
    const legacy = await load.call<LoadResult>("sessions", { mcpUrl: url, tokens });
    const modern = await load.call<LoadResult>("modernSessions", { mcpUrl: url, tokens });
    for (const result of [legacy, modern]) {
      if (result.errors) throw new Error(`Replayed sessions failed: ${result.firstError}`);
    }
    return { legacy, modern };
  } finally {
    await replayWorker.call("stop");
  }
}

const ms = (value: number): string => `${value.toFixed(1)} ms`;
const num = (value: number): string => value.toFixed(1);
const signed = (value: number): string => `${value >= 0 ? "+" : ""}${value.toFixed(1)}`;
const whole = (value: number): string => String(Math.round(value));

/** `median unit (min–max)`, e.g. `8.1 ms (7.9–9.4)`. */
function show(s: Spread, unit = " ms", format: (v: number) => string = num): string {
  if (s.runs === 0) return "-";
  const median = `${format(s.median)}${unit}`;
  return s.runs === 1 ? median : `${median} (${format(s.min)}–${format(s.max)})`;
}

function report(all: RunFigures[]): Row[] {
  const of = (pick: (r: RunFigures) => number): Spread => spread(all.map(pick));
  const tools = all[0]?.tools ?? 0;
  const defaultWorkspace = connections * actions === 1000 && latencyMs === 20;
  const target = (limit: number, value: number, unit = "ms") =>
    defaultWorkspace ? { target: `<= ${limit} ${unit}`, ok: value <= limit } : {};
  const rows: Row[] = [];
  rows.push({
    figure: "Start: process spawned to listening (warm-up included)",
    measured: show(of((r) => r.startupMs)),
  });
  const first = of((r) => r.firstAfterStart);
  rows.push({
    figure: "First request after a start (connect + list, new customer)",
    measured: show(first),
    ...target(200, first.median),
  });
  const cold = of((r) => r.coldNewCustomer);
  rows.push({
    figure: `New customer, cold connect + list (${tools} tools)`,
    measured: show(cold),
    floor: `${ms(median(all.map((r) => r.calls.c1.floorP50)))} per upstream call`,
    ...target(110, cold.median),
  });
  const warm = of((r) => r.warmList);
  rows.push({
    figure: `Warm connect + list, 2025-11-25 client (${tools} tools)`,
    measured: show(warm),
    floor: `${ms(median(all.map((r) => r.warmListFloor)))} from memory`,
    ...target(12, warm.median),
  });
  const warmModern = of((r) => r.warmListModern);
  rows.push({
    figure: `Warm connect + list, 2026-07-28 client (${tools} tools)`,
    measured: show(warmModern),
    floor: `${ms(median(all.map((r) => r.warmListModernFloor)))} from memory`,
    ...target(8, warmModern.median),
  });
  for (const c of ["c1", "c16"] as const) {
    const n = c === "c1" ? 1 : 16;
    const p50 = of((r) => r.calls[c].p50 - r.calls[c].floorP50);
    const p99 = of((r) => r.calls[c].p99 - r.calls[c].floorP99);
    rows.push({
      figure: `tools/call overhead p50, concurrency ${n}`,
      measured: show(p50, " ms", signed),
      floor: ms(median(all.map((r) => r.calls[c].floorP50))),
      ...target(n === 1 ? 1.5 : 3, p50.median),
    });
    rows.push({
      figure: `tools/call overhead p99, concurrency ${n}`,
      measured: show(p99, " ms", signed),
      floor: ms(median(all.map((r) => r.calls[c].floorP99))),
      ...target(10, p99.median),
    });
  }
  const ratio = of((r) => (100 * r.calls.c16.throughput) / r.calls.c16.floorThroughput);
  rows.push({
    figure: "Throughput, concurrency 16 (calls/s, % of floor)",
    measured: `${show(of((r) => r.calls.c16.throughput), "", whole)}, ${show(ratio, " %", whole)}`,
    floor: show(of((r) => r.calls.c16.floorThroughput), "", whole),
    ...(defaultWorkspace ? { target: ">= 90 % of floor", ok: ratio.median >= 90 } : {}),
  });
  const modernCall = of((r) => r.modernCall.p50 - r.modernCall.floorP50);
  rows.push({
    figure: "tools/call overhead p50, concurrency 1, 2026-07-28 client",
    measured: show(modernCall, " ms", signed),
    floor: ms(median(all.map((r) => r.modernCall.floorP50))),
    ...target(1.5, modernCall.median),
  });
  const idle = of((r) => r.idleSessionKiB);
  rows.push({
    figure: `RSS per idle session (${idleCount} sessions, after as many)`,
    measured: show(idle, " KiB"),
    target: "<= 50 KiB",
    ok: idle.median <= 50,
  });
  const search = of((r) => r.search);
  rows.push({
    figure: `enable-tools {query}, ${all[0]?.searchTools ?? 0} tools (p50)`,
    measured: show(search),
    target: "<= 20 ms",
    ok: search.median <= 20,
  });
  const listings = all.reduce((sum, r) => sum + r.warmListings, 0);
  rows.push({
    figure: "Upstream requests: cold session / warm session listings",
    measured: `${round1(median(all.map((r) => r.coldUpstreamRequests)))} / ${listings}`,
    target: "- / 0",
    ok: listings === 0,
  });
  const errors = all.reduce(
    (sum, r) => sum + r.calls.c1.errors + r.calls.c16.errors + r.modernCall.errors,
    0,
  );
  rows.push({
    figure: "Errors (calls, idle sessions)",
    measured: `${errors}, ${all.reduce((sum, r) => sum + r.idleErrors, 0)}`,
    target: "0",
    ok: errors === 0 && all.every((r) => r.idleErrors === 0),
  });
  return rows;
}

const loadBefore = Deno.loadavg();
try {
  await Deno.mkdir(RESULTS, { recursive: true });
  const { url: fakeUrl } = await fakeWorker.call<{ url: string }>("start", { size, latencyMs });
  const all: RunFigures[] = [];
  for (let run = 0; run < runs; run++) all.push(await oneRun(run, fakeUrl));
  const loadAfter = Deno.loadavg();
  const rows = report(all);
  const load = (l: number[]) => l.map((v) => v.toFixed(2)).join(" ");
  const heading =
    `${runs} runs, each on a fresh ${
      inProcess ? "in-process server" : "server process"
    } and KV; workspace ${connections} connections x ${actions} actions, fake latency ` +
    `${latencyMs} ms; ${navigator.hardwareConcurrency} CPUs, Deno ${Deno.version.deno}; ` +
    `load average ${load(loadBefore)} at start, ${load(loadAfter)} at end`;
  print(`\n${heading}\n\n${renderTable(rows)}`);
  if (inProcess && runs > 1) {
    print("\n(in-process: runs after the first start on compiled code, unlike a new process)");
  }
  const at = new Date().toISOString();
  const out = flags.out ?? `${RESULTS}bench-${at.replace(/[:.]/g, "-")}.json`;
  await Deno.writeTextFile(
    out,
    JSON.stringify(
      {
        at,
        deno: Deno.version.deno,
        cpus: navigator.hardwareConcurrency,
        loadAverage: { start: loadBefore, end: loadAfter },
        mode: inProcess ? "in-process" : "process",
        workspace: { connections, actions, latencyMs },
        runs: all,
        rows,
      },
      null,
      2,
    ) + "\n",
  );
  print(`\nJSON: ${out}`);
} finally {
  clearTimeout(deadline);
  await fakeWorker.call("stop").catch(() => {});
  fakeWorker.terminate();
  load.terminate();
  replayWorker.terminate();
}

/** Task-like queries over the generated vocabulary. */
function searchQueries(count: number): string[] {
  const tasks = [
    "send an email to a new lead",
    "create a contact for the customer",
    "archive closed tickets",
    "find an invoice by id",
    "list meetings this week",
    "update the deal amount",
    "export payments to a file",
    "search messages about the project",
    "delete a duplicate company",
    "import products into the store",
    "comment on a task",
    "create a calendar event with the team",
  ];
  return Array.from({ length: count }, (_, i) => tasks[i % tasks.length] as string);
}
