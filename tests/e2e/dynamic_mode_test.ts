import assert from "node:assert/strict";
import {
  type Client,
  type StreamableHTTPClientTransport,
  ToolListChangedNotificationSchema,
} from "../../src/sdk/client.ts";
import { FakeApiError, FakeIntegrationApp } from "../../fake_integration_app/server.ts";
import { fixtureWorkspace } from "../../fake_integration_app/fixtures.ts";
import { rawRequest, startTestServer } from "../support/harness.ts";
import { searchWorkspace } from "../../fake_integration_app/search_fixture.ts";

interface ToolCallOutcome {
  isError: boolean;
  text: string;
  structured: Record<string, unknown> | undefined;
}

async function call(client: Client, name: string, args: unknown): Promise<ToolCallOutcome> {
  const result = await client.callTool({
    name,
    arguments: args as Record<string, unknown>,
  });
  const content = result.content as { type: string; text?: string }[];
  return {
    isError: result.isError === true,
    text: content.map((part) => part.text ?? "").join("\n"),
    structured: result.structuredContent as Record<string, unknown> | undefined,
  };
}

/** The meta-tools, first in the list (`read-result` while the result size cap is on). */
const META_TOOLS = ["enable-tools", "search-tools", "call-tool", "connect-app", "read-result"];

/** The enabled tools listed after the meta-tools (which must come first), sorted. */
async function listed(client: Client): Promise<string[]> {
  const names = (await client.listTools()).tools.map((tool) => tool.name);
  assert.deepEqual(names.slice(0, META_TOOLS.length), META_TOOLS);
  return names.slice(META_TOOLS.length).sort();
}

/** Counts `notifications/tools/list_changed` received by `client`. */
function countListChanged(client: Client): { count: number } {
  const counter = { count: 0 };
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    counter.count++;
  });
  return counter;
}

function sessionIdOf(client: Client): string {
  const id = (client.transport as StreamableHTTPClientTransport | undefined)?.sessionId;
  assert.ok(id, "the client has a session id");
  return id;
}

