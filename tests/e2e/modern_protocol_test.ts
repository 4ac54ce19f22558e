import assert from "node:assert/strict";
import { META_TOOL_LISTING } from "../../src/mcp/meta_tools.ts";
import { connectModernClient, type ModernClient } from "../../src/sdk/modern_client.ts";
import { READ_RESULT_NAME } from "../../src/mcp/read_result.ts";
import { fixtureWorkspace } from "../../fake_integration_app/fixtures.ts";
import { mcpHeaders, rawRequest, startTestServer, textOf } from "../support/harness.ts";

const MODERN = "2026-07-28";
const ENVELOPE = {
  "io.modelcontextprotocol/protocolVersion": MODERN,
  "io.modelcontextprotocol/clientCapabilities": {},
  "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" },
};

/** A raw 2026-07-28 request: body with the `_meta` envelope, and the mirrored headers. */
function modernRequest(
  method: string,
  params: Record<string, unknown> = {},
  options: { id?: number | string; headers?: Record<string, string>; meta?: unknown } = {},
): RequestInit {
  const name: Record<string, string> = typeof params.name === "string"
    ? { "mcp-name": params.name }
    : {};
  return {
    method: "POST",
    headers: mcpHeaders({
      "mcp-protocol-version": MODERN,
      "mcp-method": method,
      ...name,
      ...options.headers,
    }),
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: options.id ?? 1,
      method,
      params: { ...params, _meta: options.meta ?? ENVELOPE },
    }),
  };
}

type Json = Record<string, unknown>;

/** What dynamic mode lists before anything is enabled (results are cut by default), sorted. */
const META_TOOLS = [...META_TOOL_LISTING.map((tool) => tool.name), READ_RESULT_NAME].sort();
const WITH_GMAIL = [...META_TOOLS, "gmail_send-email"].sort();

function resultOf(json: unknown): Json {
  const result = (json as { result?: Json }).result;
  assert.ok(result, `a result: ${JSON.stringify(json)}`);
  return result;
}

function names(tools: { name: string }[]): string[] {
  return tools.map((tool) => tool.name).sort();
}

/** Counts `notifications/tools/list_changed` and resolves `next()` on the next one. */
function listChanged(client: ModernClient): { count: number; next(): Promise<void> } {
  let waiting: (() => void)[] = [];
  const counter = {
    count: 0,
    next: () => new Promise<void>((resolve) => waiting.push(resolve)),
  };
  client.setNotificationHandler("notifications/tools/list_changed", () => {
    counter.count++;
    const resolve = waiting;
    waiting = [];
    for (const done of resolve) done();
  });
  return counter;
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

Deno.test("a 2026-07-28 client and a 2025 client list and call the same tools on one /mcp", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const legacy = await server.connect(token);
  const modern = await connectModernClient(server.mcpUrl, token);
  try {
    assert.equal(modern.getNegotiatedProtocolVersion(), MODERN);
    assert.notEqual(legacy.getServerVersion(), undefined);
    const modernTools = (await modern.listTools()).tools;
    const legacyTools = (await legacy.listTools()).tools;
    assert.deepEqual(modernTools, legacyTools, "one definition of the tools for both eras");
    const args = { to: "a@example.com", subject: "Hi" };
    const fromModern = await modern.callTool({ name: "gmail_send-email", arguments: args });
    const fromLegacy = await legacy.callTool({ name: "gmail_send-email", arguments: args });
    assert.deepEqual(fromModern.content, fromLegacy.content);
    assert.deepEqual(fromModern.structuredContent, fromLegacy.structuredContent);
    assert.equal(server.fake.count(/send-email\/run$/), 2);
    // The modern client never initialized: no session was created for it.
    const sessions = await Array.fromAsync(server.kv.list({ prefix: ["sessions"] }));
    assert.equal(sessions.length, 1, "only the 2025 client has a session");
  } finally {
    await modern.close();
  }
});

