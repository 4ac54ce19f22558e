import assert from "node:assert/strict";
import type { CallRecord } from "../../src/calls/call_log.ts";
import { fixtureWorkspace } from "../../fake_integration_app/fixtures.ts";
import { rawRequest, sessionIdOf, startTestServer } from "../support/harness.ts";

interface Page {
  calls: CallRecord[];
  nextCursor: string | null;
}

async function calls(url: string, token: string, query = ""): Promise<Page> {
  const response = await rawRequest(`${url}/mcp/calls${query}`, { token });
  assert.equal(response.status, 200, response.text);
  return response.json as Page;
}

Deno.test("every tool call is in the customer's call log, newest first, with names but no values or token", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const client = await server.connect(token, { headers: { "x-chat-id": "chat-log" } });
  await client.listTools();
  await client.callTool({ name: "hubspot_create-contact", arguments: { email: "a@b.test" } });
  await client.callTool({
    name: "hubspot_create-contact",
    arguments: { email: "bad@invalid.test", firstName: "Eve" },
  });
  await client.callTool({ name: "hubspot_create-contact", arguments: { mail: "x" } });
  await assert.rejects(() => client.callTool({ name: "nope_nothing", arguments: {} }));

  const page = await calls(server.url, token);
  assert.deepEqual(page.calls.map((call) => [call.tool, call.status]), [
    ["nope_nothing", "refused"],
    ["hubspot_create-contact", "invalid_arguments"],
    ["hubspot_create-contact", "error"],
    ["hubspot_create-contact", "ok"],
  ]);
  assert.equal(page.nextCursor, null);
  const [refused, invalid, failed, ok] = page.calls;
  assert.match(ok!.actionRunId ?? "", /^arl_\d+$/);
  assert.equal(failed!.errorKind, "action_failed");
  assert.deepEqual(failed!.argumentNames, ["email", "firstName"]);
  assert.equal(failed!.arguments, undefined);
  assert.deepEqual(invalid!.argumentNames, ["mail"]);
  for (const call of page.calls) {
    assert.equal(call.chatId, "chat-log");
    assert.equal(call.era, "sessions");
    assert.equal(call.session, sessionIdOf(client).slice(0, 8));
    assert.ok(call.durationMs >= 0);
    assert.ok(Date.parse(call.at) > 0);
  }
  assert.equal(refused!.actionRunId, undefined);

  // Nothing stored holds the token or an argument value.
  for await (const entry of server.kv.list({ prefix: ["calls"] })) {
    const stored = JSON.stringify(entry.value);
    assert.ok(!stored.includes(token) && !stored.includes(token.split(".")[2]!));
    assert.ok(!stored.includes("bad@invalid.test") && !stored.includes("Eve"));
  }
});

Deno.test("LOG_ARGUMENT_VALUES=true keeps argument values, with credential-like fields redacted", async () => {
  await using server = await startTestServer({
    fake: fixtureWorkspace(),
    env: { LOG_ARGUMENT_VALUES: "true" },
  });
  const token = await server.fake.token("alice");
  const client = await server.connect(token);
  await client.callTool({
    name: "gmail_send-email",
    arguments: { to: "x@y.test", subject: "Hi", body: "apiKey below", password: "hunter2" },
  });
  const [call] = (await calls(server.url, token)).calls;
  assert.deepEqual(call?.arguments, {
    to: "x@y.test",
    subject: "Hi",
    body: "apiKey below",
    password: "[redacted]",
  });
});

Deno.test("the call log pages with a cursor, filters by chat, and shows only the caller's own calls", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const alice = await server.fake.token("alice");
  const one = await server.connect(alice, { headers: { "x-chat-id": "one" } });
  const two = await server.connect(alice, { headers: { "x-chat-id": "two" } });
  for (let i = 0; i < 3; i++) {
    await one.callTool({ name: "gmail_read-email", arguments: { id: `m${i}` } });
    await two.callTool({ name: "hubspot_list-contacts", arguments: {} });
  }
  const first = await calls(server.url, alice, "?limit=4");
  assert.equal(first.calls.length, 4);
  assert.ok(first.nextCursor);
  const rest = await calls(server.url, alice, `?limit=4&cursor=${first.nextCursor}`);
  assert.equal(rest.calls.length, 2);
  assert.equal(rest.nextCursor, null);
  const ids = [...first.calls, ...rest.calls].map((call) => call.id);
  assert.equal(new Set(ids).size, 6);
  assert.deepEqual(ids, [...ids].sort().reverse(), "newest first");

  const chat = await calls(server.url, alice, "?chat=one");
  assert.deepEqual(chat.calls.map((call) => call.tool), Array(3).fill("gmail_read-email"));

  const bob = await server.fake.token("bob");
  assert.deepEqual(await calls(server.url, bob), { calls: [], nextCursor: null });
});