Deno.test("dynamic mode: enable-tools enables, replaces and reports, and tools/list follows", async (t) => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const client = await server.connect(token, { query: "?mode=dynamic" });
  const changes = countListChanged(client);

  await t.step("only the meta-tools are listed at first", async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((tool) => tool.name), META_TOOLS);
    const schema = tools[0]?.inputSchema as { properties?: Record<string, unknown> };
    assert.deepEqual(Object.keys(schema.properties ?? {}).sort(), ["limit", "query", "tools"]);
    assert.match(tools[0]?.description ?? "", /query/);
  });

  await t.step(
    "a call of an action that is not enabled is refused with a clear error",
    async () => {
      await assert.rejects(
        () => call(client, "gmail_send-email", { to: "a@example.com", subject: "Hi" }),
        /gmail_send-email is not enabled in this session: call enable-tools/,
      );
      assert.equal(server.fake.count(/\/run$/), 0);
    },
  );

  await t.step("names in canonical, hyphen and mixed-case forms are enabled", async () => {
    const outcome = await call(client, "enable-tools", {
      tools: ["gmail_send-email", "HubSpot-Delete-Contact"],
    });
    assert.equal(outcome.isError, false, outcome.text);
    assert.deepEqual(outcome.structured?.enabled, ["gmail_send-email", "hubspot_delete_contact"]);
    assert.match(
      outcome.text,
      /- gmail_send-email: Gmail: Send Email\. Send an email message\. Required arguments: to, subject\./,
    );
    assert.match(outcome.text, /- hubspot_delete_contact: .*Required arguments: id\./);
    assert.equal(changes.count, 1, "list_changed arrived with the call's result");
    assert.deepEqual(await listed(client), [
      "gmail_send-email",
      "hubspot_delete_contact",
    ]);
  });

  await t.step("enabled tools can be called; an action key with '_' runs", async () => {
    const sent = await call(client, "gmail_send-email", { to: "a@example.com", subject: "Hi" });
    assert.equal(sent.isError, false, sent.text);
    assert.equal((sent.structured as { messageId?: string }).messageId, "m-1");
    const deleted = await call(client, "hubspot_delete_contact", { id: "42" });
    assert.equal(deleted.isError, false, deleted.text);
    assert.equal(deleted.text, "false");
    const run = server.fake.requests.find((r) => r.path.endsWith("/delete_contact/run"));
    assert.equal(run?.path, "/connections/conn_hubspot/actions/delete_contact/run");
  });

  await t.step("a new call replaces the enabled set", async () => {
    const outcome = await call(client, "enable-tools", { tools: ["google-calendar-create-event"] });
    assert.equal(outcome.isError, false, outcome.text);
    assert.equal(changes.count, 2);
    assert.deepEqual(await listed(client), ["google-calendar_create-event"]);
    await assert.rejects(
      () => call(client, "gmail_send-email", { to: "a@example.com", subject: "Hi" }),
      /not enabled/,
    );
  });

  await t.step(
    "unknown names are reported with close matches; known ones are enabled",
    async () => {
      const outcome = await call(client, "enable-tools", {
        tools: ["gmail_send-emial", "gmail_read-email"],
      });
      assert.equal(outcome.isError, false, outcome.text);
      assert.match(
        outcome.text,
        /Unknown tool "gmail_send-emial" \(did you mean: gmail_send-email/,
      );
      assert.deepEqual(outcome.structured?.unknown, ["gmail_send-emial"]);
      assert.deepEqual(await listed(client), ["gmail_read-email"]);
      assert.equal(changes.count, 3);
    },
  );

  await t.step("a call that names only unknown tools is an error and changes nothing", async () => {
    const outcome = await call(client, "enable-tools", { tools: ["salesforce_create-lead"] });
    assert.equal(outcome.isError, true);
    assert.match(outcome.text, /Unknown tool "salesforce_create-lead"/);
    assert.match(outcome.text, /The enabled tools are unchanged/);
    assert.deepEqual(await listed(client), ["gmail_read-email"]);
    assert.equal(changes.count, 3, "no list_changed when nothing changed");
  });

  await t.step("{} is rejected and changes nothing", async () => {
    for (const args of [{}, { limit: 3 }]) {
      const outcome = await call(client, "enable-tools", args);
      assert.equal(outcome.isError, true, JSON.stringify(args));
      assert.match(outcome.text, /Pass "tools" .* or "query"/);
    }
    const bad = await call(client, "enable-tools", { tools: "gmail_send-email" });
    assert.equal(bad.isError, true);
    assert.match(bad.text, /"tools" must be an array/);
    assert.deepEqual(await listed(client), ["gmail_read-email"]);
    assert.equal(changes.count, 3);
  });

  await t.step("{tools: []} disables every tool, as in the reference server", async () => {
    const outcome = await call(client, "enable-tools", { tools: [] });
    assert.equal(outcome.isError, false, outcome.text);
    assert.deepEqual(await listed(client), []);
    assert.equal(changes.count, 4);
    changes.count = 3; // the steps below count from before this one
  });

  await t.step("a query enables the best matching tools", async () => {
    const outcome = await call(client, "enable-tools", { query: "send an email to a lead" });
    assert.equal(outcome.isError, false, outcome.text);
    const enabled = outcome.structured?.enabled as string[];
    assert.equal(enabled[0], "gmail_send-email");
    assert.ok(enabled.length <= 5);
    assert.deepEqual(await listed(client), [...enabled].sort());
    assert.equal(changes.count, 4);
    const sent = await call(client, "gmail_send-email", { to: "b@example.com", subject: "Yo" });
    assert.equal(sent.isError, false, sent.text);
  });

  await t.step("names and a query together enable both, within the limit", async () => {
    const outcome = await call(client, "enable-tools", {
      tools: ["hubspot_list-contacts"],
      query: "create a calendar event",
      limit: 1,
    });
    assert.equal(outcome.isError, false, outcome.text);
    assert.deepEqual(outcome.structured?.enabled, [
      "hubspot_list-contacts",
      "google-calendar_create-event",
    ]);
  });
});

