/**
 * Re-runs the reproductions of the security review (issue 17) against the real server
 * process (`deno run main.ts`, KV in a temporary file) and a fake Integration.app API whose
 * customer has 2,000 tools, all on 127.0.0.1, and prints one figure per finding:
 *
 * `deno run --allow-net=127.0.0.1 --allow-env --allow-read --allow-write --allow-run=deno,ps bench/abuse_figures.ts`
 *
 * @module
 */
// deno-lint-ignore-file no-console
import { FakeIntegrationApp } from "../fake_integration_app/server.ts";
import { startServerProcess } from "../tests/support/server_process.ts";
import { benchWorkspace } from "./workspace.ts";

const workspace = benchWorkspace({
  connections: 20,
  actions: 100,
  customers: 2,
  big: { connections: 0, actions: 0 },
});
const fake = new FakeIntegrationApp(workspace).start();
/** 19 of the 20 apps: a view of 1,900 tools, which a fresh apps set used to build anew. */
const mostApps = (workspace.integrations ?? []).slice(1).map((integration) => integration.key).join(
  ",",
);
const dir = await Deno.makeTempDir({ prefix: "mcp-abuse-" });
const server = await startServerProcess({ apiUrl: fake.url, kvPath: `${dir}/kv.sqlite3` });
const token = await fake.token("customer-0");
const other = await fake.token("customer-1");
const json = { "content-type": "application/json", accept: "application/json, text/event-stream" };

async function rssMb(): Promise<number> {
  const { stdout } = await new Deno.Command("ps", {
    args: ["-o", "rss=", "-p", String(server.child.pid)],
    stdout: "piped",
  }).output();
  return Math.round(Number(new TextDecoder().decode(stdout).trim()) / 1024);
}

