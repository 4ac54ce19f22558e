/**
 * Worker driving the server with the official MCP SDK client (and, for the baseline, plain
 * `fetch` against the fake API). Every figure is measured here, on the client side.
 *
 * @module
 */
import { Client, StreamableHTTPClientTransport } from "../src/sdk/client.ts";
import { connectModernClient, type ModernClient } from "../src/sdk/modern_client.ts";
import { serveRpc } from "../tests/support/worker_rpc.ts";

/** Latencies in ms plus what went wrong. */
export interface LoadResult {
  latencies: number[];
  errors: number;
  firstError?: string;
  wallMs: number;
}

async function connect(mcpUrl: string, token: string, query = ""): Promise<Client> {
  const client = new Client({ name: "bench", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${mcpUrl}${query}`), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

/** Runs `task` `count` times over `concurrency` loops; each loop gets its own index. */
async function drive(
  concurrency: number,
  count: number,
  task: (loop: number) => Promise<void>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, loop) => {
      while (next < count) {
        next++;
        const t0 = performance.now();
        try {
          await task(loop);
          latencies.push(performance.now() - t0);
        } catch (error) {
          errors++;
          firstError ??= error instanceof Error ? error.message : String(error);
        }
      }
    }),
  );
  return { latencies, errors, firstError, wallMs: performance.now() - started };
}

function emptyResult(): LoadResult {
  return { latencies: [], errors: 0, wallMs: 0 };
}

function merge(into: LoadResult, from: LoadResult): void {
  into.latencies.push(...from.latencies);
  into.errors += from.errors;
  into.firstError ??= from.firstError;
  into.wallMs += from.wallMs;
}

serveRpc({
  /** `initialize` + `tools/list` of a new session per token, one after another. */
  async sessions(p: { mcpUrl: string; tokens: string[]; query?: string }): Promise<
    LoadResult & { tools: number }
  > {
    let tools = 0;
    const clients: Client[] = [];
    let index = 0;
    const result = await drive(1, p.tokens.length, async () => {
      const client = await connect(p.mcpUrl, p.tokens[index++] as string, p.query);
      clients.push(client);
      tools = (await client.listTools()).tools.length;
    });
    await Promise.all(clients.map((client) => client.close()));
    return { ...result, tools };
  },

  /**
   * A 2026-07-28 client (the official SDK client 2.x, stateless) per token, one after another:
   * its connect (discovery) and `tools/list`, parsing included.
   */
  async modernSessions(p: { mcpUrl: string; tokens: string[] }): Promise<
    LoadResult & { tools: number }
  > {
    let tools = 0;
    const clients: ModernClient[] = [];
    let index = 0;
    const result = await drive(1, p.tokens.length, async () => {
      const client = await connectModernClient(p.mcpUrl, p.tokens[index++] as string);
      clients.push(client);
      tools = (await client.listTools(undefined, { cacheMode: "bypass" })).tools.length;
    });
    await Promise.all(clients.map((client) => client.close()));
    return { ...result, tools };
  },

  /**
   * `tools/call` of 2026-07-28 clients (one per token, `concurrency` of them, 1 by default),
   * `count` calls after a warm-up of `warmup` (25 by default).
   */
  async modernCalls(p: {
    mcpUrl: string;
    token: string;
    tokens?: string[];
    concurrency?: number;
    count: number;
    warmup?: number;
    tool: string;
    args: Record<string, unknown>;
  }): Promise<LoadResult> {
    const concurrency = p.concurrency ?? 1;
    const tokens = p.tokens ?? [p.token];
    const clients = await Promise.all(
      Array.from(
        { length: concurrency },
        (_, i) => connectModernClient(p.mcpUrl, tokens[i % tokens.length] as string),
      ),
    );
    try {
      const call = async (loop: number): Promise<void> => {
        const client = clients[loop] as ModernClient;
        const result = await client.callTool({ name: p.tool, arguments: p.args });
        if (result.isError) {
          throw new Error(`Tool error: ${JSON.stringify(result.content).slice(0, 300)}`);
        }
      };
      await drive(concurrency, p.warmup ?? 25, call);
      return await drive(concurrency, p.count, call);
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
  },

  /**
   * `tools/call` from `concurrency` sessions (one per token), `count` calls in one run after a
   * warm-up; the floor, direct calls of the fake at the same concurrency, is measured in two
   * halves just before and just after, so both see the same conditions of the machine.
   */
  async calls(p: {
    mcpUrl: string;
    tokens: string[];
    concurrency: number;
    count: number;
    warmup: number;
    tool: string;
    args: Record<string, unknown>;
    floor: { url: string; token: string };
  }): Promise<{ calls: LoadResult; floor: LoadResult }> {
    const clients = await Promise.all(
      Array.from(
        { length: p.concurrency },
        (_, i) => connect(p.mcpUrl, p.tokens[i % p.tokens.length] as string),
      ),
    );
    const init = {
      method: "POST",
      headers: { authorization: `Bearer ${p.floor.token}`, "content-type": "application/json" },
      body: JSON.stringify(p.args),
    };
    const direct = async (): Promise<void> => {
      const response = await fetch(p.floor.url, init);
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`Floor call status ${response.status}`);
    };
    const call = async (loop: number): Promise<void> => {
      const result = await (clients[loop] as Client).callTool({ name: p.tool, arguments: p.args });
      if (result.isError) {
        throw new Error(`Tool error: ${JSON.stringify(result.content).slice(0, 300)}`);
      }
    };
    const floor = emptyResult();
    try {
      await drive(p.concurrency, p.concurrency * 4, direct);
      merge(floor, await drive(p.concurrency, Math.ceil(p.count / 2), direct));
      await drive(p.concurrency, p.warmup, call);
      const calls = await drive(p.concurrency, p.count, call);
      merge(floor, await drive(p.concurrency, Math.ceil(p.count / 2), direct));
      return { calls, floor };
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
  },

  /** Opens `count` sessions (initialize + initialized) with raw requests, keeping nothing. */
  async idleSessions(p: { mcpUrl: string; token: string; count: number; concurrency: number }) {
    const headers = {
      authorization: `Bearer ${p.token}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    };
    return await drive(p.concurrency, p.count, async () => {
      const init = await fetch(p.mcpUrl, {
        method: "POST",
        headers,
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "initialize",
          params: {
            protocolVersion: "2025-06-18",
            capabilities: {},
            clientInfo: { name: "bench-idle", version: "1.0.0" },
          },
        }),
      });
      await init.arrayBuffer();
      const id = init.headers.get("mcp-session-id");
      if (init.status !== 200 || !id) throw new Error(`Initialize status ${init.status}`);
      const done = await fetch(p.mcpUrl, {
        method: "POST",
        headers: { ...headers, "mcp-session-id": id, "mcp-protocol-version": "2025-06-18" },
        body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
      });
      await done.arrayBuffer();
      if (done.status !== 202) throw new Error(`Initialized status ${done.status}`);
    });
  },

  /** `enable-tools {query}` in one dynamic session, one query after another. */
  async enableTools(p: { mcpUrl: string; token: string; queries: string[] }): Promise<
    LoadResult & { enabled: number; first: number }
  > {
    const client = await connect(p.mcpUrl, p.token, "?mode=dynamic");
    try {
      let enabled = 0;
      let index = 0;
      const run = async (): Promise<void> => {
        const query = p.queries[index++ % p.queries.length] as string;
        const result = await client.callTool({ name: "enable-tools", arguments: { query } });
        if (result.isError) throw new Error(`enable-tools failed: ${JSON.stringify(result)}`);
        enabled = (result.structuredContent as { enabled: string[] }).enabled.length;
      };
      // The first call may build the search index: reported apart.
      const first = await drive(1, 1, run);
      const rest = await drive(1, p.queries.length, run);
      return { ...rest, enabled, first: first.latencies[0] ?? Number.NaN };
    } finally {
      await client.close();
    }
  },
});
