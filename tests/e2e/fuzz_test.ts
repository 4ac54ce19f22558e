/**
 * Seeded fuzzing of the HTTP surface: thousands of generated malformed requests (bodies,
 * JSON-RPC shapes, params, headers, query strings, methods, paths, raw HTTP) against the real
 * server on 127.0.0.1. Asserts no 5xx, the server still answers, and the stored sessions and
 * chats are byte-for-byte unchanged. `FUZZ_SEED` and `FUZZ_COUNT` reproduce or widen a run.
 *
 * @module
 */
import assert from "node:assert/strict";
import { fixtureWorkspace } from "../../fake_integration_app/fixtures.ts";
import { sessionIdOf, startTestServer, type TestServer } from "../support/harness.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 20_261_125);
const COUNT = Number(Deno.env.get("FUZZ_COUNT") ?? 10_000);
const CONCURRENCY = Number(Deno.env.get("FUZZ_CONC") ?? 32);

/** mulberry32: a small, fast, seedable PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Gen {
  constructor(readonly random: () => number) {}
  int(max: number): number {
    return Math.floor(this.random() * max);
  }
  chance(p: number): boolean {
    return this.random() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
  string(max = 12, alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-_"): string {
    let s = "";
    for (let i = 0, n = 1 + this.int(max); i < n; i++) s += alphabet[this.int(alphabet.length)];
    return s;
  }
  /** Any JSON value, small. */
  value(depth = 0): unknown {
    switch (this.int(depth > 2 ? 7 : 10)) {
      case 0:
        return null;
      case 1:
        return this.chance(0.5);
      case 2:
        return this.pick([0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, Number.MIN_VALUE]);
      case 3:
        return this.string(20);
      case 4:
        return this.pick(["", " ", "\u0000", "\u202e", "😀", "<script>", "'; DROP", "%00", "\\"]);
      case 5:
        return "x".repeat(this.int(2000));
      case 6:
        return this.pick(["__proto__", "constructor", "toString", "hasOwnProperty"]);
      case 7:
        return Array.from({ length: this.int(4) }, () => this.value(depth + 1));
      default: {
        const o: Record<string, unknown> = {};
        for (let i = 0, n = this.int(4); i < n; i++) {
          o[this.pick(["__proto__", "name", "arguments", "cursor", this.string(6)])] = this
            .value(depth + 1);
        }
        return o;
      }
    }
  }
}

interface Fixture {
  server: TestServer;
  alice: string;
  bob: string;
  forged: string;
  staticSession: string;
  dynamicSession: string;
  bobSession: string;
}

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Send as hand-written HTTP/1.1 over TCP (for headers fetch refuses). */
  raw?: boolean;
}

const TOOLS = ["hubspot_create-contact", "gmail_send-email", "gmail_read-email", "nope_tool"];

/** A well-formed message to start mutating from. */
function template(g: Gen): Record<string, unknown> {
  const id = g.pick<unknown>([1, "a", 0, -5, 2 ** 40]);
  switch (g.int(7)) {
    case 0:
      return { jsonrpc: "2.0", id, method: "ping" };
    case 1:
      return { jsonrpc: "2.0", id, method: "tools/list", params: { cursor: g.value() } };
    case 2:
      return {
        jsonrpc: "2.0",
        id,
        method: "tools/call",
        params: { name: g.pick(TOOLS), arguments: g.value() },
      };
    case 3:
      // enable-tools with arguments that are always refused (wrong types): no state change.
      return {
        jsonrpc: "2.0",
        id,
        method: "tools/call",
        params: {
          name: "enable-tools",
          arguments: g.pick([
            { tools: g.pick([1, "gmail_send-email", {}, [1, 2], [""], null]) },
            { query: g.pick([1, "", [], {}]) },
            { tools: ["gmail_send-email"], limit: g.pick([0, -1, "5", 1000]) },
            { [g.string(5)]: g.value(), tools: [g.string(30)], extra: 1 },
          ]),
        },
      };
    case 4:
      return {
        jsonrpc: "2.0",
        id,
        method: "initialize",
        params: g.pick([
          {},
          { protocolVersion: g.value(), capabilities: {} },
          { protocolVersion: "2025-06-18", clientInfo: g.value() },
        ]),
      };
    case 5:
      return { jsonrpc: "2.0", method: g.pick(["notifications/initialized", "notifications/x"]) };
    default:
      return { jsonrpc: "2.0", id, method: g.pick(["resources/list", "x", "", "rpc.discover"]) };
  }
}