async function post(
  body: unknown,
  headers: Record<string, string> = {},
  query = "",
): Promise<{ status: number; text: string; headers: Headers; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${server.mcpUrl}${query}`, {
    method: "POST",
    headers: { ...json, authorization: `Bearer ${token}`, ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, headers: res.headers, ms: performance.now() - started };
}

async function session(query = ""): Promise<Record<string, string>> {
  const init = await post(
    {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: {
        protocolVersion: "2025-06-18",
        capabilities: {},
        clientInfo: { name: "f", version: "1" },
      },
    },
    {},
    query,
  );
  return {
    "mcp-session-id": init.headers.get("mcp-session-id") as string,
    "mcp-protocol-version": "2025-06-18",
  };
}

const logBytes = () => server.lines.reduce((sum, line) => sum + line.length + 1, 0);
const ms = (value: number) => `${value.toFixed(1)} ms`;

try {
  // Warm the catalog.
  const warm = await session();
  await post({ jsonrpc: "2.0", id: 2, method: "tools/list" }, warm);

  // 1. enable-tools with a 150,000-character query, another customer's requests meanwhile.
  const dynamic = await session("?mode=dynamic");
  const healthStarted = performance.now();
  const [enable, health, tools] = await Promise.all([
    post({
      jsonrpc: "2.0",
      id: 3,
      method: "tools/call",
      params: { name: "enable-tools", arguments: { query: "A".repeat(150_000) } },
    }, dynamic),
    fetch(`${server.url}/healthz`).then(async (
      r,
    ) => (await r.text(), performance.now() - healthStarted)),
    fetch(`${server.url}/mcp/tools?q=send`, { headers: { authorization: `Bearer ${other}` } })
      .then(async (r) => (await r.text(), performance.now() - healthStarted)),
  ]);
  console.log(
    `1. enable-tools, 150,000-char query: ${ms(enable.ms)}, isError=${
      /"isError":true/.test(enable.text)
    }; ` +
      `meanwhile /healthz ${ms(health)}, another customer's GET /mcp/tools ${ms(tools)}`,
  );

  // 2. A batch of 100 tools/list over 2,000 tools.
  const rssBefore = await rssMb();
  const batch = await post(
    Array.from({ length: 100 }, (_, i) => ({ jsonrpc: "2.0", id: i, method: "tools/list" })),
    warm,
  );
  console.log(
    `2. batch of 100 tools/list (${
      batch.text.length < 1000 ? "" : "not "
    }refused): status ${batch.status}, ` +
      `${batch.text.length} bytes answered, RSS ${rssBefore} -> ${await rssMb()} MB`,
  );

  // 4. 500 distinct forged tokens.
  const forged = await Promise.all(
    Array.from({ length: 500 }, (_, i) => fake.token(`mallory-${i}`, { secret: "forged" })),
  );
  const selfBefore = fake.count(/^GET \/self$/);
  const floodStarted = performance.now();
  const statuses = new Map<number, number>();
  let next = 0;
  await Promise.all(Array.from({ length: 50 }, async () => {
    while (next < forged.length) {
      const res = await fetch(`${server.url}/mcp/sessions`, {
        headers: { authorization: `Bearer ${forged[next++]}` },
      });
      await res.body?.cancel();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
  }));
  console.log(
    `4. 500 forged tokens: ${fake.count(/^GET \/self$/) - selfBefore} upstream /self calls in ` +
      `${ms(performance.now() - floodStarted)}; answers ${
        JSON.stringify(Object.fromEntries(statuses))
      }`,
  );

  // 5. 5 rounds of 200 concurrent notifications/initialized with new chat ids, then DELETE.
  const chatted = await session();
  for (let round = 0; round < 5; round++) {
    await Promise.all(
      Array.from(
        { length: 200 },
        (_, i) =>
          post({ jsonrpc: "2.0", method: "notifications/initialized" }, {
            ...chatted,
            "x-chat-id": `chat-${round}-${i}`,
          }),
      ),
    );
  }
  const chats = async () =>
    Object.keys(
      await (await fetch(`${server.url}/mcp/sessions`, {
        headers: { authorization: `Bearer ${token}` },
      }))
        .json(),
    ).length;
  const before = await chats();
  await (await fetch(server.mcpUrl, {
    method: "DELETE",
    headers: { authorization: `Bearer ${token}`, ...chatted },
  })).body?.cancel();
  console.log(
    `5. 1,000 concurrent chat links on one session: ${before} chat(s); after DELETE /mcp: ${await chats()}`,
  );

  // 6. Log growth from long method and tool names.
  const logged = logBytes();
  await post(
    Array.from(
      { length: 100 },
      (_, i) => ({ jsonrpc: "2.0", method: `n/${i}`.padEnd(41_000, "x") }),
    ),
    warm,
  );
  await new Promise((resolve) => setTimeout(resolve, 200));
  const afterBatch = logBytes();
  await post({
    jsonrpc: "2.0",
    id: 9,
    method: "tools/call",
    params: { name: "t".repeat(4_000_000), arguments: {} },
  }, warm);
  await new Promise((resolve) => setTimeout(resolve, 200));
  console.log(
    `6. log growth: batch of 100 notifications with 41 KB methods ${afterBatch - logged} bytes; ` +
      `4 MB tool name ${logBytes() - afterBatch} bytes`,
  );

  // 8. 20 requests for 19 apps, each with a fresh junk key, against 20 with the same set.
  const timeApps = async (apps: (i: number) => string) => {
    const started = performance.now();
    for (let i = 0; i < 20; i++) {
      await (await fetch(`${server.url}/mcp/tools?apps=${apps(i)}`, {
        headers: { authorization: `Bearer ${token}` },
      })).body?.cancel();
    }
    return performance.now() - started;
  };
  await timeApps(() => `${mostApps},cached`);
  const cached = await timeApps(() => `${mostApps},cached`);
  const junk = await timeApps((i) => `${mostApps},junk-${i}`);
  console.log(
    `8. 20 requests for 19 apps plus a fresh junk key each: ${ms(junk)}; the same set: ${
      ms(cached)
    }`,
  );

  // 9. CORS outside /mcp.
  const healthz = await fetch(`${server.url}/healthz`, {
    headers: { origin: "https://evil.example" },
  });
  await healthz.body?.cancel();
  console.log(
    `9. /healthz with Origin https://evil.example: access-control-allow-origin=${
      healthz.headers.get("access-control-allow-origin")
    }`,
  );

  // 3. 150 authenticated uploads of 4 MB minus the last 64 KB.
  const port = Number(new URL(server.url).port);
  const rssIdle = await rssMb();
  const chunk = new Uint8Array(4 * 1024 * 1024 - 64 * 1024).fill(32);
  const uploadStarted = performance.now();
  const uploads = Array.from({ length: 150 }, async () => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    try {
      const head =
        `POST /mcp HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nauthorization: Bearer ${token}\r\n` +
        `content-type: application/json\r\naccept: application/json, text/event-stream\r\n` +
        `content-length: ${4 * 1024 * 1024}\r\nconnection: close\r\n\r\n`;
      await conn.write(new TextEncoder().encode(head));
      let written = 0;
      while (written < chunk.length) written += await conn.write(chunk.subarray(written));
      const buffer = new Uint8Array(512);
      const read = await conn.read(buffer);
      return {
        status: Number(new TextDecoder().decode(buffer.subarray(0, read ?? 0)).split(" ")[1]),
        s: (performance.now() - uploadStarted) / 1000,
      };
    } catch {
      return { status: 0, s: (performance.now() - uploadStarted) / 1000 };
    } finally {
      conn.close();
    }
  });
  let peak = rssIdle;
  const sampler = setInterval(async () => peak = Math.max(peak, await rssMb()), 500);
  const outcomes = await Promise.all(uploads);
  clearInterval(sampler);
  const byStatus = new Map<number, number>();
  for (const outcome of outcomes) {
    byStatus.set(outcome.status, (byStatus.get(outcome.status) ?? 0) + 1);
  }
  console.log(
    `3. 150 uploads of 4 MB minus 64 KB: answers ${
      JSON.stringify(Object.fromEntries(byStatus))
    }, ` +
      `last after ${Math.max(...outcomes.map((o) => o.s)).toFixed(1)} s; RSS ${rssIdle} MB idle, ` +
      `peak ${peak} MB, ${await rssMb()} MB after`,
  );
} finally {
  await server.stop("SIGTERM");
  await fake.stop();
  await Deno.remove(dir, { recursive: true });
}