Deno.test("dynamic mode only enables tools of the session's apps", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const client = await server.connect(token, { query: "?mode=dynamic&apps=gmail" });

  const named = await call(client, "enable-tools", { tools: ["hubspot_create-contact"] });
  assert.equal(named.isError, true);
  assert.match(named.text, /Unknown tool "hubspot_create-contact"/);
  assert.match(named.text, /This session only has tools of these apps: gmail/);

  const queried = await call(client, "enable-tools", { query: "create a contact", limit: 5 });
  for (const name of (queried.structured?.enabled as string[] | undefined) ?? []) {
    assert.ok(name.startsWith("gmail_"), `${name} is outside apps=gmail`);
  }
  assert.ok(
    (await listed(client)).every((name) => name.startsWith("gmail_")),
  );
  await assert.rejects(
    () => call(client, "hubspot_create-contact", { email: "a@example.com" }),
    /Unknown tool: hubspot_create-contact/,
  );
  assert.equal(server.fake.count(/\/run$/), 0);
});

Deno.test("static mode has no enable-tools", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const client = await server.connect(await server.fake.token("alice"));
  const names = (await client.listTools()).tools.map((tool) => tool.name);
  assert.ok(!names.includes("enable-tools"));
  assert.ok(names.includes("gmail_send-email"));
  await assert.rejects(
    () => call(client, "enable-tools", { tools: ["gmail_send-email"] }),
    /Unknown tool/,
  );
});

