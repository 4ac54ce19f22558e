import assert from "node:assert/strict";
import { FakeIntegrationApp } from "../../fake_integration_app/server.ts";
import { fixtureWorkspace } from "../../fake_integration_app/fixtures.ts";
import { connectClient, mcpHeaders, rawRequest, sessionIdOf, textOf } from "../support/harness.ts";
import { startServerProcess } from "../support/server_process.ts";
import { connectModernClient } from "../../src/sdk/modern_client.ts";

async function withTempKv<T>(fn: (kvPath: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "mcp-kv-" });
  try {
    return await fn(`${dir}/kv.sqlite3`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("SIGKILL and restart on the same KV file: sessions, chats and enabled tools survive", async () => {
  await using fake = new FakeIntegrationApp(fixtureWorkspace()).start();
  const token = await fake.token("alice");
  await withTempKv(async (kvPath) => {
    const first = await startServerProcess({ apiUrl: fake.url, kvPath });
    const staticClient = await connectClient(first.mcpUrl, token, {
      headers: { "x-chat-id": "chat-static" },
    });
    const dynamicClient = await connectClient(first.mcpUrl, token, {
      query: "?mode=dynamic",
      headers: { "x-chat-id": "chat-dynamic" },
    });
    await dynamicClient.callTool({
      name: "enable-tools",
      arguments: { tools: ["gmail_send-email"] },
    });
    const ids = { static: sessionIdOf(staticClient), dynamic: sessionIdOf(dynamicClient) };
    const status = await first.stop("SIGKILL");
    assert.equal(status.success, false);
    await staticClient.close();
    await dynamicClient.close();

    await using second = await startServerProcess({ apiUrl: fake.url, kvPath });
    const chats = await rawRequest(`${second.url}/mcp/sessions`, { token });
    assert.deepEqual(chats.json, { "chat-static": ids.static, "chat-dynamic": ids.dynamic });

    const resumedStatic = await connectClient(second.mcpUrl, token, { sessionId: ids.static });
    const resumedDynamic = await connectClient(second.mcpUrl, token, {
      query: "?mode=dynamic",
      sessionId: ids.dynamic,
    });
    try {
      assert.ok((await resumedStatic.listTools()).tools.length > 1);
      const names = (await resumedDynamic.listTools()).tools.map((t) => t.name);
      assert.deepEqual(names, [
        "enable-tools",
        "search-tools",
        "call-tool",
        "connect-app",
        "read-result",
        "gmail_send-email",
      ]);
      const sent = await resumedDynamic.callTool({
        name: "gmail_send-email",
        arguments: { to: "a@b.co", subject: "After restart" },
      });
      assert.match(textOf(sent), /After restart/);
    } finally {
      await resumedStatic.close();
      await resumedDynamic.close();
    }
  });
});

Deno.test("two server processes on one KV file serve the same sessions interchangeably", async () => {
  await using fake = new FakeIntegrationApp(fixtureWorkspace()).start();
  const token = await fake.token("alice");
  await withTempKv(async (kvPath) => {
    await using a = await startServerProcess({ apiUrl: fake.url, kvPath });
    await using b = await startServerProcess({ apiUrl: fake.url, kvPath });
    const onA = await connectClient(a.mcpUrl, token, {
      query: "?mode=dynamic",
      headers: { "x-chat-id": "shared" },
    });
    const onB = await connectClient(b.mcpUrl, token, {
      query: "?mode=dynamic",
      sessionId: sessionIdOf(onA),
    });
    try {
      await onB.callTool({ name: "enable-tools", arguments: { tools: ["hubspot_list-contacts"] } });
      const names = (await onA.listTools()).tools.map((t) => t.name);
      assert.deepEqual(names, [
        "enable-tools",
        "search-tools",
        "call-tool",
        "connect-app",
        "read-result",
        "hubspot_list-contacts",
      ]);
      const listed = await rawRequest(`${b.url}/mcp/sessions`, { token });
      assert.deepEqual(listed.json, { shared: sessionIdOf(onA) });
    } finally {
      await onA.close();
      await onB.close();
    }
  });
});

Deno.test("a static session ended through one process is refused by the other within SESSION_CACHE_SECONDS", async () => {
  await using fake = new FakeIntegrationApp(fixtureWorkspace()).start();
  const token = await fake.token("alice");
  await withTempKv(async (kvPath) => {
    const env = { SESSION_CACHE_SECONDS: "0.3" };
    await using a = await startServerProcess({ apiUrl: fake.url, kvPath, env });
    await using b = await startServerProcess({ apiUrl: fake.url, kvPath, env });
    const onA = await connectClient(a.mcpUrl, token);
    const sessionId = sessionIdOf(onA);
    const list = (url: string) =>
      rawRequest(url, {
        method: "POST",
        token,
        headers: mcpHeaders({ "mcp-session-id": sessionId }),
        body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }),
      });
    try {
      assert.equal((await list(a.mcpUrl)).status, 200);
      assert.equal((await list(b.mcpUrl)).status, 200, "the other process serves it too");
      const ended = await rawRequest(b.mcpUrl, {
        method: "DELETE",
        token,
        headers: { "mcp-session-id": sessionId },
      });
      assert.equal(ended.status, 200);
      const at = performance.now();
      assert.equal((await list(b.mcpUrl)).status, 404, "at once where it was ended");
      // A may still serve it from what it read last, for at most the interval.
      let status = (await list(a.mcpUrl)).status;
      while (status === 200 && performance.now() - at < 5_000) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        status = (await list(a.mcpUrl)).status;
      }
      assert.equal(status, 404);
      assert.ok(performance.now() - at < 1_000, "refused within the interval (0.3 s) and a margin");
    } finally {
      await onA.close();
    }
  });
});

Deno.test("SIGTERM lets in-flight requests finish, then the server exits cleanly", async () => {
  await using fake = new FakeIntegrationApp(fixtureWorkspace()).start();
  const token = await fake.token("alice");
  await withTempKv(async (kvPath) => {
    const server = await startServerProcess({ apiUrl: fake.url, kvPath });
    const client = await connectClient(server.mcpUrl, token);
    try {
      await client.listTools();
      fake.faults.push({ match: /^POST \/connections/, delayMs: 1500 });
      const call = client.callTool({ name: "gmail_read-email", arguments: {} });
      // Signal once the run has reached the API, i.e. while the request is in flight.
      while (fake.count(/^POST \/connections/) === 0) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const exit = server.stop("SIGTERM");
      const result = await call;
      assert.equal(result.isError, undefined);
      assert.equal(textOf(result), '""');
      const status = await exit;
      assert.equal(status.code, 0);
      assert.ok(server.lines.some((line) => line.includes("shutting down")));
    } finally {
      await client.close();
    }
  });
});

Deno.test("SIGTERM ends open listen streams gracefully and the server exits at once", async () => {
  await using fake = new FakeIntegrationApp(fixtureWorkspace()).start();
  const token = await fake.token("alice");
  await withTempKv(async (kvPath) => {
    const server = await startServerProcess({ apiUrl: fake.url, kvPath });
    const client = await connectModernClient(server.mcpUrl, token);
    try {
      const subscription = await client.listen({ toolsListChanged: true });
      const started = performance.now();
      const status = await server.stop("SIGTERM");
      assert.equal(await subscription.closed, "graceful");
      assert.equal(status.code, 0);
      // Without the graceful close the open stream would hold shutdown for the whole grace time.
      assert.ok(performance.now() - started < 5_000, "exited before the grace time");
    } finally {
      await client.close();
    }
  });
});