function mutateMessage(g: Gen, message: Record<string, unknown>): unknown {
  const m: Record<string, unknown> = { ...message };
  for (let i = 0, n = g.int(3); i < n; i++) {
    const field = g.pick(["jsonrpc", "id", "method", "params", "result", "error"]);
    switch (g.int(3)) {
      case 0:
        delete m[field];
        break;
      case 1:
        m[field] = g.value();
        break;
      default:
        if (typeof m.params === "object" && m.params !== null) {
          m.params = { ...m.params as object, [g.string(6)]: g.value() };
        }
    }
  }
  return m;
}

function body(g: Gen): string {
  const message = () => mutateMessage(g, template(g));
  switch (g.int(12)) {
    case 0: {
      const text = JSON.stringify(message());
      return text.slice(0, g.int(text.length)); // truncated
    }
    case 1:
      return g.pick(["", " ", "null", "[]", "{}", "[[]]", "true", "0", '"x"', "\u0000", "{'a':1}"]);
    case 2:
      return "[".repeat(g.int(3000)) + "]".repeat(g.int(3000));
    case 3:
      return JSON.stringify(
        Array.from({ length: 1 + g.int(5) }, () => g.chance(0.7) ? message() : g.value()),
      );
    case 4:
      return JSON.stringify({ ...template(g), params: { pad: "x".repeat(5000) } }); // over 4 KiB
    case 5: {
      const text = JSON.stringify(message());
      const at = g.int(text.length + 1);
      return text.slice(0, at) + g.string(3, '{}[]",:\\\u00ff') + text.slice(at);
    }
    default:
      return JSON.stringify(message());
  }
}

function headers(g: Gen, f: Fixture): Record<string, string> {
  const h: Record<string, string> = {};
  const auth = g.int(20);
  if (auth < 13) h.authorization = `Bearer ${g.pick([f.alice, f.alice, f.bob])}`;
  else if (auth === 13) h.authorization = `Bearer ${f.forged}`;
  else if (auth === 14) h.authorization = `Bearer ${g.string(40)}`;
  else if (auth === 15) h.authorization = `Basic ${btoa(g.string(10))}`;
  else if (auth === 16) h.authorization = `Bearer ${"a".repeat(17_000)}`;
  else if (auth === 17) h.authorization = g.pick(["Bearer", "Bearer ", "bearer x y", "Token abc"]);
  else if (auth === 18) h.authorization = `Bearer ${g.string(5)}.${g.string(30)}.${g.string(20)}`;

  h["content-type"] = g.chance(0.85) ? "application/json" : g.pick([
    "text/plain",
    "application/json; charset=latin1",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/vnd.api+json",
    "",
  ]);
  h.accept = g.chance(0.85) ? "application/json, text/event-stream" : g.pick([
    "application/json",
    "text/event-stream",
    "*/*",
    "text/html",
    "",
  ]);
  const session = g.int(10);
  if (session < 4) h["mcp-session-id"] = f.staticSession;
  else if (session < 6) h["mcp-session-id"] = f.dynamicSession;
  else if (session === 6) h["mcp-session-id"] = f.bobSession;
  else if (session === 7) h["mcp-session-id"] = g.pick([g.string(36), "", "x".repeat(500)]);
  if (g.chance(0.3)) {
    h["mcp-protocol-version"] = g.pick(["2025-06-18", "2025-03-26", "1999-01-01", "", "latest"]);
  }
  if (g.chance(0.15)) {
    // Only chat ids the server must refuse: a valid one would (rightly) link a chat.
    h["x-chat-id"] = g.pick(["c".repeat(201 + g.int(5000)), "bad\tid", "tab\tchat", "é-chat"]);
  }
  if (g.chance(0.05)) h.origin = g.pick(["https://evil.example", "null", "http://localhost:1"]);
  return h;
}

function query(g: Gen): string {
  if (g.chance(0.7)) return "";
  return "?" + g.pick([
    "mode=foo",
    "mode=",
    "mode=dynamic&mode=static",
    "apps=",
    "apps=,,",
    `apps=${Array.from({ length: 150 }, (_, i) => `a${i}`).join(",")}`,
    `apps=${encodeURIComponent("<script>")}`,
    `apps=${"a".repeat(300)}`,
    "token=abc",
    `${g.string(5)}=${g.string(500)}`,
    "%zz=%zz",
  ]);
}

