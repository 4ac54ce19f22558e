import assert from "node:assert/strict";
import type { Client } from "../../src/sdk/client.ts";
import type { FoundTool } from "../../src/mcp/search_tools.ts";
import { fixtureWorkspace } from "../../fake_integration_app/fixtures.ts";
import { startTestServer, textOf } from "../support/harness.ts";

interface Outcome {
  isError: boolean;
  text: string;
  structured: Record<string, unknown> | undefined;
}

async function call(client: Client, name: string, args: Record<string, unknown>) {
  const result = await client.callTool({ name, arguments: args });
  return {
    isError: result.isError === true,
    text: textOf(result),
    structured: result.structuredContent as Record<string, unknown> | undefined,
  } satisfies Outcome;
}

async function listed(client: Client): Promise<string[]> {
  return (await client.listTools()).tools.map((tool) => tool.name);
}

type Found = FoundTool & {
  inputSchema: { type: string; required?: string[]; properties?: Record<string, unknown> };
};

Deno.test("dynamic mode lists enable-tools, search-tools and call-tool first; static mode none of them", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const dynamic = await server.connect(token, { query: "?mode=dynamic" });
  const { tools } = await dynamic.listTools();
  // read-result follows while the result size cap is on (the default).
  assert.deepEqual(tools.map((tool) => tool.name), [
    "enable-tools",
    "search-tools",
    "call-tool",
    "connect-app",
    "read-result",
  ]);
  const search = tools[1]!;
  assert.deepEqual(search.inputSchema.required, ["query"]);
  assert.deepEqual(Object.keys(search.inputSchema.properties ?? {}).sort(), [
    "apps",
    "limit",
    "query",
  ]);
  assert.equal(search.annotations?.readOnlyHint, true);
  const callTool = tools[2]!;
  assert.deepEqual(callTool.inputSchema.required, ["name"]);
  assert.deepEqual(Object.keys(callTool.inputSchema.properties ?? {}).sort(), [
    "arguments",
    "name",
  ]);

  const fixed = await server.connect(token);
  const names = await listed(fixed);
  for (const meta of ["enable-tools", "search-tools", "call-tool", "connect-app"]) {
    assert.ok(!names.includes(meta), `static mode lists ${meta}`);
  }
  await assert.rejects(
    () => fixed.callTool({ name: "call-tool", arguments: { name: "gmail_send-email" } }),
    /Unknown tool: call-tool/,
  );
});

Deno.test("search-tools returns the best tools with their hints and full input schemas", async (t) => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const client = await server.connect(token, { query: "?mode=dynamic" });

  await t.step("a query finds the tool, with name, title, hints and schema", async () => {
    const outcome = await call(client, "search-tools", { query: "send an email to Ada" });
    assert.equal(outcome.isError, false, outcome.text);
    const found = outcome.structured?.tools as Found[];
    assert.equal(found[0]?.name, "gmail_send-email");
    assert.equal(found[0]?.title, "Gmail: Send Email");
    assert.match(found[0]?.description ?? "", /Send an email message/);
    assert.equal(found[0]?.app, "gmail");
    assert.equal(found[0]?.readOnlyHint, false);
    assert.equal(found[0]?.destructiveHint, false);
    assert.deepEqual(found[0]?.inputSchema.required, ["to", "subject"]);
    assert.deepEqual(Object.keys(found[0]?.inputSchema.properties ?? {}), [
      "to",
      "subject",
      "body",
    ]);
    assert.match(outcome.text, /call-tool/);
    assert.deepEqual(JSON.parse(outcome.text.split("\n").at(-1)!), { tools: found });
  });

  await t.step("a destructive tool says so", async () => {
    const outcome = await call(client, "search-tools", { query: "delete a contact", limit: 1 });
    const found = outcome.structured?.tools as Found[];
    assert.equal(found.length, 1);
    assert.equal(found[0]?.name, "hubspot_delete_contact");
    assert.equal(found[0]?.destructiveHint, true);
  });

  await t.step("apps narrows the search; an app the session lacks is named", async () => {
    const outcome = await call(client, "search-tools", {
      query: "create",
      apps: ["google-calendar", "salesforce"],
    });
    assert.equal(outcome.isError, false, outcome.text);
    const found = outcome.structured?.tools as Found[];
    assert.deepEqual(found.map((tool) => tool.name), ["google-calendar_create-event"]);
    assert.match(outcome.text, /No tools of salesforce in this session/);
  });

  await t.step("search enables nothing: the list is unchanged", async () => {
    assert.deepEqual(await listed(client), [
      "enable-tools",
      "search-tools",
      "call-tool",
      "connect-app",
      "read-result",
    ]);
  });

  await t.step("bad arguments are an isError result naming the field", async () => {
    for (
      const [args, message] of [
        [{}, /"query" must be a non-empty string/],
        [{ query: "x", limit: 0 }, /"limit" must be an integer from 1 to 25/],
        [{ query: "x", apps: "gmail" }, /"apps" must be an array/],
        [{ query: "x", tool: "y" }, /Unknown argument\(s\) "tool"/],
      ] as const
    ) {
      const outcome = await call(client, "search-tools", args);
      assert.equal(outcome.isError, true);
      assert.match(outcome.text, message);
    }
  });
});