Deno.test("server/discover tells the versions, the capabilities we serve and who we are", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const res = await rawRequest(server.mcpUrl, { ...modernRequest("server/discover"), token });
  assert.equal(res.status, 200);
  const result = resultOf(res.json);
  assert.deepEqual(result.supportedVersions, [MODERN]);
  assert.deepEqual(result.capabilities, {
    tools: { listChanged: true },
    prompts: {},
    resources: {},
  });
  assert.equal(result.resultType, "complete");
  assert.equal(result.cacheScope, "private");
  assert.equal(result.ttlMs, server.services.config.catalogTtlMs);
  assert.deepEqual((result._meta as Json)["io.modelcontextprotocol/serverInfo"], {
    name: "Integration App MCP Server",
    version: "0.1.0",
  });
  assert.equal(res.headers.get("mcp-session-id"), null, "no session in this revision");
});

Deno.test("every list result carries caching hints: the catalog's freshness in static mode, 0 in dynamic", async (t) => {
  let clock = Date.now();
  await using server = await startTestServer({
    fake: fixtureWorkspace(),
    now: () => clock,
    env: { CATALOG_TTL_SECONDS: "300" },
  });
  const token = await server.fake.token("alice");

  await t.step(
    "static tools/list: private, ttlMs = what is left of the catalog's TTL",
    async () => {
      const first = resultOf(
        (await rawRequest(server.mcpUrl, {
          ...modernRequest("tools/list"),
          token,
        })).json,
      );
      assert.equal(first.resultType, "complete");
      assert.equal(first.cacheScope, "private");
      assert.equal(first.ttlMs, 300_000);
      clock += 120_000;
      const later = resultOf(
        (await rawRequest(server.mcpUrl, {
          ...modernRequest("tools/list"),
          token,
        })).json,
      );
      assert.equal(later.ttlMs, 180_000);
      assert.ok((later.tools as unknown[]).length > 1);
    },
  );

  await t.step("dynamic tools/list can change at any moment: ttlMs 0", async () => {
    const res = await rawRequest(`${server.mcpUrl}?mode=dynamic`, {
      ...modernRequest("tools/list"),
      token,
    });
    const result = resultOf(res.json);
    assert.equal(result.ttlMs, 0);
    assert.equal(result.cacheScope, "private");
    assert.deepEqual(names(result.tools as { name: string }[]), META_TOOLS);
  });

  for (
    const [method, field, expected] of [
      ["prompts/list", "prompts", []],
      ["resources/list", "resources", []],
      ["resources/templates/list", "resourceTemplates", ["tool-result"]],
    ] as const
  ) {
    await t.step(`${method} answers with hints`, async () => {
      const res = await rawRequest(server.mcpUrl, { ...modernRequest(method), token });
      assert.equal(res.status, 200);
      const result = resultOf(res.json);
      assert.deepEqual((result[field] as { name: string }[]).map((item) => item.name), expected);
      assert.equal(result.cacheScope, "private");
      assert.equal(result.ttlMs, 300_000);
      assert.equal(result.resultType, "complete");
    });
  }
});

