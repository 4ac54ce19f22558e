/**
 * Test harness: a fake Integration.app API and the real server handler on 127.0.0.1 with an
 * in-memory (or file) Deno KV, plus the official MCP SDK client.
 *
 * @module
 */
import { createServices, type Services } from "../../src/app.ts";
import { type Config, loadConfig } from "../../src/config.ts";
import { createHandler } from "../../src/http/handler.ts";
import {
  apiOptionsFromConfig,
  createIntegrationAppApiFactory,
} from "../../src/integration_app/client.ts";
import { createLogger } from "../../src/log.ts";
import { Client, StreamableHTTPClientTransport } from "../../src/sdk/client.ts";
import { FakeIntegrationApp, type FakeOptions } from "../../fake_integration_app/server.ts";

/** A running server wired to a fake Integration.app. */
export interface TestServer extends AsyncDisposable {
  url: string;
  mcpUrl: string;
  fake: FakeIntegrationApp;
  kv: Deno.Kv;
  services: Services;
  logs: string[];
  /** Opens an MCP SDK client session. */
  connect(token: string, options?: ConnectOptions): Promise<Client>;
  close(): Promise<void>;
}

/** Options of `connect`. */
export interface ConnectOptions {
  query?: string;
  headers?: Record<string, string>;
  sessionId?: string;
}

/** Options of `startTestServer`. */
export interface TestServerOptions {
  fake?: FakeOptions;
  /** Reuse a running fake instead of starting one. */
  fakeApp?: FakeIntegrationApp;
  env?: Record<string, string>;
  kvPath?: string;
  /** Use this KV (shared with another server, as replicas share one); the caller closes it. */
  kv?: Deno.Kv;
  now?: () => number;
}

/** Starts the fake API and the server; close with `await using` or `close()`. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const fake = options.fakeApp ?? new FakeIntegrationApp(options.fake).start();
  const ownsFake = !options.fakeApp;
  const config: Config = loadConfig({
    HOST: "127.0.0.1",
    PORT: "0",
    INTEGRATION_APP_API_URL: fake.url,
    LOG_LEVEL: "debug",
    ...options.env,
  });
  const kv = options.kv ?? await Deno.openKv(options.kvPath ?? ":memory:");
  const logs: string[] = [];
  const logger = createLogger(config.logLevel, (line) => logs.push(line));
  const services = createServices({
    config,
    kv,
    logger,
    now: options.now,
    apiFactory: createIntegrationAppApiFactory({
      ...apiOptionsFromConfig(config),
      retryBaseMs: 5,
      now: options.now,
    }),
  });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    createHandler(services),
  );
  const url = `http://127.0.0.1:${server.addr.port}`;
  const clients: Client[] = [];
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await Promise.allSettled(clients.map((client) => client.close()));
    await services.changes.close();
    await server.shutdown();
    await services.background.drain();
    if (ownsFake) await fake.stop();
    if (!options.kv) kv.close();
  };
  return {
    url,
    mcpUrl: `${url}/mcp`,
    fake,
    kv,
    services,
    logs,
    async connect(token, connectOptions = {}) {
      const client = await connectClient(`${url}/mcp`, token, connectOptions);
      clients.push(client);
      return client;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Opens an MCP SDK client session against `mcpUrl`; the caller closes it. */
export async function connectClient(
  mcpUrl: string,
  token: string,
  options: ConnectOptions = {},
): Promise<Client> {
  const client = new Client({ name: "test-client", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(`${mcpUrl}${options.query ?? ""}`), {
    requestInit: { headers: { authorization: `Bearer ${token}`, ...options.headers } },
    sessionId: options.sessionId,
  });
  await client.connect(transport);
  return client;
}

/** The MCP session id a connected SDK client uses. */
export function sessionIdOf(client: Client): string {
  const id = (client.transport as { sessionId?: string } | undefined)?.sessionId;
  if (!id) throw new Error("The client has no session id");
  return id;
}

/** Sends a raw HTTP request to the server and reads the whole body. */
export async function rawRequest(
  url: string,
  init: RequestInit & { token?: string } = {},
): Promise<{ status: number; headers: Headers; text: string; json: unknown }> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set("authorization", `Bearer ${init.token}`);
  const response = await fetch(url, { ...init, headers });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Headers of a raw MCP POST. */
export function mcpHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    ...extra,
  };
}

/** The JSON-RPC initialize request body. */
export function initializeBody(id: number | string = 1): string {
  return JSON.stringify({
    jsonrpc: "2.0",
    id,
    method: "initialize",
    params: {
      protocolVersion: "2025-06-18",
      capabilities: {},
      clientInfo: { name: "raw-test", version: "1.0.0" },
    },
  });
}

/** The text of a tool result's content blocks, joined by newlines. */
export function textOf(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.map((block) => block.text ?? "").join("\n");
}

/**
 * Sends a hand-written HTTP/1.1 request over TCP (fetch cannot set `Host`) and returns the
 * status code.
 */
export async function rawHttpStatus(
  url: string,
  options: { method?: string; headers: Record<string, string>; body?: string },
): Promise<number> {
  const { hostname, port, pathname, search } = new URL(url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  try {
    const body = new TextEncoder().encode(options.body ?? "");
    const lines = [
      `${options.method ?? "POST"} ${pathname}${search} HTTP/1.1`,
      ...Object.entries({ connection: "close", ...options.headers }).map(([k, v]) => `${k}: ${v}`),
      `content-length: ${body.length}`,
      "",
      "",
    ];
    await conn.write(new TextEncoder().encode(lines.join("\r\n")));
    if (body.length > 0) await conn.write(body);
    const buffer = new Uint8Array(1024);
    const read = await conn.read(buffer);
    const head = new TextDecoder().decode(buffer.subarray(0, read ?? 0));
    return Number(head.split(" ")[1]);
  } finally {
    conn.close();
  }
}