Deno.test("call-tool runs a never-enabled tool exactly as a direct call does", async (t) => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const dynamic = await server.connect(token, { query: "?mode=dynamic" });
  const direct = await server.connect(token);

  await t.step("the result is the tool's own result, and nothing gets enabled", async () => {
    const args = { to: "a@example.com", subject: "Hi" };
    const via = await dynamic.callTool({
      name: "call-tool",
      arguments: { name: "gmail_send-email", arguments: args },
    });
    const plain = await direct.callTool({ name: "gmail_send-email", arguments: args });
    assert.equal(via.isError, undefined);
    // The same result but for the id of each run.
    const { _meta: viaMeta, ...viaRest } = via;
    const { _meta: plainMeta, ...plainRest } = plain;
    assert.deepEqual(viaRest, plainRest);
    assert.match(String(viaMeta?.actionRunId), /^arl_\d+$/);
    assert.notEqual(viaMeta?.actionRunId, plainMeta?.actionRunId);
    assert.deepEqual(via.structuredContent, { messageId: "m-1", sent: args });
    const runs = server.fake.requests.filter((r) => r.path.endsWith("/send-email/run"));
    assert.equal(runs.length, 2);
    assert.deepEqual(runs[0]?.body, runs[1]?.body);
    assert.deepEqual(await listed(dynamic), [
      "enable-tools",
      "search-tools",
      "call-tool",
      "connect-app",
      "read-result",
    ]);
  });

  await t.step("names in hyphen form and any letter case are accepted", async () => {
    const outcome = await call(dynamic, "call-tool", {
      name: "HubSpot-Delete-Contact",
      arguments: { id: "42" },
    });
    assert.equal(outcome.isError, false, outcome.text);
    assert.equal(outcome.text, "false");
    assert.ok(server.fake.requests.some((r) => r.path.endsWith("/delete_contact/run")));
  });

  await t.step("bad arguments get the same isError result, and nothing is sent", async () => {
    const before = server.fake.count(/\/run$/);
    const args = { to: "not an email", cc: "x" };
    const via = await dynamic.callTool({
      name: "call-tool",
      arguments: { name: "gmail_send-email", arguments: args },
    });
    const plain = await direct.callTool({ name: "gmail_send-email", arguments: args });
    assert.equal(via.isError, true);
    assert.deepEqual(via, plain);
    assert.match(textOf(via), /Invalid arguments for gmail_send-email: .*subject/);
    assert.equal(server.fake.count(/\/run$/), before);
  });

  await t.step("a failing action gets the same isError result", async () => {
    const args = { email: "x@invalid.test" };
    const via = await dynamic.callTool({
      name: "call-tool",
      arguments: { name: "hubspot_create-contact", arguments: args },
    });
    const plain = await direct.callTool({ name: "hubspot_create-contact", arguments: args });
    assert.equal(via.isError, true);
    assert.deepEqual(via, plain);
    assert.match(textOf(via), /email is invalid/);
  });

  await t.step("missing arguments are checked like an empty object", async () => {
    const via = await call(dynamic, "call-tool", { name: "gmail_send-email" });
    const plain = await direct.callTool({ name: "gmail_send-email", arguments: {} });
    assert.equal(via.isError, true);
    assert.equal(via.text, textOf(plain));
  });

  await t.step("the request log names the tool that ran", () => {
    const lines = server.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.ok(
      lines.some((line) => line.msg === "request" && line.tool === "hubspot_delete_contact"),
    );
  });
});