function generate(g: Gen, f: Fixture): FuzzRequest {
  const h = headers(g, f);
  const kind = g.int(20);
  if (kind === 0) {
    // The chats endpoint, with ids that exist only for other tenants, or junk.
    const id = g.pick(["chat-a", "chat-d", g.string(30), "%E0%A4%A", "c".repeat(3000), "%2F.."]);
    const token = g.pick([f.bob, f.forged, f.alice]);
    return {
      method: token === f.alice ? "GET" : g.pick(["GET", "DELETE", "POST", "PUT"]),
      path: `/mcp/sessions/${id}`,
      headers: { ...h, authorization: `Bearer ${token}` },
    };
  }
  if (kind === 1) {
    return {
      method: g.pick(["GET", "HEAD", "OPTIONS", "PATCH"]),
      path: "/mcp/sessions",
      headers: h,
    };
  }
  if (kind === 2) {
    // DELETE and GET /mcp: only with sessions the caller does not own, or no session.
    const { "mcp-session-id": _, ...rest } = h;
    const sessionId = g.pick([f.bobSession, g.string(36), ""]);
    return {
      method: g.pick(["DELETE", "GET"]),
      path: "/mcp",
      headers: { ...rest, authorization: `Bearer ${f.alice}`, "mcp-session-id": sessionId },
    };
  }
  if (kind === 3) {
    return {
      method: "POST",
      path: g.pick(["/", "/mcp/", "/MCP", "/mcp/x/y", "/healthz", `/${g.string(50)}`]),
      headers: h,
      body: body(g),
    };
  }
  if (kind === 4) {
    // Raw HTTP with header values fetch would refuse.
    const odd = g.pick(["\u00ff\u00fe", "a\u0001b", "x".repeat(9000), "\u0080", "pad\u007fded"]);
    return {
      method: "POST",
      path: `/mcp${query(g)}`,
      headers: {
        ...h,
        [g.pick(["x-chat-id", "mcp-session-id", "accept", "host", "x-odd"])]: odd,
      },
      body: body(g),
      raw: true,
    };
  }
  const request: FuzzRequest = {
    method: g.chance(0.95) ? "POST" : g.pick(["PUT", "PATCH"]),
    path: `/mcp${query(g)}`,
    headers: h,
    body: body(g),
  };
  return ensureHarmless(g, request, f);
}

/**
 * A generated request that would rightly change state (a valid initialize creates a session)
 * is made invalid in one more way, so every request of the run is one the server must refuse.
 */
function ensureHarmless(g: Gen, request: FuzzRequest, f: Fixture): FuzzRequest {
  let messages: unknown[];
  try {
    const parsed = JSON.parse(request.body ?? "");
    messages = Array.isArray(parsed) ? parsed : [parsed];
  } catch {
    return request;
  }
  const initializes = messages.some((m) =>
    typeof m === "object" && m !== null && (m as { method?: unknown }).method === "initialize"
  );
  if (!initializes) return request;
  const breakers = [
    () => request.headers.accept = "application/json",
    () => request.headers["content-type"] = "text/plain",
    () => request.headers.authorization = `Bearer ${f.forged}`,
    () => request.path = "/mcp?mode=foo",
    () => request.headers["x-chat-id"] = "bad\tchat\tid",
  ];
  g.pick(breakers)();
  return request;
}

async function sendRaw(url: URL, request: FuzzRequest): Promise<number> {
  const conn = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
  try {
    const bodyBytes = new TextEncoder().encode(request.body ?? "");
    const head = [
      `${request.method} ${request.path} HTTP/1.1`,
      ...Object.entries({ host: url.host, ...request.headers, connection: "close" })
        .map(([k, v]) => `${k}: ${v}`),
      `content-length: ${bodyBytes.length}`,
      "",
      "",
    ].join("\r\n");
    // Latin-1 bytes as they are: header values are bytes on the wire.
    await conn.write(Uint8Array.from(head, (c) => c.charCodeAt(0) & 0xff));
    await conn.write(bodyBytes);
    let text = "";
    const buffer = new Uint8Array(4096);
    while (!text.includes("\r\n")) {
      const n = await conn.read(buffer);
      if (n === null) break;
      text += new TextDecoder().decode(buffer.subarray(0, n));
    }
    const status = Number(text.split(" ")[1]);
    assert.ok(Number.isInteger(status), `No HTTP status for a raw request: ${text.slice(0, 80)}`);
    return status;
  } finally {
    conn.close();
  }
}

