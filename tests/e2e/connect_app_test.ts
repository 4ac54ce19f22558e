/**
 * Connecting apps from the chat: `connect-app` and the reconnect link of a broken connection,
 * with and without URL-mode elicitation, end to end (the official client, the real server,
 * the fake's connection requests; "the user opens the link" is a GET of the URL).
 */
import assert from "node:assert/strict";
import { Client, StreamableHTTPClientTransport } from "../../src/sdk/client.ts";
import { FakeIntegrationApp } from "../../fake_integration_app/server.ts";
import { fixtureWorkspace } from "../../fake_integration_app/fixtures.ts";
import { startTestServer, textOf } from "../support/harness.ts";

/** The user opens the link and finishes connecting. */
async function openLink(url: string): Promise<void> {
  const response = await fetch(url);
  await response.body?.cancel();
  assert.equal(response.status, 200, url);
}

function linkIn(text: string): string {
  const url = /https?:\/\/\S+\/connect\/\S+/.exec(text)?.[0];
  assert.ok(url, `no link in: ${text}`);
  return url;
}

/** A client that declares URL-mode elicitation (2025-11-25). */
async function elicitingClient(mcpUrl: string, token: string, query = ""): Promise<Client> {
  const client = new Client({ name: "eliciting", version: "1.0.0" }, {
    capabilities: { elicitation: { url: {} } },
  });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${mcpUrl}${query}`), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

Deno.test("connect-app hands back a link; once the user connects, the new tools work at once", async () => {
  // A catalog TTL of an hour: only the completed request can make the tools appear.
  await using server = await startTestServer({
    fake: fixtureWorkspace(),
    env: { CATALOG_TTL_SECONDS: "3600" },
  });
  const client = await server.connect(await server.fake.token("bob"), { query: "?mode=dynamic" });
  const before = await client.callTool({
    name: "enable-tools",
    arguments: { tools: ["hubspot_create-contact"] },
  });
  assert.equal(before.isError, true, "HubSpot is not connected yet");

  const result = await client.callTool({ name: "connect-app", arguments: { app: "hubspot" } });
  assert.equal(result.isError, undefined, textOf(result));
  const url = linkIn(textOf(result));
  assert.match(textOf(result), /Ask the user to open this link to connect hubspot/);
  assert.equal((result.structuredContent as { url?: string }).url, url);
  assert.equal(server.fake.count(/^POST \/connection-requests$/), 1);

  await openLink(url);
  const builds = server.services.catalogs.builds;
  const after = await client.callTool({
    name: "enable-tools",
    arguments: { tools: ["hubspot_create-contact"] },
  });
  assert.equal(after.isError, undefined, textOf(after));
  assert.equal(server.services.catalogs.builds, builds + 1, "rebuilt once, on completion");
  const created = await client.callTool({
    name: "hubspot_create-contact",
    arguments: { email: "ada@example.com" },
  });
  assert.equal(created.isError, undefined, textOf(created));

  const again = await client.callTool({ name: "connect-app", arguments: { app: "hubspot" } });
  assert.match(textOf(again), /already connected/);
});

Deno.test("connect-app repairs a broken connection, refuses unknown apps and bad arguments", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const client = await server.connect(await server.fake.token("alice"), {
    query: "?mode=dynamic",
  });
  const slack = await client.callTool({ name: "connect-app", arguments: { app: "slack" } });
  assert.match(textOf(slack), /to reconnect Slack/);
  assert.equal((slack.structuredContent as { reconnect?: boolean }).reconnect, true);
  const sent = server.fake.requests.findLast((r) => r.path === "/connection-requests");
  assert.deepEqual(sent?.body, { connectionId: "conn_slack" });

  const unknown = await client.callTool({ name: "connect-app", arguments: { app: "nope" } });
  assert.equal(unknown.isError, true);
  assert.match(textOf(unknown), /No app "nope" in this Integration.app workspace/);

  for (const args of [{}, { app: "" }, { app: "x".repeat(201) }, { app: "slack", extra: 1 }]) {
    const bad = await client.callTool({ name: "connect-app", arguments: args });
    assert.equal(bad.isError, true, JSON.stringify(args));
    assert.match(textOf(bad), /Invalid arguments for connect-app/);
  }

  const limited = await server.connect(await server.fake.token("alice"), {
    query: "?mode=dynamic&apps=gmail",
  });
  const outside = await limited.callTool({ name: "connect-app", arguments: { app: "slack" } });
  assert.equal(outside.isError, true);
  assert.match(textOf(outside), /limited to the apps gmail/);
});

Deno.test("with URL-mode elicitation, connect-app asks through the URL-elicitation-required error", async () => {
  await using server = await startTestServer({
    fake: fixtureWorkspace(),
    env: { CATALOG_TTL_SECONDS: "3600" },
  });
  const client = await elicitingClient(
    server.mcpUrl,
    await server.fake.token("bob"),
    "?mode=dynamic",
  );
  try {
    const error = await client.callTool({ name: "connect-app", arguments: { app: "slack" } })
      .then(() => undefined, (e) => e as { code?: number; data?: unknown });
    assert.equal(error?.code, -32042);
    const elicitation = (error?.data as { elicitations: Record<string, string>[] })
      .elicitations[0];
    assert.equal(elicitation?.mode, "url");
    assert.match(elicitation?.url ?? "", /\/connect\/cr_/);
    assert.ok(elicitation?.elicitationId);
    // The client shows the link, the user connects, the client retries the call.
    await openLink(elicitation?.url ?? "");
    const retried = await client.callTool({ name: "connect-app", arguments: { app: "slack" } });
    assert.match(textOf(retried), /already connected/);
  } finally {
    await client.close();
  }
});

Deno.test("a static-mode call on a broken connection offers the reconnect link, or elicits it", async () => {
  await using server = await startTestServer({
    fake: fixtureWorkspace(),
    env: { CATALOG_TTL_SECONDS: "3600" },
  });
  const token = await server.fake.token("alice");
  const client = await server.connect(token);
  const eliciting = await elicitingClient(server.mcpUrl, token);
  try {
    await client.listTools();
    const gmail = server.fake.customers.get("alice")!.connections.find((c) =>
      c.id === "conn_gmail"
    )!;
    gmail.isDefunct = true;

    const failed = await client.callTool({ name: "gmail_read-email", arguments: {} });
    assert.equal(failed.isError, true);
    assert.match(textOf(failed), /must reconnect Gmail: ask them to open this link/);
    const sent = server.fake.requests.findLast((r) => r.path === "/connection-requests");
    assert.deepEqual(sent?.body, { connectionId: "conn_gmail" });

    const error = await eliciting.callTool({ name: "gmail_read-email", arguments: {} })
      .then(() => undefined, (e) => e as { code?: number; data?: unknown });
    assert.equal(error?.code, -32042);

    await openLink(linkIn(textOf(failed)));
    const works = await client.callTool({ name: "gmail_read-email", arguments: {} });
    assert.equal(works.isError, undefined, textOf(works));
  } finally {
    await eliciting.close();
  }
});

Deno.test("calling a tool of an app whose connection is broken says so and offers the link", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const client = await server.connect(await server.fake.token("alice"));
  const result = await client.callTool({
    name: "slack_post-message",
    arguments: { channel: "c", text: "hi" },
  });
  assert.equal(result.isError, true);
  assert.match(textOf(result), /the Slack connection is broken/);
  assert.match(textOf(result), /must reconnect Slack: ask them to open this link/);
  linkIn(textOf(result));
  await assert.rejects(
    client.callTool({ name: "zoom_start-meeting", arguments: {} }),
    /Unknown tool/,
  );
});

Deno.test("retried calls on a broken connection hand out the same link, not a new request each", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const client = await server.connect(await server.fake.token("alice"));
  const links = new Set<string>();
  for (let i = 0; i < 3; i++) {
    const result = await client.callTool({
      name: "slack_post-message",
      arguments: { channel: "c", text: "hi" },
    });
    links.add(linkIn(textOf(result)));
  }
  assert.equal(links.size, 1);
  assert.equal(server.fake.count(/^POST \/connection-requests$/), 1);
});

Deno.test("calling a tool of a workspace app the customer never connected offers the connect link", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const client = await server.connect(await server.fake.token("bob"));
  const result = await client.callTool({
    name: "hubspot_create-contact",
    arguments: { email: "ada@example.com" },
  });
  assert.equal(result.isError, true);
  assert.match(textOf(result), /HubSpot is not connected yet\. The user must connect HubSpot/);
  await openLink(linkIn(textOf(result)));
  const created = await client.callTool({
    name: "hubspot_create-contact",
    arguments: { email: "ada@example.com" },
  });
  assert.equal(created.isError, undefined, textOf(created));
  await assert.rejects(client.callTool({ name: "zoom_x", arguments: {} }), /Unknown tool/);
  assert.equal(server.fake.count(/^GET \/integrations$/), 1, "the app list is cached");
});

Deno.test("enable-tools names of apps the customer lacks point at connect-app", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const client = await server.connect(await server.fake.token("bob"), { query: "?mode=dynamic" });
  const result = await client.callTool({
    name: "enable-tools",
    arguments: { tools: ["hubspot_create-contact", "gmail_send-email", "nothing_here"] },
  });
  assert.equal(result.isError, undefined, textOf(result));
  assert.match(
    textOf(result),
    /To use HubSpot \(not connected yet\): call connect-app with \{"app": "hubspot"\}/,
  );
  const none = await client.callTool({
    name: "enable-tools",
    arguments: { tools: ["slack_post-message"] },
  });
  assert.equal(none.isError, true);
  assert.match(textOf(none), /call connect-app with \{"app": "slack"\}/);
});

Deno.test("a user who connects through one replica sees the new tools on another at once", async () => {
  await using fake = new FakeIntegrationApp(fixtureWorkspace()).start();
  // Two replicas on one KV (as on Deno Deploy or a shared KV server).
  using kv = await Deno.openKv(":memory:");
  const env = { CATALOG_TTL_SECONDS: "3600" };
  await using first = await startTestServer({ fakeApp: fake, kv, env });
  await using second = await startTestServer({ fakeApp: fake, kv, env });
  const token = await fake.token("bob");
  const onSecond = await second.connect(token);
  assert.ok(!(await onSecond.listTools()).tools.some((t) => t.name.startsWith("hubspot_")));

  const onFirst = await first.connect(token, { query: "?mode=dynamic" });
  const link = await onFirst.callTool({ name: "connect-app", arguments: { app: "hubspot" } });
  await first.services.background.drain(); // the request is shared through KV
  await openLink(linkIn(textOf(link)));

  const created = await onSecond.callTool({
    name: "hubspot_create-contact",
    arguments: { email: "ada@example.com" },
  });
  assert.equal(created.isError, undefined, textOf(created));
  assert.ok((await onSecond.listTools()).tools.some((t) => t.name === "hubspot_create-contact"));
});

Deno.test("search-tools also finds actions of apps the customer lacks, marked as needing a connection", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const client = await server.connect(await server.fake.token("bob"), { query: "?mode=dynamic" });
  const result = await client.callTool({
    name: "search-tools",
    arguments: { query: "create a contact" },
  });
  assert.equal(result.isError, undefined, textOf(result));
  const structured = result.structuredContent as {
    tools: { name: string }[];
    notConnected?: { name: string; app: string; needsConnection: boolean; connect: unknown }[];
  };
  assert.ok(!structured.tools.some((t) => t.name.startsWith("hubspot_")), "not bob's own");
  const hubspot = structured.notConnected?.find((t) => t.name === "hubspot_create-contact");
  assert.ok(hubspot, textOf(result));
  assert.equal(hubspot.needsConnection, true);
  assert.deepEqual(hubspot.connect, { tool: "connect-app", arguments: { app: "hubspot" } });
  assert.match(textOf(result), /not connected the app yet \(call connect-app/);
  // The JSON of bob's own tools stays the last line.
  assert.deepEqual(JSON.parse(textOf(result).split("\n").at(-1)!), { tools: structured.tools });

  // call-tool on such a tool gives the link instead of "unknown tool".
  const via = await client.callTool({
    name: "call-tool",
    arguments: { name: "hubspot_create-contact", arguments: { email: "ada@example.com" } },
  });
  assert.equal(via.isError, true);
  assert.match(textOf(via), /HubSpot is not connected yet\. The user must connect HubSpot/);
  linkIn(textOf(via));

  // With ?apps=gmail, other apps are not offered.
  const limited = await server.connect(await server.fake.token("bob"), {
    query: "?mode=dynamic&apps=gmail",
  });
  const narrow = await limited.callTool({
    name: "search-tools",
    arguments: { query: "create a contact" },
  });
  assert.equal((narrow.structuredContent as { notConnected?: unknown }).notConnected, undefined);
});
