/**
 * The class regression test of the security review: every string a client controls (each
 * string argument of each meta-tool, tool names, JSON-RPC fields, query parameters, headers)
 * fed a huge value is answered within a bounded time with a clear 4xx or `isError`, and the
 * answer does not echo it back.
 */
import assert from "node:assert/strict";
import { fixtureWorkspace } from "../../fake_integration_app/fixtures.ts";
import {
  initializeBody,
  mcpHeaders,
  rawRequest,
  startTestServer,
  type TestServer,
} from "../support/harness.ts";

const MB = 1024 * 1024;
/** The most one request may take, even on a busy CI machine (the linear work is ~10 ms). */
const BOUND_MS = 3_000;
/** Capitals: the worst case for the old tokenizer, whose backtracking was quadratic in them. */
const huge = (size: number) => "A".repeat(size);

interface RawAnswer {
  status: number;
  bytes: number;
  ms: number;
}

/** A hand-written HTTP/1.1 request over TCP (fetch refuses URLs this long). */
async function raw(
  server: TestServer,
  options: { method?: string; target: string; headers?: Record<string, string>; body?: string },
): Promise<RawAnswer> {
  const started = performance.now();
  const conn = await Deno.connect({
    hostname: "127.0.0.1",
    port: Number(new URL(server.url).port),
  });
  try {
    const body = new TextEncoder().encode(options.body ?? "");
    const headers = {
      host: new URL(server.url).host,
      connection: "close",
      "content-length": String(body.length),
      ...options.headers,
    };
    const head = [
      `${options.method ?? "GET"} ${options.target} HTTP/1.1`,
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
      "",
      "",
    ].join("\r\n");
    await conn.write(new TextEncoder().encode(head)).catch(() => {});
    await conn.write(body).catch(() => {});
    const chunks: Uint8Array[] = [];
    const buffer = new Uint8Array(64 * 1024);
    for (;;) {
      const read = await conn.read(buffer).catch(() => null);
      if (read === null) break;
      chunks.push(buffer.slice(0, read));
    }
    const text = new TextDecoder().decode(
      chunks.reduce((all, chunk) => new Uint8Array([...all, ...chunk]), new Uint8Array()),
    );
    return {
      status: Number(text.split(" ")[1]),
      bytes: text.length,
      ms: performance.now() - started,
    };
  } finally {
    conn.close();
  }
}

function assertRefusedQuickly(answer: RawAnswer, what: string): void {
  assert.ok(answer.status >= 400 && answer.status < 500, `${what}: status ${answer.status}`);
  assert.ok(answer.ms < BOUND_MS, `${what}: took ${Math.round(answer.ms)} ms`);
  assert.ok(answer.bytes < 10_000, `${what}: answered ${answer.bytes} bytes`);
}

async function initialize(server: TestServer, token: string, query = ""): Promise<string> {
  const res = await rawRequest(`${server.mcpUrl}${query}`, {
    method: "POST",
    token,
    headers: mcpHeaders(),
    body: initializeBody(),
  });
  assert.equal(res.status, 200);
  return res.headers.get("mcp-session-id") as string;
}

/** A value for each JSON Schema type, to fill the arguments not under test. */
function filler(schema: { type?: unknown }): unknown {
  switch (schema.type) {
    case "string":
      return "x";
    case "array":
      return [];
    case "object":
      return {};
    case "boolean":
      return false;
    default:
      return 1;
  }
}

Deno.test("every string argument of every meta-tool, fed 1 MB, gets a quick isError", async (t) => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const client = await server.connect(token, { query: "?mode=dynamic" });
  const { tools } = await client.listTools();
  assert.ok(tools.some((tool) => tool.name === "enable-tools"));
  let cases = 0;
  for (const tool of tools) {
    const schema = tool.inputSchema as {
      properties?: Record<string, { type?: unknown; items?: { type?: unknown } }>;
      required?: string[];
    };
    const properties = schema.properties ?? {};
    for (const [name, property] of Object.entries(properties)) {
      const value = property.type === "string"
        ? huge(MB)
        : property.type === "array" && property.items?.type === "string"
        ? [huge(MB)]
        : undefined;
      if (value === undefined) continue;
      cases++;
      await t.step(`${tool.name} ${name}`, async () => {
        const args: Record<string, unknown> = {};
        for (const required of schema.required ?? []) {
          args[required] = filler(properties[required] ?? {});
        }
        args[name] = value;
        const started = performance.now();
        const result = await client.callTool({ name: tool.name, arguments: args });
        const ms = performance.now() - started;
        assert.ok(ms < BOUND_MS, `took ${Math.round(ms)} ms`);
        assert.equal(result.isError, true);
        const text = (result.content as { text?: string }[]).map((c) => c.text ?? "").join("");
        assert.ok(text.length < 10_000, `answered ${text.length} characters`);
        assert.match(text, new RegExp(`"${name}"|${name}`));
      });
    }
  }
  assert.ok(cases >= 2, "enable-tools has at least query and tools");
});