Deno.test("the _meta envelope and the Mcp-* headers are checked with the spec's errors", async (t) => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");

  await t.step(
    "an unsupported version: 400 listing the supported ones, echoing the asked one",
    async () => {
      const meta = { ...ENVELOPE, "io.modelcontextprotocol/protocolVersion": "2099-01-01" };
      const res = await rawRequest(server.mcpUrl, {
        ...modernRequest("tools/list", {}, {
          id: 41,
          meta,
          headers: { "mcp-protocol-version": "2099-01-01" },
        }),
        token,
      });
      assert.equal(res.status, 400);
      const body = res.json as { id: unknown; error: { code: number; data: Json } };
      assert.equal(body.id, 41);
      assert.deepEqual(body.error.data, { supported: [MODERN], requested: "2099-01-01" });
    },
  );

  await t.step("an envelope without client capabilities: -32602 naming the field", async () => {
    const meta = { "io.modelcontextprotocol/protocolVersion": MODERN };
    const res = await rawRequest(server.mcpUrl, {
      ...modernRequest("tools/list", {}, { id: "m", meta }),
      token,
    });
    assert.equal(res.status, 400);
    const body = res.json as { id: unknown; error: { code: number; message: string } };
    assert.equal(body.id, "m");
    assert.equal(body.error.code, -32602);
    assert.match(body.error.message, /clientCapabilities/);
  });

  await t.step("an Mcp-Name that names another tool: 400 with -32020, no call made", async () => {
    const init = modernRequest("tools/call", {
      name: "gmail_send-email",
      arguments: { to: "a@example.com", subject: "Hi" },
    }, { id: 7, headers: { "mcp-name": "hubspot_delete_contact" } });
    const res = await rawRequest(server.mcpUrl, { ...init, token });
    assert.equal(res.status, 400);
    const body = res.json as { id: unknown; error: { code: number } };
    assert.equal(body.error.code, -32020);
    assert.equal(body.id, 7);
    assert.equal(server.fake.count(/\/run$/), 0);
  });

  await t.step("a refused request with a chat id leaves no chat behind", async () => {
    const res = await rawRequest(server.mcpUrl, {
      ...modernRequest("tools/list", {}, {
        headers: { "mcp-method": "prompts/list", "x-chat-id": "refused" },
      }),
      token,
    });
    assert.equal(res.status, 400);
    const chats = await rawRequest(`${server.url}/mcp/sessions`, { token });
    assert.deepEqual(chats.json, {});
    const served = await rawRequest(server.mcpUrl, {
      ...modernRequest("tools/list", {}, { headers: { "x-chat-id": "served" } }),
      token,
    });
    assert.equal(served.status, 200);
    const after = await rawRequest(`${server.url}/mcp/sessions`, { token });
    assert.deepEqual(after.json, { served: "stateless" });
  });

  await t.step("an Mcp-Method that names another method: -32020", async () => {
    const res = await rawRequest(server.mcpUrl, {
      ...modernRequest("tools/list", {}, { headers: { "mcp-method": "prompts/list" } }),
      token,
    });
    assert.equal(res.status, 400);
    assert.equal((res.json as { error: { code: number } }).error.code, -32020);
  });

  await t.step("a huge Mcp-Name or a protocol version that is no date: a short 400", async () => {
    const huge = "x".repeat(60_000);
    for (const header of ["mcp-name", "mcp-method", "mcp-protocol-version"]) {
      const headers: Record<string, string> = { [header]: huge };
      const res = await rawRequest(server.mcpUrl, {
        ...modernRequest("tools/call", { name: "gmail_send-email" }, { id: 5, headers }),
        token,
      });
      assert.equal(res.status, 400);
      assert.ok(res.text.length < 1000, `short answer: ${res.text.length} bytes`);
      assert.equal((res.json as { id: unknown }).id, 5);
    }
  });

  await t.step("whitespace around the header values is accepted", async () => {
    const init = modernRequest("tools/call", {
      name: "gmail_send-email",
      arguments: { to: "a@example.com", subject: "Hi" },
    }, { headers: { "mcp-method": "  tools/call ", "mcp-name": " gmail_send-email  " } });
    const res = await rawRequest(server.mcpUrl, { ...init, token });
    assert.equal(res.status, 200, res.text);
    const result = resultOf(res.json);
    assert.equal(result.resultType, "complete");
    assert.equal(result.isError, undefined);
  });

  await t.step("an unknown tool is a JSON-RPC error, as in 2025", async () => {
    const res = await rawRequest(server.mcpUrl, {
      ...modernRequest("tools/call", { name: "nope_nothing" }, { id: 9 }),
      token,
    });
    const body = res.json as { id: unknown; error: { code: number; message: string } };
    assert.equal(body.id, 9);
    assert.equal(body.error.code, -32602);
    assert.match(body.error.message, /Unknown tool: nope_nothing/);
  });

  await t.step("a bad token is still a 401 before anything else", async () => {
    const res = await rawRequest(server.mcpUrl, { ...modernRequest("tools/list"), token: "x" });
    assert.equal(res.status, 401);
  });
});