Deno.test("the enabled set survives a server restart on the same KV file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dynamic-kv-" });
  const kvPath = `${dir}/kv.sqlite3`;
  await using fake = new FakeIntegrationApp(fixtureWorkspace()).start();
  const token = await fake.token("alice");
  try {
    let sessionId: string;
    {
      await using first = await startTestServer({ fakeApp: fake, kvPath });
      const client = await first.connect(token, { query: "?mode=dynamic" });
      sessionId = sessionIdOf(client);
      const outcome = await call(client, "enable-tools", {
        tools: ["gmail-send-email", "hubspot_list-contacts"],
      });
      assert.equal(outcome.isError, false, outcome.text);
    }
    await using second = await startTestServer({ fakeApp: fake, kvPath });
    const client = await second.connect(token, { sessionId, query: "?mode=dynamic" });
    assert.equal(sessionIdOf(client), sessionId);
    assert.deepEqual(await listed(client), [
      "gmail_send-email",
      "hubspot_list-contacts",
    ]);
    const listedContacts = await call(client, "hubspot_list-contacts", {});
    assert.equal(listedContacts.isError, false, listedContacts.text);
    await assert.rejects(() => call(client, "gmail_read-email", { id: "1" }), /not enabled/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("GET /mcp/tools ranks and lists the caller's tools as JSON", async (t) => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const url = `${server.url}/mcp/tools`;

  await t.step("it needs a bearer token", async () => {
    const response = await rawRequest(`${url}?q=send%20email`);
    assert.equal(response.status, 401);
    assert.match(response.headers.get("www-authenticate") ?? "", /^Bearer/);
    const forged = await rawRequest(`${url}?q=send`, {
      token: await server.fake.token("alice", { secret: "not-the-secret" }),
    });
    assert.equal(forged.status, 401);
  });

  await t.step("it refuses a foreign Origin like the rest of /mcp", async () => {
    const response = await rawRequest(`${url}?q=send`, {
      token,
      headers: { origin: "https://evil.example" },
    });
    assert.equal(response.status, 403);
  });

  await t.step(
    "q ranks the tools; each has name, title, description, app, readOnly, required arguments",
    async () => {
      const response = await rawRequest(`${url}?q=${encodeURIComponent("send an email")}&limit=3`, {
        token,
      });
      assert.equal(response.status, 200);
      assert.match(response.headers.get("content-type") ?? "", /application\/json/);
      const body = response.json as {
        query: string;
        total: number;
        tools: Record<string, unknown>[];
      };
      assert.equal(body.query, "send an email");
      assert.equal(body.total, 7);
      assert.ok(body.tools.length >= 1 && body.tools.length <= 3);
      const { score, ...first } = body.tools[0] ?? {};
      assert.equal(typeof score, "number");
      assert.deepEqual(first, {
        name: "gmail_send-email",
        title: "Gmail: Send Email",
        description: "Gmail: Send Email. Send an email message",
        app: "gmail",
        appName: "Gmail",
        readOnly: false,
        requiredArguments: ["to", "subject"],
      });
      const read = await rawRequest(`${url}?q=read%20email`, { token });
      const readTool = (read.json as { tools: { name: string; readOnly: boolean }[] }).tools[0];
      assert.deepEqual(readTool, { ...readTool, name: "gmail_read-email", readOnly: true });
    },
  );

  await t.step("without q it lists the catalog, bounded by limit", async () => {
    const all = await rawRequest(url, { token });
    assert.equal(all.status, 200);
    const body = all.json as { query: null; total: number; tools: { name: string }[] };
    assert.equal(body.query, null);
    assert.equal(body.tools.length, 7);
    assert.ok(!body.tools.some((tool) => tool.name.startsWith("slack_")), "disconnected app");
    const two = await rawRequest(`${url}?limit=2`, { token });
    assert.equal((two.json as { tools: unknown[]; total: number }).tools.length, 2);
    assert.equal((two.json as { total: number }).total, 7);
  });

  await t.step("apps narrows the tools", async () => {
    const response = await rawRequest(`${url}?apps=google-calendar,gmail&q=create`, { token });
    assert.equal(response.status, 200);
    const body = response.json as { apps: string[]; tools: { app: string }[] };
    assert.deepEqual(body.apps, ["gmail", "google-calendar"]);
    assert.ok(body.tools.length > 0);
    assert.ok(body.tools.every((tool) => tool.app === "gmail" || tool.app === "google-calendar"));
  });

  await t.step("bad parameters get 400 with a clear message", async () => {
    for (
      const [query, message] of [
        ["limit=0", /limit must be an integer from 1 to 200/],
        ["limit=abc", /limit must be an integer/],
        ["limit=201", /limit must be an integer/],
        ["q=a&q=b", /q is given more than once/],
        ["query=send", /unknown parameter "query"/],
        ["apps=", /apps is empty/],
        ["apps=bad%20key", /is not an integration key/],
        [`q=${"x".repeat(501)}`, /q is longer than 500 characters/],
      ] as const
    ) {
      const response = await rawRequest(`${url}?${query}`, { token });
      assert.equal(response.status, 400, query);
      const error = (response.json as { error: { message: string } }).error;
      assert.match(error.message, /^Bad Request: /);
      assert.match(error.message, message);
    }
  });

  await t.step("an Integration.app outage is a 503 with Retry-After", async () => {
    await using down = await startTestServer({ fake: fixtureWorkspace() });
    const downToken = await down.fake.token("bob");
    down.fake.faults.push({
      match: /GET \/connections/,
      error: new FakeApiError(503, {
        type: "internal",
        message: "Service unavailable",
      }),
    });
    const response = await rawRequest(`${down.url}/mcp/tools?q=email`, { token: downToken });
    assert.equal(response.status, 503);
    assert.ok(response.headers.get("retry-after"));
    assert.match(
      (response.json as { error: { message: string } }).error.message,
      /^Cannot list the tools: Integration\.app failed/,
    );
  });
});

Deno.test("GET /mcp/tools finds the intended tool in a ten-app workspace", async () => {
  await using server = await startTestServer({ fake: searchWorkspace() });
  const token = await server.fake.token("carol");
  for (
    const [q, expected] of [
      ["schedule a meeting with the team", "google-calendar_create-event"],
      ["merge the PR", "github_merge-pull-request"],
      ["remove a contact from HubSpot", "hubspot_delete_contact"],
      ["open a bug in Jira", "jira_create-issue"],
    ] as const
  ) {
    const response = await rawRequest(
      `${server.url}/mcp/tools?q=${encodeURIComponent(q)}&limit=5`,
      { token },
    );
    assert.equal(response.status, 200);
    const body = response.json as { total: number; tools: { name: string }[] };
    assert.equal(body.total, 62);
    assert.ok(body.tools.some((tool) => tool.name === expected), `${q} -> ${expected}`);
  }
});
