import { FakeIntegrationApp } from "../fake_integration_app/server.ts";
import { benchWorkspace } from "./workspace.ts";
import { startServerProcess } from "./server_under_test.ts";
import { ReplayServer } from "./replay_server.ts";
import { connectModernClient } from "../src/sdk/modern_client.ts";
import { Client, StreamableHTTPClientTransport } from "../src/sdk/client.ts";

const fake = new FakeIntegrationApp({ ...benchWorkspace({ connections: 20, actions: 50, customers: 2, big: { connections: 1, actions: 1 } }), latencyMs: 20 }).start();
const dir = await Deno.makeTempDir();
const server = await startServerProcess({ apiUrl: fake.url, dir, env: {} });
const token = await fake.token("customer-0");
const replay = new ReplayServer(server.mcpUrl);
async function c26(url: string) {
  const client = await connectModernClient(url, token);
  const n = (await client.listTools(undefined, { cacheMode: "bypass" })).tools.length;
  await client.close();
  return n;
}
async function c25(url: string) {
  const client = new Client({ name: "b", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  const n = (await client.listTools()).tools.length;
  await client.close();
  return n;
}
const which = Deno.args[0] ?? "26";
console.log(which === "26" ? await c26(replay.url) : await c25(replay.url));
replay.replay();
const f = which === "26" ? c26 : c25;
const xs: number[] = [];
for (let i = 0; i < 200; i++) { const t = performance.now(); await f(replay.url); xs.push(performance.now() - t); }
xs.sort((a, b) => a - b);
console.log(which, "p50", xs[100].toFixed(2));
// listing body size
const r = await fetch(server.mcpUrl, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/list" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientInfo": {name:"x",version:"1"}, "io.modelcontextprotocol/clientCapabilities": {} } } }) });
const body = await r.text();
console.log("status", r.status, "bytes", body.length);
await Deno.writeTextFile("/tmp/prof/listing.json", body);
await replay.stop(); await server.stop(); await fake.stop();