Deno.test("call-tool explains a bad name with close matches and refuses bad calls", async (t) => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const client = await server.connect(token, { query: "?mode=dynamic" });

  await t.step("a misspelt name gets close matches and runs nothing", async () => {
    const outcome = await call(client, "call-tool", {
      name: "gmail_send-emial",
      arguments: { to: "a@example.com", subject: "Hi" },
    });
    assert.equal(outcome.isError, true);
    assert.match(outcome.text, /Unknown tool "gmail_send-emial" \(did you mean: gmail_send-email/);
    assert.match(outcome.text, /search-tools/);
    assert.equal(server.fake.count(/\/run$/), 0);
  });

  await t.step("a meta-tool is not run through call-tool", async () => {
    const outcome = await call(client, "call-tool", {
      name: "enable-tools",
      arguments: { tools: ["gmail_send-email"] },
    });
    assert.equal(outcome.isError, true);
    assert.match(outcome.text, /enable-tools is a tool of this server.*call it directly/);
    assert.deepEqual(await listed(client), [
      "enable-tools",
      "search-tools",
      "call-tool",
      "connect-app",
      "read-result",
    ]);
  });

  await t.step("malformed calls are isError results saying what to pass", async () => {
    for (
      const [args, message] of [
        [{}, /"name" must be the name of a tool/],
        [{ name: "gmail_send-email", arguments: [1] }, /"arguments" must be an object/],
        [{ name: "gmail_send-email", args: {} }, /Unknown argument\(s\) "args"/],
      ] as const
    ) {
      const outcome = await call(client, "call-tool", args);
      assert.equal(outcome.isError, true);
      assert.match(outcome.text, message);
    }
  });
});

Deno.test("call-tool and search-tools reach only the tools of the session's apps", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const client = await server.connect(token, { query: "?mode=dynamic&apps=gmail" });
  const outcome = await call(client, "call-tool", {
    name: "hubspot_create-contact",
    arguments: { email: "ada@example.com" },
  });
  assert.equal(outcome.isError, true);
  assert.match(outcome.text, /Unknown tool "hubspot_create-contact"/);
  assert.match(outcome.text, /only has tools of these apps: gmail/);
  assert.equal(server.fake.count(/\/run$/), 0);
  const found = await call(client, "search-tools", { query: "create a contact" });
  for (const tool of found.structured?.tools as Found[]) assert.equal(tool.app, "gmail");
});

Deno.test("enable-tools says the enabled tools can also be run through call-tool", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const client = await server.connect(token, { query: "?mode=dynamic" });
  const outcome = await call(client, "enable-tools", { tools: ["gmail_send-email"] });
  assert.equal(outcome.isError, false, outcome.text);
  assert.match(outcome.text, /through call-tool/);
  assert.deepEqual(await listed(client), [
    "enable-tools",
    "search-tools",
    "call-tool",
    "connect-app",
    "read-result",
    "gmail_send-email",
  ]);
});
