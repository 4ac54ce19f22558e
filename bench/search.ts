/**
 * `deno task bench:search`: speed of tool search on 10,000 tools. The catalog is the
 * discovery set's 474 actions (`--dir`, `DISCOVERY_DIR`, default `../shared/discovery`)
 * repeated over numbered copies of its apps, or the test fixture's actions when the set is not
 * there; the queries are the set's 300 requests (or the fixture's). Prints the index build time
 * (first build, with the thesaurus loaded, then p50/p95 of later builds) and the query latency,
 * with the CPU time they took (steadier than wall time on a shared machine) and the load.
 *
 *   deno task bench:search [--tools 10000] [--builds 10] [--dir ../shared/discovery]
 *
 * @module
 */
import { cpuUsage } from "node:process";
import type { Action } from "../src/integration_app/types.ts";
import { buildSearchIndex, searchTools } from "../src/tools/search.ts";
import {
  INTENT_QUERIES,
  largeSearchCatalog,
  SEARCH_APPS,
} from "../fake_integration_app/search_fixture.ts";
import { round1, summarize } from "./stats.ts";

interface App {
  key: string;
  name: string;
  actions: Omit<Action, "id">[];
}

function option(name: string, fallback: string): string {
  const at = Deno.args.indexOf(`--${name}`);
  return at >= 0 ? Deno.args[at + 1] ?? fallback : fallback;
}

async function source(dir: string): Promise<{ apps: App[]; queries: string[]; label: string }> {
  try {
    const { integrations } = JSON.parse(await Deno.readTextFile(`${dir}/catalog.json`));
    const intents = JSON.parse(await Deno.readTextFile(`${dir}/intents.json`));
    return {
      apps: integrations,
      queries: intents.map((intent: { query: string }) => intent.query),
      label: "discovery set",
    };
  } catch {
    return {
      apps: SEARCH_APPS,
      queries: INTENT_QUERIES.map((intent) => intent.query),
      label: "test fixture",
    };
  }
}

const count = Number(option("tools", "10000"));
const builds = Number(option("builds", "10"));
const dir = option("dir", Deno.env.get("DISCOVERY_DIR") ?? "../shared/discovery");
const { apps, queries, label } = await source(dir);
const tools = largeSearchCatalog(count, apps);

let started = performance.now();
let index = buildSearchIndex(tools);
const firstBuild = performance.now() - started;
const buildTimes: number[] = [];
const buildCpu: number[] = [];
for (let i = 0; i < builds; i++) {
  const cpu = cpuUsage();
  started = performance.now();
  index = buildSearchIndex(tools);
  buildTimes.push(performance.now() - started);
  const used = cpuUsage(cpu);
  buildCpu.push((used.user + used.system) / 1000);
}
for (const query of queries.slice(0, 20)) searchTools(index, query, 10); // warm up
const queryTimes: number[] = [];
const queryCpu = cpuUsage();
for (let round = 0; round < 3; round++) {
  for (const query of queries) {
    started = performance.now();
    searchTools(index, query, 10);
    queryTimes.push(performance.now() - started);
  }
}
const queryCpuUsed = cpuUsage(queryCpu);
const build = summarize(buildTimes);
const query = summarize(queryTimes);
// deno-lint-ignore no-console
console.log(
  [
    `tools: ${tools.length} (${label} actions, repeated)`,
    `index build: first ${round1(firstBuild)} ms (thesaurus loaded), then p50 ${
      round1(build.p50)
    } ms, p95 ${round1(build.p95)} ms over ${builds} builds (CPU time p50 ${
      round1(summarize(buildCpu).p50)
    } ms)`,
    `query (limit 10): p50 ${query.p50.toFixed(2)} ms, p95 ${query.p95.toFixed(2)} ms, p99 ${
      query.p99.toFixed(2)
    } ms over ${query.n} queries (${queries.length} requests x 3; mean CPU time ${
      ((queryCpuUsed.user + queryCpuUsed.system) / 1000 / query.n).toFixed(2)
    } ms)`,
    `load average: ${
      Deno.loadavg().map((load) => load.toFixed(1)).join(" ")
    } on ${navigator.hardwareConcurrency} cores`,
  ].join("\n"),
);