Deno.test("dynamic mode without sessions: the chat carries the enabled set", async (t) => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const chat = await connectModernClient(server.mcpUrl, token, {
    query: "?mode=dynamic",
    headers: { "x-chat-id": "chat one" },
  });
  const noChat = await connectModernClient(server.mcpUrl, token, { query: "?mode=dynamic" });
  try {
    await t.step("a chat lists only the meta-tools at first", async () => {
      assert.deepEqual(names((await chat.listTools()).tools), META_TOOLS);
    });

    await t.step("enable-tools in a chat shows in its next listing and calls", async () => {
      const enabled = await chat.callTool({
        name: "enable-tools",
        arguments: { tools: ["gmail_send-email"] },
      });
      assert.equal(enabled.isError, undefined, textOf(enabled));
      const { tools } = await chat.listTools(undefined, { cacheMode: "bypass" });
      assert.deepEqual(names(tools), WITH_GMAIL);
      const sent = await chat.callTool({
        name: "gmail_send-email",
        arguments: { to: "a@example.com", subject: "Hi" },
      });
      assert.equal(sent.isError, undefined, textOf(sent));
    });

    await t.step("another client in the same chat sees the same tools", async () => {
      const again = await connectModernClient(server.mcpUrl, token, {
        query: "?mode=dynamic",
        headers: { "x-chat-id": "chat one" },
      });
      try {
        assert.deepEqual(names((await again.listTools()).tools), WITH_GMAIL);
      } finally {
        await again.close();
      }
    });

    await t.step(
      "without a chat only the meta-tools are seen, and enabling says why it cannot",
      async () => {
        assert.deepEqual(names((await noChat.listTools()).tools), META_TOOLS);
        await assert.rejects(
          () =>
            noChat.callTool({ name: "enable-tools", arguments: { tools: ["gmail_send-email"] } }),
          /x-chat-id/,
        );
        await assert.rejects(
          () =>
            noChat.callTool({
              name: "gmail_send-email",
              arguments: { to: "a@example.com", subject: "Hi" },
            }),
          /not enabled/,
        );
      },
    );

    await t.step('GET /mcp/sessions maps the modern chat to "stateless"', async () => {
      const list = await rawRequest(`${server.url}/mcp/sessions`, { token });
      assert.deepEqual(list.json, { "chat one": "stateless" });
      const one = await rawRequest(`${server.url}/mcp/sessions/chat%20one`, { token });
      const body = one.json as Json;
      assert.equal(body.sessionId, "stateless");
      assert.equal(body.sessionActive, false);
      assert.equal(body.mode, "dynamic");
      assert.deepEqual(body.enabledTools, ["gmail_send-email"]);
    });

    await t.step("a 2025 client that joins the chat resumes with its enabled tools", async () => {
      const legacy = await server.connect(token, {
        query: "?mode=dynamic",
        headers: { "x-chat-id": "chat one" },
      });
      assert.deepEqual(names((await legacy.listTools()).tools), WITH_GMAIL);
    });
  } finally {
    await chat.close();
    await noChat.close();
  }
});

