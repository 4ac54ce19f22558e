import assert from "node:assert/strict";
import { connectModernClient, type ModernClient } from "../../src/sdk/modern_client.ts";
import { FakeIntegrationApp } from "../../fake_integration_app/server.ts";
import { fixtureWorkspace } from "../../fake_integration_app/fixtures.ts";
import { mcpHeaders, startTestServer } from "../support/harness.ts";
import { startServerProcess } from "../support/server_process.ts";

const MODERN = "2026-07-28";

function listenBody(id: number): string {
  return JSON.stringify({
    jsonrpc: "2.0",
    id,
    method: "subscriptions/listen",
    params: {
      notifications: { toolsListChanged: true },
      _meta: {
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientCapabilities": {},
      },
    },
  });
}

/** Opens a raw listen stream; the caller cancels `body`. */
async function openListen(
  mcpUrl: string,
  token: string,
  id: number,
): Promise<Response> {
  return await fetch(`${mcpUrl}?mode=dynamic`, {
    method: "POST",
    headers: {
      ...mcpHeaders({ "mcp-protocol-version": MODERN, "mcp-method": "subscriptions/listen" }),
      authorization: `Bearer ${token}`,
      "x-chat-id": "c1",
    },
    body: listenBody(id),
  });
}

/** Reads `stream` until `pattern` shows in the text so far (or it ends). */
async function readUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  pattern: RegExp,
): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  while (!pattern.test(text)) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  return text;
}

/**
 * Opens a listen stream on `listener`, lets `actor` enable a tool in their shared chat, and
 * resolves with the delay until `listener` heard `list_changed` (10 s at most).
 */
async function noticeDelay(listener: ModernClient, actor: ModernClient): Promise<number> {
  const heard = onListChanged(listener);
  const subscription = await listener.listen({ toolsListChanged: true });
  try {
    const started = performance.now();
    await actor.callTool({ name: "enable-tools", arguments: { tools: ["gmail_send-email"] } });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const at = await Promise.race([
      heard,
      new Promise<number>((_, reject) => {
        timer = setTimeout(() => reject(new Error("no notice within 10 s")), 10_000);
      }),
    ]).finally(() => clearTimeout(timer));
    return at - started;
  } finally {
    await subscription.close();
  }
}

function onListChanged(client: ModernClient): Promise<number> {
  return new Promise((resolve) => {
    client.setNotificationHandler(
      "notifications/tools/list_changed",
      () => resolve(performance.now()),
    );
  });
}

Deno.test("listen streams are bounded per customer, send heartbeats, and free their slot when closed", async (t) => {
  await using server = await startTestServer({
    fake: fixtureWorkspace(),
    env: { MAX_LISTEN_STREAMS_PER_TENANT: "2", LISTEN_HEARTBEAT_SECONDS: "0.05" },
  });
  const alice = await server.fake.token("alice");
  const bob = await server.fake.token("bob");
  const first = await openListen(server.mcpUrl, alice, 1);
  const second = await openListen(server.mcpUrl, alice, 2);
  const readers = [first, second].map((response) => response.body!.getReader());
  try {
    await t.step("an open stream is acknowledged, then sends heartbeat comments", async () => {
      assert.equal(first.status, 200);
      assert.match(first.headers.get("content-type") ?? "", /text\/event-stream/);
      const text = await readUntil(readers[0]!, /: keepalive/);
      assert.match(text, /notifications\/subscriptions\/acknowledged/);
      assert.match(text, /: keepalive/);
    });

    await t.step("a third stream of the same customer is refused with 429 and its id", async () => {
      const third = await openListen(server.mcpUrl, alice, 3);
      assert.equal(third.status, 429);
      assert.ok(third.headers.get("retry-after"));
      const body = await third.json();
      assert.equal(body.id, 3);
      assert.match(body.error.message, /at most 2/);
    });

    await t.step("another customer still gets a stream", async () => {
      const bobs = await openListen(server.mcpUrl, bob, 4);
      assert.equal(bobs.status, 200);
      await bobs.body?.cancel();
    });

    await t.step("closing a stream gives its slot back", async () => {
      await readers[1]!.cancel();
      // The server sees the cancel asynchronously.
      let again: Response | undefined;
      for (let attempt = 0; attempt < 50; attempt++) {
        again = await openListen(server.mcpUrl, alice, 5);
        if (again.status === 200) break;
        await again.body?.cancel();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(again?.status, 200);
      await again?.body?.cancel();
    });
  } finally {
    await Promise.allSettled(readers.map((reader) => reader.cancel()));
  }
});

Deno.test("on shutdown every listen stream ends gracefully", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const client = await connectModernClient(server.mcpUrl, token);
  try {
    const subscription = await client.listen({ toolsListChanged: true });
    await server.services.changes.close();
    assert.equal(await subscription.closed, "graceful");
    const refused = await client.listen({ toolsListChanged: true }).then(
      () => "opened",
      (error: Error) => error.message,
    );
    assert.match(refused, /shutting down|503/);
  } finally {
    await client.close();
  }
});

Deno.test("a change made on one replica reaches a listener on another (shared KV)", async () => {
  const dir = await Deno.makeTempDir();
  const kvPath = `${dir}/kv.sqlite3`;
  await using fake = new FakeIntegrationApp(fixtureWorkspace()).start();
  await using replicaA = await startTestServer({ fakeApp: fake, kvPath });
  await using replicaB = await startTestServer({ fakeApp: fake, kvPath });
  const token = await fake.token("alice");
  const options = { query: "?mode=dynamic", headers: { "x-chat-id": "shared" } };
  const listener = await connectModernClient(replicaA.mcpUrl, token, options);
  const actor = await connectModernClient(replicaB.mcpUrl, token, options);
  try {
    const delay = await noticeDelay(listener, actor);
    const { tools } = await listener.listTools(undefined, { cacheMode: "bypass" });
    assert.ok(tools.some((tool) => tool.name === "gmail_send-email"), "the enabled tool is listed");
    // The delay from the enabling call to the notice on the other replica (quoted in README).
    // deno-lint-ignore no-console
    console.log(`cross-replica list_changed after ${delay.toFixed(1)} ms`);
  } finally {
    await listener.close();
    await actor.close();
    await replicaA.close();
    await replicaB.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a change made by another server process reaches a listener (shared KV file)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp-kv-" });
  const kvPath = `${dir}/kv.sqlite3`;
  try {
    await using fake = new FakeIntegrationApp(fixtureWorkspace()).start();
    const token = await fake.token("alice");
    const options = { query: "?mode=dynamic", headers: { "x-chat-id": "across" } };
    await using other = await startServerProcess({ apiUrl: fake.url, kvPath });
    await using local = await startTestServer({ fakeApp: fake, kvPath });
    const listener = await connectModernClient(local.mcpUrl, token, options);
    const actor = await connectModernClient(other.mcpUrl, token, options);
    try {
      const delay = await noticeDelay(listener, actor);
      // deno-lint-ignore no-console
      console.log(`cross-process list_changed after ${delay.toFixed(1)} ms`);
    } finally {
      await listener.close();
      await actor.close();
      await local.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