Deno.test("the call log is bounded per customer", async () => {
  await using server = await startTestServer({
    fake: fixtureWorkspace(),
    env: { CALL_LOG_MAX_PER_CUSTOMER: "5" },
  });
  const token = await server.fake.token("alice");
  const client = await server.connect(token);
  const sizes: number[] = [];
  let first: string | undefined;
  for (let i = 0; i < 20; i++) {
    await client.callTool({ name: "gmail_read-email", arguments: { id: String(i) } });
    await server.services.callLog.flush();
    sizes.push((await Array.fromAsync(server.kv.list({ prefix: ["calls"] }))).length);
    if (i === 0) first = (await calls(server.url, token)).calls[0]?.id;
  }
  // At most the bound plus half of it (minus one) between two trims, and never below it.
  assert.ok(sizes.every((size) => size <= 7), sizes.join(" "));
  assert.ok(sizes.slice(4).every((size) => size >= 5), sizes.join(" "));
  assert.ok(sizes.includes(5), "trimmed back to the bound");
  // The oldest calls are the ones deleted.
  const listed = await calls(server.url, token, "?limit=200");
  assert.equal(listed.calls.length, sizes.at(-1));
  assert.ok(first && !listed.calls.some((call) => call.id === first));
  assert.ok(listed.calls.every((call) => call.id > first!));
});

Deno.test("CALL_LOG_MAX_PER_CUSTOMER=0 turns the call log off", async () => {
  await using server = await startTestServer({
    fake: fixtureWorkspace(),
    env: { CALL_LOG_MAX_PER_CUSTOMER: "0" },
  });
  const token = await server.fake.token("alice");
  const client = await server.connect(token);
  await client.callTool({ name: "gmail_read-email", arguments: {} });
  assert.deepEqual(await calls(server.url, token), { calls: [], nextCursor: null });
  assert.equal((await Array.fromAsync(server.kv.list({ prefix: ["calls"] }))).length, 0);
});

Deno.test("GET /mcp/calls refuses bad parameters with 400 and needs a token", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  for (
    const [query, message] of [
      ["?limit=0", /limit must be an integer from 1 to 200/],
      ["?limit=201", /limit must be an integer from 1 to 200/],
      ["?cursor=abc", /cursor is not one this endpoint returned/],
      ["?chat=", /chat id/],
      ["?since=1", /unknown parameter \\"since\\"/],
      ["?limit=1&limit=2", /limit is given more than once/],
    ] as const
  ) {
    const response = await rawRequest(`${server.url}/mcp/calls${query}`, { token });
    assert.equal(response.status, 400, query);
    assert.match(response.text, message, query);
  }
  const anonymous = await rawRequest(`${server.url}/mcp/calls`);
  assert.equal(anonymous.status, 401);
});

Deno.test("a call through call-tool is logged like a direct call, and its result is capped", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("alice");
  const client = await server.connect(token, {
    query: "?mode=dynamic&maxResultBytes=1024",
    headers: { "x-chat-id": "via" },
  });
  const big = "x".repeat(5000);
  const result = await client.callTool({
    name: "call-tool",
    arguments: { name: "gmail_send-email", arguments: { to: "a@b.co", subject: "s", body: big } },
  });
  assert.ok((result._meta as { resultCut?: unknown } | undefined)?.resultCut, "cut to the cap");
  const [call] = (await calls(server.url, token)).calls;
  assert.equal(call?.tool, "gmail_send-email");
  assert.equal(call?.status, "ok");
  assert.equal(call?.chatId, "via");
  assert.deepEqual(call?.argumentNames, ["to", "subject", "body"]);
});
