/**
 * `deno task bench:eras`: warm `tools/list` and `tools/call` latency of a 2026-07-28 client
 * (the official SDK client 2.x, pinned, stateless) beside a 2025 client (the official SDK
 * client 1.x, one session), against the same server and fake API in this process (no fake
 * latency: the figures are the server's and the clients' own cost). A quick comparison; the
 * full benchmark is `deno task bench`.
 *
 * Flags: --n=N (300 timed requests of each kind per client; N/5 new connections)
 * --connections=N (20) --actions=N (50)
 *
 * @module
 */
import { parseArgs } from "node:util";
import { createHandler } from "../src/http/handler.ts";
import { connectModernClient } from "../src/sdk/modern_client.ts";
import { connectClient, startTestServer } from "../tests/support/harness.ts";
import { round1, summarize } from "./stats.ts";
import { benchWorkspace, calledToolName } from "./workspace.ts";

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    n: { type: "string", default: "300" },
    connections: { type: "string", default: "20" },
    actions: { type: "string", default: "50" },
  },
});
const n = Number(flags.n);
Deno.env.set("NO_PROXY", "127.0.0.1,localhost");

await using server = await startTestServer({
  fake: benchWorkspace({
    connections: Number(flags.connections),
    actions: Number(flags.actions),
    customers: 1,
    big: { connections: 1, actions: 1 },
  }),
  env: {
    LOG_LEVEL: "error",
    RATE_LIMIT_PER_SECOND: "100000",
    RATE_LIMIT_BURST: "100000",
    TOOL_CALL_RATE_LIMIT_PER_SECOND: "100000",
    TOOL_CALL_RATE_LIMIT_BURST: "100000",
  },
});
const token = await server.fake.token("customer-0");
const legacy = await connectClient(server.mcpUrl, token);
const modern = await connectModernClient(server.mcpUrl, token);
const tool = calledToolName();
const args = { email: "ada@example.com", name: "Ada Lovelace" };
const sessionId = (legacy.transport as { sessionId?: string } | undefined)?.sessionId ?? "";

/** The handler itself, called in process: the server's cost alone (no network, no client). */
const handler = createHandler(server.services);

/** A raw POST (over HTTP, or to the handler in process), its answer read but not validated. */
function raw(
  method: string,
  params: Record<string, unknown>,
  era: 2025 | 2026,
  inProcess = false,
): Promise<unknown> {
  const modernHeaders = {
    "mcp-protocol-version": "2026-07-28",
    "mcp-method": method,
    ...(typeof params.name === "string" ? { "mcp-name": params.name } : {}),
  };
  const meta = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": {},
  };
  const request = new Request(server.mcpUrl, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      authorization: `Bearer ${token}`,
      ...(era === 2025
        ? { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-06-18" }
        : modernHeaders),
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method,
      params: era === 2025 ? params : { ...params, _meta: meta },
    }),
  });
  return (inProcess ? handler(request) : fetch(request)).then(async (response) => {
    const text = await response.text();
    if (response.status !== 200 || text.includes('"error"')) {
      throw new Error(`${method} failed: ${response.status} ${text.slice(0, 200)}`);
    }
    return text;
  });
}

async function time(task: () => Promise<unknown>, count = n): Promise<number[]> {
  for (let i = 0; i < 20; i++) await task(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await task();
    samples.push(performance.now() - started);
  }
  return samples;
}

/** A new client that lists the tools once: the handshake (2025) or discovery (2026) counts. */
async function connectAndList(era: 2025 | 2026): Promise<void> {
  const client = era === 2025
    ? await connectClient(server.mcpUrl, token)
    : await connectModernClient(server.mcpUrl, token);
  await client.listTools();
  await client.close();
}

const rows: [string, number[]][] = [
  ["2025 connect + tools/list", await time(() => connectAndList(2025), Math.ceil(n / 5))],
  ["2026 connect + tools/list", await time(() => connectAndList(2026), Math.ceil(n / 5))],
  ["2025 tools/list", await time(() => legacy.listTools())],
  // `bypass`: the modern client would otherwise answer from its cache for `ttlMs`.
  ["2026 tools/list", await time(() => modern.listTools(undefined, { cacheMode: "bypass" }))],
  // What a client that honours the caching hints sees while the catalog is fresh.
  ["2026 tools/list, cached by ttlMs", await time(() => modern.listTools())],
  ["2025 tools/call", await time(() => legacy.callTool({ name: tool, arguments: args }))],
  ["2026 tools/call", await time(() => modern.callTool({ name: tool, arguments: args }))],
  ["2025 tools/list, raw HTTP", await time(() => raw("tools/list", {}, 2025))],
  ["2026 tools/list, raw HTTP", await time(() => raw("tools/list", {}, 2026))],
  [
    "2025 tools/call, raw HTTP",
    await time(() => raw("tools/call", { name: tool, arguments: args }, 2025)),
  ],
  [
    "2026 tools/call, raw HTTP",
    await time(() => raw("tools/call", { name: tool, arguments: args }, 2026)),
  ],
  ["2025 tools/list, server only", await time(() => raw("tools/list", {}, 2025, true))],
  ["2026 tools/list, server only", await time(() => raw("tools/list", {}, 2026, true))],
  [
    "2025 tools/call, server only",
    await time(() => raw("tools/call", { name: tool, arguments: args }, 2025, true)),
  ],
  [
    "2026 tools/call, server only",
    await time(() => raw("tools/call", { name: tool, arguments: args }, 2026, true)),
  ],
];
const tools = (await legacy.listTools()).tools.length;
const lines = [
  `${tools} tools, ${n} warm requests each, fake latency 0, load average ${
    Deno.loadavg().map((x) => x.toFixed(1)).join(" ")
  }`,
  "| request | p50 ms | p95 ms | mean ms |",
  "| --- | --- | --- | --- |",
  ...rows.map(([name, samples]) => {
    const s = summarize(samples);
    return `| ${name} | ${round1(s.p50)} | ${round1(s.p95)} | ${round1(s.mean)} |`;
  }),
];
// deno-lint-ignore no-console
console.log(lines.join("\n"));
await legacy.close();
await modern.close();
