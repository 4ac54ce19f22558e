/**
 * The floor of a warm connect + list: an HTTP server that first passes a client's requests to
 * the real server and records each answer, then answers from memory at almost no cost. What a
 * client then measures against it is its own work (building requests, HTTP on loopback,
 * parsing and checking a 1,000-tool listing), which no server can take away.
 *
 * Answers are recorded by HTTP method and JSON-RPC method (`POST tools/list`, `GET`); a replayed
 * answer carries the request's own id and is encoded once per (method, id), so replaying
 * allocates nothing per request.
 *
 * @module
 */

import { isPlainObject } from "../src/util/objects.ts";

/** One recorded answer. */
interface Recorded {
  status: number;
  headers: [string, string][];
  /** The body as text; `undefined` when it had none. */
  body: string | undefined;
}

/** Records answers from a real server, then replays them. */
export class ReplayServer {
  readonly #target: string;
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #recorded = new Map<string, Recorded>();
  readonly #encoded = new Map<string, Uint8Array<ArrayBuffer>>();
  #replaying = false;

  /** Starts recording in front of `target` (an MCP endpoint URL) on a free loopback port. */
  constructor(target: string) {
    this.#target = target;
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      (request) => this.#replaying ? this.#replay(request) : this.#record(request),
    );
  }

  /** The replay server's MCP endpoint URL (same path and query as the target). */
  get url(): string {
    const target = new URL(this.#target);
    return `http://127.0.0.1:${this.#server.addr.port}${target.pathname}${target.search}`;
  }

  /** Keys of what has been recorded so far, e.g. `POST tools/list`. */
  get recorded(): string[] {
    return [...this.#recorded.keys()];
  }

  /** Stops passing requests on: every later request is answered from what was recorded. */
  replay(): void {
    this.#replaying = true;
  }

  /** Stops the server. */
  async stop(): Promise<void> {
    await this.#server.shutdown();
  }

  async #record(request: Request): Promise<Response> {
    const text = request.method === "POST" ? await request.text() : undefined;
    const answer = await fetch(this.#target, {
      method: request.method,
      headers: request.headers,
      body: text,
    });
    const body = answer.body ? await answer.text() : undefined;
    const headers = [...answer.headers].filter(([name]) => name !== "content-length");
    this.#recorded.set(keyOf(request.method, text), { status: answer.status, headers, body });
    return new Response(body, { status: answer.status, headers });
  }

  async #replay(request: Request): Promise<Response> {
    const text = request.method === "POST" ? await request.text() : undefined;
    const key = keyOf(request.method, text);
    const recorded = this.#recorded.get(key);
    if (!recorded) {
      return new Response(`Nothing recorded for ${key}`, { status: 500 });
    }
    if (recorded.body === undefined) {
      return new Response(null, { status: recorded.status, headers: recorded.headers });
    }
    const id = idOf(text);
    const cacheKey = `${key}\n${JSON.stringify(id) ?? ""}`;
    let bytes = this.#encoded.get(cacheKey);
    if (!bytes) {
      bytes = new TextEncoder().encode(withId(recorded.body, id));
      this.#encoded.set(cacheKey, bytes);
    }
    return new Response(bytes, { status: recorded.status, headers: recorded.headers });
  }
}

function parsed(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isPlainObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function keyOf(httpMethod: string, text: string | undefined): string {
  const method = parsed(text)?.method;
  return typeof method === "string" ? `${httpMethod} ${method}` : httpMethod;
}

function idOf(text: string | undefined): unknown {
  return parsed(text)?.id;
}

/** A recorded JSON-RPC answer with `id` in place of the recorded one (other bodies as they are). */
function withId(body: string, id: unknown): string {
  const message = parsed(body);
  if (!message || id === undefined || !("id" in message)) return body;
  return JSON.stringify({ ...message, id });
}
