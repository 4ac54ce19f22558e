/**
 * `deno task bench`: the fake Integration.app API (with a latency per request), the server
 * in this process, and the official MCP SDK client in a worker. Prints a table of latencies,
 * each set against the fake's own latency measured in the same run, and writes the figures as
 * JSON to bench/results/.
 *
 * Flags: --latency=MS (20) --connections=N (20) --actions=N (50) --large (100 x 100)
 * --calls=N (500 at concurrency 1, 4N at 16) --warm=N (60) --cold=N (8) --idle=N (1000) --queries=N (60)
 * --out=FILE.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { createServices } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";
import { createHandler } from "../src/http/handler.ts";
import {
  apiOptionsFromConfig,
  createIntegrationAppApiFactory,
} from "../src/integration_app/client.ts";
import { createLogger } from "../src/log.ts";
import type { LoadResult } from "./load_worker.ts";
import { WorkerRpc } from "./rpc.ts";
import { renderTable, round1, type Row, summarize, type Summary } from "./stats.ts";
import { BIG_CUSTOMER, calledToolName, type WorkspaceSize } from "./workspace.ts";

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    latency: { type: "string", default: "20" },
    connections: { type: "string", default: "20" },
    actions: { type: "string", default: "50" },
    large: { type: "boolean", default: false },
    calls: { type: "string", default: "500" },
    warm: { type: "string", default: "60" },
    cold: { type: "string", default: "8" },
    idle: { type: "string", default: "1000" },
    queries: { type: "string", default: "60" },
    out: { type: "string" },
  },
});

function positive(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`Invalid --${name}: ${value}`);
  return n;
}

const latencyMs = positive("latency", flags.latency);
const connections = flags.large ? 100 : positive("connections", flags.connections);
const actions = flags.large ? 100 : positive("actions", flags.actions);
const callCount = positive("calls", flags.calls);
const warmCount = positive("warm", flags.warm);
const coldCount = Math.max(1, positive("cold", flags.cold));
const idleCount = positive("idle", flags.idle);
const queryCount = Math.max(1, positive("queries", flags.queries));
const CONCURRENCY = [1, 16] as const;

// Loopback only, never through a proxy.
Deno.env.set("NO_PROXY", "127.0.0.1,localhost");
Deno.env.set("no_proxy", "127.0.0.1,localhost");

const customerOf = (i: number): string => `customer-${i}`;
// customer-0: warm sessions, idle sessions, calls at concurrency 1; then one per cold sample;
// then one per loop at concurrency 16.
const coldCustomers = Array.from({ length: coldCount }, (_, i) => customerOf(1 + i));
const loadCustomers = Array.from({ length: 16 }, (_, i) => customerOf(1 + coldCount + i));
const size: WorkspaceSize = {
  connections,
  actions,
  customers: 1 + coldCount + 16,
  big: { connections: 100, actions: 100 },
};

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect) { for (let i = 0; i < 3; i++) collect(); }
}

function signed(value: number): string {
  return `${value >= 0 ? "+" : ""}${round1(value)}`;
}

function ms(value: number): string {
  return `${round1(value)} ms`;
}

const fakeWorker = new WorkerRpc(new URL("./fake_worker.ts", import.meta.url));
const load = new WorkerRpc(new URL("./load_worker.ts", import.meta.url));
let kv: Deno.Kv | undefined;
let idle: (() => Promise<void>) | undefined;
let server: Deno.HttpServer<Deno.NetAddr> | undefined;
const deadline = setTimeout(() => {
  // deno-lint-ignore no-console
  console.error("Benchmark took longer than 10 minutes: stopping");
  Deno.exit(2);
}, 10 * 60_000);

const loadBefore = Deno.loadavg();
try {
  const { url: fakeUrl } = await fakeWorker.call<{ url: string }>("start", { size, latencyMs });
  const token = (customerId: string) => fakeWorker.call<string>("token", { customerId });
  const requests = () =>
    fakeWorker.call<{ total: number; byRoute: Record<string, number> }>("requests");
  const clearRequests = () => fakeWorker.call("clearRequests");

  const config = loadConfig({
    HOST: "127.0.0.1",
    PORT: "0",
    INTEGRATION_APP_API_URL: fakeUrl,
    KV_PATH: ":memory:",
    LOG_LEVEL: "warn",
    // The per-tenant limits stay on (their cost is measured) but out of reach: one tenant
    // opens 1,000 sessions in a few seconds here.
    RATE_LIMIT_PER_SECOND: "100000",
    RATE_LIMIT_BURST: "100000",
    TOOL_CALL_RATE_LIMIT_PER_SECOND: "100000",
    TOOL_CALL_RATE_LIMIT_BURST: "100000",
    // Room for every tenant of the run: this measures the cache, not reloads from KV.
    // The call log and the result cap are on by default; these let a run compare.
    ...Object.fromEntries(
      ["CALL_LOG_MAX_PER_CUSTOMER", "MAX_RESULT_BYTES", "LOG_ARGUMENT_VALUES"]
        .map((name) => [name, Deno.env.get(name)]).filter(([, value]) => value !== undefined),
    ),
    CATALOG_MEMORY_TOOLS: String(
      Math.max(100_000, Math.ceil((size.customers * connections * actions + 100 * 100) * 1.2)),
    ),
  });
  kv = await Deno.openKv(":memory:");
  const services = createServices({
    config,
    kv,
    logger: createLogger(config.logLevel),
    apiFactory: createIntegrationAppApiFactory(apiOptionsFromConfig(config)),
  });
  idle = () => services.background.drain();
  server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    createHandler(services),
  );
  const mcpUrl = `http://127.0.0.1:${server.addr.port}/mcp`;
  const mainToken = await token(customerOf(0));
  const tool = calledToolName();
  const args = { email: "ada@example.com", name: "Ada Lovelace" };
  const runUrl = `${fakeUrl}/connections/conn_0_0/actions/${tool.split("_")[1]}/run`;

  // 2. Cold: a new tenant, empty cache (token check + catalog build).
  await clearRequests();
  const coldTokens = await Promise.all(coldCustomers.map(token));
  const cold = await load.call<LoadResult & { tools: number }>("sessions", {
    mcpUrl,
    tokens: coldTokens,
  });
  const coldRequests = await requests();

  // 3. Warm: more sessions of a tenant whose catalog is cached.
  await load.call("sessions", { mcpUrl, tokens: [mainToken] });
  await clearRequests();
  const warm = await load.call<LoadResult & { tools: number }>("sessions", {
    mcpUrl,
    tokens: Array.from({ length: warmCount }, () => mainToken),
  });
  const warmRequests = await requests();
  const warmListings = Object.entries(warmRequests.byRoute)
    .filter(([route]) => route !== "POST /connections/{id}/actions/{key}/run")
    .reduce((sum, [, n]) => sum + n, 0);

  // 4. tools/call at concurrency 1 and 16, in steady state: the catalogs of the tenants are
  // built (and written to KV) first, so no cold start falls into the timed calls.
  const loadTokens = await Promise.all(loadCustomers.map(token));
  await load.call("sessions", { mcpUrl, tokens: loadTokens });
  await services.background.drain();
  // The physical floor, the fake alone by direct fetch at the same concurrency, is measured
  // right before and right after the server's calls (see load_worker.ts).
  const calls: Record<number, LoadResult> = {};
  const floor: Record<number, Summary> = {};
  for (const concurrency of CONCURRENCY) {
    await clearRequests();
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
    calls[concurrency] = result.calls;
    floor[concurrency] = summarize(result.floor.latencies);
  }
  const floor1 = floor[1] as Summary;

  // 5. Memory of idle sessions.
  await clearRequests();
  gc();
  const before = Deno.memoryUsage();
  const idled = await load.call<LoadResult>("idleSessions", {
    mcpUrl,
    token: mainToken,
    count: idleCount,
    concurrency: 16,
  });
  gc();
  const after = Deno.memoryUsage();

  // 6. enable-tools {query} on the big customer's catalog.
  const bigToken = await token(BIG_CUSTOMER);
  const warmBig = await load.call<LoadResult & { tools: number }>("sessions", {
    mcpUrl,
    tokens: [bigToken],
  });
  const queries = searchQueries(queryCount);
  const enable = await load.call<LoadResult & { enabled: number; first: number }>("enableTools", {
    mcpUrl,
    token: bigToken,
    queries,
  });

  // Report.
  const coldS = summarize(cold.latencies);
  const warmS = summarize(warm.latencies);
  const enableS = summarize(enable.latencies);
  const coldTarget = 4 * latencyMs + 50;
  // The listing targets are set for the default workspace (1,000 tools).
  const listingTargets = connections * actions === 1000;
  const rows: Row[] = [
    {
      metric: `cold initialize+tools/list (${cold.tools} tools, new tenant) p50`,
      value: ms(coldS.p50),
      floor: `${ms(floor1.p50)} x1 call`,
      overhead: `${round1(coldS.p50 / floor1.p50)} x floor`,
      target: listingTargets ? `<= ${coldTarget} ms` : undefined,
      ok: listingTargets ? coldS.p50 <= coldTarget : undefined,
    },
    {
      metric: "cold initialize+tools/list p95",
      value: ms(coldS.p95),
    },
    {
      metric: `warm initialize+tools/list (${warm.tools} tools) p50`,
      value: ms(warmS.p50),
      target: listingTargets ? "<= 15 ms" : undefined,
      ok: listingTargets ? warmS.p50 <= 15 : undefined,
    },
    { metric: "warm initialize+tools/list p95", value: ms(warmS.p95) },
    {
      metric: "upstream requests per cold session",
      value: String(round1(coldRequests.total / coldCount)),
    },
    {
      metric: "upstream requests per warm session (listings)",
      value: `${round1(warmRequests.total / warmCount)} (${warmListings})`,
      target: "0 listings",
      ok: warmListings === 0,
    },
  ];
  for (const concurrency of CONCURRENCY) {
    const result = calls[concurrency] as LoadResult;
    const s = summarize(result.latencies);
    const f = floor[concurrency] as Summary;
    for (const p of ["p50", "p95", "p99"] as const) {
      const limit = p === "p50" ? 3 : p === "p99" ? 10 : undefined;
      rows.push({
        metric: `tools/call c=${concurrency} ${p}`,
        value: ms(s[p]),
        floor: ms(f[p]),
        overhead: ms(s[p] - f[p]),
        target: limit !== undefined ? `<= ${limit} ms over` : undefined,
        ok: limit !== undefined ? s[p] - f[p] <= limit : undefined,
      });
    }
    rows.push({
      metric: `tools/call c=${concurrency} throughput`,
      value: `${Math.round(result.latencies.length / (result.wallMs / 1000))} calls/s`,
      floor: `${Math.round((concurrency * 1000) / f.mean)} calls/s`,
    });
    rows.push({
      metric: `tools/call c=${concurrency} errors`,
      value: `${result.errors} of ${result.latencies.length + result.errors}`,
      target: "0",
      ok: result.errors === 0,
    });
  }
  const rssDelta = (after.rss - before.rss) / 1024 / 1024;
  rows.push(
    {
      metric: `RSS after ${idleCount} idle sessions`,
      value: `${signed(rssDelta)} MB (heap ${
        signed((after.heapUsed - before.heapUsed) / 1024 / 1024)
      } MB)`,
      target: "<= 50 MB",
      ok: rssDelta <= 50 && idled.errors === 0,
    },
    {
      metric: `enable-tools {query} on ${warmBig.tools} tools p50`,
      value: ms(enableS.p50),
      overhead: `p95 ${ms(enableS.p95)}, first ${ms(enable.first)}`,
      target: "<= 20 ms",
      ok: enableS.p50 <= 20,
    },
  );

  const table = renderTable(rows);
  const loadAfter = Deno.loadavg();
  const heading = `Workspace ${connections} connections x ${actions} actions, fake latency ` +
    `${latencyMs} ms, ${navigator.hardwareConcurrency} CPUs, Deno ${Deno.version.deno}; ` +
    `load average ${loadBefore[0]?.toFixed(2)} before, ${loadAfter[0]?.toFixed(2)} after ` +
    `(other processes on the machine show up in the tails)`;
  // deno-lint-ignore no-console
  console.log(`${heading}\n\n${table}`);

  const result = {
    at: new Date().toISOString(),
    deno: Deno.version.deno,
    cpus: navigator.hardwareConcurrency,
    loadAverage: { before: loadBefore, after: loadAfter },
    workspace: { connections, actions, latencyMs },
    floor,
    cold: { ...coldS, tools: cold.tools, errors: cold.errors, requests: coldRequests },
    warm: { ...warmS, tools: warm.tools, errors: warm.errors, requests: warmRequests },
    calls: Object.fromEntries(
      Object.entries(calls).map(([c, r]) => [c, {
        ...summarize(r.latencies),
        errors: r.errors,
        firstError: r.firstError,
        throughput: r.latencies.length / (r.wallMs / 1000),
      }]),
    ),
    idle: {
      sessions: idleCount,
      errors: idled.errors,
      firstError: idled.firstError,
      rssDeltaMb: rssDelta,
      heapDeltaMb: (after.heapUsed - before.heapUsed) / 1024 / 1024,
    },
    enableTools: { ...enableS, tools: warmBig.tools, first: enable.first, enabled: enable.enabled },
    rows,
  };
  const out = flags.out ??
    new URL(`./results/bench-${result.at.replace(/[:.]/g, "-")}.json`, import.meta.url).pathname;
  await Deno.mkdir(new URL("./results/", import.meta.url), { recursive: true });
  await Deno.writeTextFile(out, JSON.stringify(result, null, 2) + "\n");
  // deno-lint-ignore no-console
  console.log(`\nJSON: ${out}`);
} finally {
  clearTimeout(deadline);
  await server?.shutdown();
  await idle?.();
  kv?.close();
  await fakeWorker.call("stop").catch(() => {});
  fakeWorker.terminate();
  load.terminate();
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