async function send(baseUrl: string, request: FuzzRequest): Promise<number> {
  if (request.raw) return await sendRaw(new URL(baseUrl), request);
  const response = await fetch(`${baseUrl}${request.path}`, {
    method: request.method,
    headers: request.headers,
    body: request.method === "GET" || request.method === "HEAD" ? undefined : request.body,
  });
  await response.arrayBuffer();
  return response.status;
}

async function snapshot(kv: Deno.Kv): Promise<string> {
  const entries: unknown[] = [];
  for (const prefix of [["sessions"], ["chats"]]) {
    for await (const entry of kv.list({ prefix })) {
      entries.push([entry.key, entry.value, entry.versionstamp]);
    }
  }
  return JSON.stringify(entries);
}

Deno.test(`${COUNT} seeded malformed requests: no 5xx, the server answers, sessions unchanged`, async () => {
  const t = Date.now();
  await using server = await startTestServer({
    fake: fixtureWorkspace(),
    now: () => t, // a still clock: no "last seen" writes, no expiry during the run
    env: {
      LOG_LEVEL: "warn",
      MAX_BODY_BYTES: "4096",
      RATE_LIMIT_PER_SECOND: "1000000",
      RATE_LIMIT_BURST: "1000000",
      TOOL_CALL_RATE_LIMIT_PER_SECOND: "1000000",
      TOOL_CALL_RATE_LIMIT_BURST: "1000000",
    },
  });
  const alice = await server.fake.token("alice");
  const bob = await server.fake.token("bob");
  const staticClient = await server.connect(alice, { headers: { "x-chat-id": "chat-a" } });
  const dynamicClient = await server.connect(alice, {
    query: "?mode=dynamic",
    headers: { "x-chat-id": "chat-d" },
  });
  await dynamicClient.callTool({
    name: "enable-tools",
    arguments: { tools: ["gmail_send-email"] },
  });
  const bobClient = await server.connect(bob, { headers: { "x-chat-id": "chat-b" } });
  const toolsBefore = (await staticClient.listTools()).tools.length;
  const fixture: Fixture = {
    server,
    alice,
    bob,
    forged: await server.fake.token("alice", { secret: "forged" }),
    staticSession: sessionIdOf(staticClient),
    dynamicSession: sessionIdOf(dynamicClient),
    bobSession: sessionIdOf(bobClient),
  };
  await server.services.background.drain();
  const before = await snapshot(server.kv);

  const g = new Gen(prng(SEED));
  const requests = Array.from({ length: COUNT }, () => generate(g, fixture));
  const statuses = new Map<number, number>();
  const failures: string[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < requests.length) {
      const index = next++;
      const request = requests[index] as FuzzRequest;
      try {
        const status = await send(server.url, request);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status >= 500) failures.push(`#${index} ${request.method} ${request.path}: ${status}`);
      } catch (error) {
        failures.push(`#${index} ${request.method} ${request.path}: ${error}`);
      }
    }
  }));
  await server.services.background.drain();

  const histogram = [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}:${n}`);
  // deno-lint-ignore no-console
  console.log(`fuzz seed=${SEED} requests=${COUNT} statuses ${histogram.join(" ")}`);
  assert.deepEqual(failures.slice(0, 10), [], `seed ${SEED}: ${failures.length} failures`);
  assert.equal([...statuses.values()].reduce((a, b) => a + b, 0), COUNT);
  assert.ok(statuses.size >= 8, `too few distinct outcomes: ${histogram.join(" ")}`);
  assert.deepEqual(server.logs.filter((line) => line.includes('"level":"error"')), []);

  // Still answering, with every session as it was.
  const health = await fetch(`${server.url}/healthz`);
  await health.arrayBuffer();
  assert.equal(health.status, 200);
  assert.equal((await staticClient.listTools()).tools.length, toolsBefore);
  const names = (await dynamicClient.listTools()).tools.map((tool) => tool.name);
  assert.deepEqual(names, [
    "enable-tools",
    "search-tools",
    "call-tool",
    "connect-app",
    "read-result",
    "gmail_send-email",
  ]);
  assert.equal(await snapshot(server.kv), before, `seed ${SEED}: stored sessions or chats changed`);
});