Deno.test("subscriptions/listen delivers list_changed for its chat and customer only", async (t) => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const alice = await server.fake.token("alice");
  const bob = await server.fake.token("bob");
  const listener = await connectModernClient(server.mcpUrl, alice, {
    query: "?mode=dynamic",
    headers: { "x-chat-id": "c1" },
  });
  const otherChat = await connectModernClient(server.mcpUrl, alice, {
    query: "?mode=dynamic",
    headers: { "x-chat-id": "c2" },
  });
  const bobs = await connectModernClient(server.mcpUrl, bob, {
    query: "?mode=dynamic",
    headers: { "x-chat-id": "c1" },
  });
  const actor = await connectModernClient(server.mcpUrl, alice, {
    query: "?mode=dynamic",
    headers: { "x-chat-id": "c1" },
  });
  const aliceTenant = (await server.services.identities.resolve(alice)).tenant;
  const heard = listChanged(listener);
  const heardOther = listChanged(otherChat);
  const heardBob = listChanged(bobs);
  const subscriptions = [
    await listener.listen({ toolsListChanged: true }),
    await otherChat.listen({ toolsListChanged: true }),
    await bobs.listen({ toolsListChanged: true }),
  ];
  try {
    await t.step("the server honours the tools filter", () => {
      assert.deepEqual(subscriptions[0]?.honoredFilter, { toolsListChanged: true });
      assert.equal(server.services.changes.listeners(aliceTenant), 2);
    });

    await t.step("enabling tools in the chat notifies that chat's listener", async () => {
      const next = heard.next();
      await actor.callTool({ name: "enable-tools", arguments: { tools: ["gmail_send-email"] } });
      await within(next, 5000, "list_changed");
      assert.equal(heard.count, 1);
      assert.deepEqual(
        names((await listener.listTools(undefined, { cacheMode: "bypass" })).tools),
        WITH_GMAIL,
      );
    });

    await t.step("a 2025 session of the same chat enabling tools notifies it too", async () => {
      const legacy = await server.connect(alice, {
        query: "?mode=dynamic",
        headers: { "x-chat-id": "c1" },
      });
      const next = heard.next();
      await legacy.callTool({
        name: "enable-tools",
        arguments: { tools: ["hubspot-delete-contact"] },
      });
      await within(next, 5000, "list_changed from a 2025 session");
      assert.equal(heard.count, 2);
    });

    await t.step("a catalog change notifies every listener of the customer", async () => {
      const next = heard.next();
      const nextOther = heardOther.next();
      const gmail = server.fake.customers.get("alice")?.connections.find((c) =>
        c.id === "conn_gmail"
      );
      assert.ok(gmail);
      gmail.disconnected = true;
      await server.services.catalogs.invalidate(aliceTenant);
      await actor.listTools(undefined, { cacheMode: "bypass" });
      await server.services.background.drain();
      await within(Promise.all([next, nextOther]), 5000, "list_changed after a catalog change");
    });

    await t.step("other chats heard no enabling, and another customer heard nothing", () => {
      assert.equal(heardOther.count, 1, "only the catalog change");
      assert.equal(heardBob.count, 0);
    });
  } finally {
    for (const subscription of subscriptions) await subscription.close();
    await Promise.all([listener, otherChat, bobs, actor].map((client) => client.close()));
  }
});

Deno.test("a 2026-07-28 request with a new chat id counts against the chat cap, before anything runs", async () => {
  await using server = await startTestServer({
    fake: fixtureWorkspace(),
    env: { MAX_CHATS_PER_TENANT: "2" },
  });
  const token = await server.fake.token("alice");
  const call = (chatId: string, id: number) =>
    rawRequest(server.mcpUrl, {
      ...modernRequest("tools/call", {
        name: "gmail_send-email",
        arguments: { to: "a@example.com", subject: "Hi" },
      }, { id, headers: { "x-chat-id": chatId } }),
      token,
    });
  assert.equal((await call("a", 1)).status, 200);
  assert.equal((await call("b", 2)).status, 200);
  const refused = await call("c", 3);
  assert.equal(refused.status, 429);
  assert.match(refused.text, /Too many chats/);
  assert.equal((refused.json as { id: unknown }).id, 3);
  assert.equal(server.fake.count(/send-email\/run$/), 2, "the refused call never ran");
  assert.equal((await call("a", 4)).status, 200, "an existing chat is served");
  const listed = (await rawRequest(`${server.url}/mcp/sessions`, { token })).json as object;
  assert.deepEqual(Object.keys(listed).sort(), ["a", "b"]);
});