Deno.test("JSON-RPC strings of 1 MB (method, tool name, cursor, client info) are answered quickly and not echoed", async (t) => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const headersFor = (sessionId: string) => ({
    ...mcpHeaders(),
    authorization: `Bearer ${token}`,
    "mcp-session-id": sessionId,
    "mcp-protocol-version": "2025-06-18",
  });
  for (const mode of ["static", "dynamic"]) {
    const sessionId = await initialize(server, token, `?mode=${mode}`);
    const bodies: Record<string, unknown> = {
      "an unknown method": { jsonrpc: "2.0", id: 1, method: huge(MB) },
      "a notification": { jsonrpc: "2.0", method: huge(MB) },
      "a tool name": {
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: huge(MB), arguments: {} },
      },
      "a tools/list cursor": {
        jsonrpc: "2.0",
        id: 1,
        method: "tools/list",
        params: { cursor: huge(MB) },
      },
    };
    for (const [what, body] of Object.entries(bodies)) {
      await t.step(`${mode}: ${what}`, async () => {
        const answer = await raw(server, {
          method: "POST",
          target: `/mcp?mode=${mode}`,
          headers: headersFor(sessionId),
          body: JSON.stringify(body),
        });
        assert.ok(answer.ms < BOUND_MS, `took ${Math.round(answer.ms)} ms`);
        assert.ok(answer.bytes < 10_000, `answered ${answer.bytes} bytes`);
        // A JSON-RPC error or isError rides a 200; a notification is accepted with 202.
        assert.ok([200, 202].includes(answer.status), `status ${answer.status}`);
      });
    }
  }
  await t.step("initialize with 1 MB client info and protocol version", async () => {
    for (
      const params of [
        {
          protocolVersion: "2025-06-18",
          capabilities: {},
          clientInfo: { name: huge(MB), version: "1" },
        },
        {
          protocolVersion: huge(MB),
          capabilities: {},
          clientInfo: { name: "c", version: huge(MB) },
        },
      ]
    ) {
      const answer = await raw(server, {
        method: "POST",
        target: "/mcp",
        headers: { ...mcpHeaders(), authorization: `Bearer ${token}` },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params }),
      });
      assert.ok(answer.ms < BOUND_MS, `took ${Math.round(answer.ms)} ms`);
      assert.ok(answer.bytes < 10_000, `answered ${answer.bytes} bytes`);
      assert.ok(answer.status === 200 || (answer.status >= 400 && answer.status < 500));
    }
  });
});

Deno.test("every HTTP parameter fed 1 MB, or just under the head limit, gets a quick 4xx", async (t) => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const sessionId = await initialize(server, token);
  const auth = { authorization: `Bearer ${token}` };
  const session = { ...auth, "mcp-session-id": sessionId, "mcp-protocol-version": "2025-06-18" };
  const ping = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" });
  type Template = (value: string) => Parameters<typeof raw>[1];
  const post = (target: string, headers: Record<string, string>, body = initializeBody()) => ({
    method: "POST",
    target,
    headers: { ...mcpHeaders(), ...headers },
    body,
  });
  const templates: Record<string, Template> = {
    "mode": (v) => post(`/mcp?mode=${v}`, auth),
    "apps": (v) => post(`/mcp?apps=${v}`, auth),
    "x-chat-id": (v) => post("/mcp", { ...auth, "x-chat-id": ` ${v}\u0001` }),
    "x-chat-id on a session": (v) => post("/mcp", { ...session, "x-chat-id": v }, ping),
    "Mcp-Session-Id": (v) => post("/mcp", { ...auth, "mcp-session-id": v }, ping),
    "MCP-Protocol-Version": (v) => post("/mcp", { ...session, "mcp-protocol-version": v }, ping),
    "Authorization": (v) => post("/mcp", { authorization: `Bearer ${v}` }),
    "Accept": (v) => post("/mcp", { ...auth, accept: v }),
    "Content-Type": (v) => post("/mcp", { ...auth, "content-type": v }),
    "Origin": (v) => post("/mcp", { ...auth, origin: `http://${v}.example` }),
    "Host": (v) => ({ ...post("/mcp", auth), headers: { ...mcpHeaders(), ...auth, host: v } }),
    "DELETE Mcp-Session-Id": (v) => ({
      method: "DELETE",
      target: "/mcp",
      headers: { ...auth, "mcp-session-id": v },
    }),
    "GET /mcp/tools q": (v) => ({ target: `/mcp/tools?q=${v}`, headers: auth }),
    "GET /mcp/tools limit": (v) => ({ target: `/mcp/tools?limit=${v}`, headers: auth }),
    "GET /mcp/tools apps": (v) => ({ target: `/mcp/tools?apps=${v}`, headers: auth }),
    "GET /mcp/tools unknown parameter": (v) => ({ target: `/mcp/tools?${v}=1`, headers: auth }),
    "GET /mcp/sessions limit": (v) => ({ target: `/mcp/sessions?limit=${v}`, headers: auth }),
    "GET /mcp/sessions cursor": (v) => ({ target: `/mcp/sessions?cursor=${v}`, headers: auth }),
    "GET /mcp/sessions/{chatId}": (v) => ({ target: `/mcp/sessions/${v}`, headers: auth }),
    "DELETE /mcp/sessions/{chatId}": (v) => ({
      method: "DELETE",
      target: `/mcp/sessions/${v}`,
      headers: auth,
    }),
  };
  // 1 MB is refused by Deno's HTTP server before it reaches the handler (its request head
  // holds about 64 KB); 60,000 characters reach the handler's own checks.
  for (const size of [MB, 60_000]) {
    for (const [what, template] of Object.entries(templates)) {
      await t.step(`${what}: ${size} characters`, async () => {
        assertRefusedQuickly(await raw(server, template(huge(size))), what);
      });
    }
  }
  const chats = await rawRequest(`${server.url}/mcp/sessions`, { token });
  assert.deepEqual(chats.json, {}, "no chat was made");
});
