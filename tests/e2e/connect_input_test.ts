/**
 * The connection link as a multi round-trip request (protocol 2026-07-28): the official 2.x
 * client declaring URL-mode elicitation gets an `input_required` result, shows the link
 * ("the user opens it" is a GET of the URL) and retries with the user's answer; a client
 * without the capability gets the link in the text; a `requestState` that was changed, forged,
 * issued to another customer or for another call is refused.
 */
import assert from "node:assert/strict";
import { connectModernClient } from "../../src/sdk/modern_client.ts";
import type { ElicitRequestURLParams, ElicitResult } from "@modelcontextprotocol/client";
import { FakeIntegrationApp } from "../../fake_integration_app/server.ts";
import { fixtureWorkspace } from "../../fake_integration_app/fixtures.ts";
import { mcpHeaders, rawRequest, startTestServer, textOf } from "../support/harness.ts";

const MODERN = "2026-07-28";

/** The envelope of a raw 2026-07-28 request whose client declares URL-mode elicitation. */
const ELICITING_ENVELOPE = {
  "io.modelcontextprotocol/protocolVersion": MODERN,
  "io.modelcontextprotocol/clientCapabilities": { elicitation: { url: {} } },
  "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" },
};

type Json = Record<string, unknown>;

/** A raw 2026-07-28 `tools/call` (the retry fields, when given, ride in `params`). */
async function rawCall(
  mcpUrl: string,
  token: string,
  params: Json,
  id = 1,
): Promise<{ status: number; json: Json }> {
  const response = await rawRequest(mcpUrl, {
    method: "POST",
    token,
    headers: mcpHeaders({
      "mcp-protocol-version": MODERN,
      "mcp-method": "tools/call",
      "mcp-name": String(params.name),
    }),
    body: JSON.stringify({
      jsonrpc: "2.0",
      id,
      method: "tools/call",
      params: { ...params, _meta: ELICITING_ENVELOPE },
    }),
  });
  return { status: response.status, json: response.json as Json };
}

/** The user opens the link and finishes connecting. */
async function openLink(url: string): Promise<void> {
  const response = await fetch(url);
  await response.body?.cancel();
  assert.equal(response.status, 200, url);
}

/** A URL-elicitation handler that records what it was shown and answers with `act`. */
function user(act: (params: ElicitRequestURLParams) => Promise<ElicitResult>) {
  const shown: ElicitRequestURLParams[] = [];
  return {
    shown,
    onUrlElicitation: async (params: ElicitRequestURLParams) => {
      shown.push(params);
      return await act(params);
    },
  };
}

const CREATE_CONTACT = { name: "hubspot_create-contact", arguments: { email: "ada@example.com" } };

Deno.test("a 2026-07-28 client with URL elicitation is asked through input_required; once the user connects, the call runs", async () => {
  // A catalog TTL of an hour: only the completed request can make the tools appear.
  await using server = await startTestServer({
    fake: fixtureWorkspace(),
    env: { CATALOG_TTL_SECONDS: "3600" },
  });
  const token = await server.fake.token("bob");
  const connecting = user(async (params) => {
    await openLink(params.url);
    return { action: "accept" };
  });
  const client = await connectModernClient(server.mcpUrl, token, {
    onUrlElicitation: connecting.onUrlElicitation,
  });
  try {
    // Never connected: the SDK fulfils the input request, retries, and the call runs.
    const created = await client.callTool(CREATE_CONTACT);
    assert.equal(created.isError, undefined, textOf(created));
    assert.equal(connecting.shown.length, 1);
    assert.match(connecting.shown[0]?.url ?? "", /\/connect\/cr_/);
    assert.match(connecting.shown[0]?.message ?? "", /Connect HubSpot to continue/);
    assert.equal(server.fake.count(/^POST \/connection-requests$/), 1);
    assert.equal(server.fake.count(/^POST \/connections\/[^/]+\/actions\/create-contact\/run$/), 1);
  } finally {
    await client.close();
  }

  // connect-app (dynamic mode) of a broken connection: asked, connected, says so.
  const alice = user(async (params) => {
    await openLink(params.url);
    return { action: "accept" };
  });
  const dynamic = await connectModernClient(server.mcpUrl, await server.fake.token("alice"), {
    query: "?mode=dynamic",
    onUrlElicitation: alice.onUrlElicitation,
  });
  try {
    const result = await dynamic.callTool({ name: "connect-app", arguments: { app: "slack" } });
    assert.equal(result.isError, undefined, textOf(result));
    assert.match(textOf(result), /Slack is already connected/);
    assert.equal(alice.shown.length, 1);
    const sent = server.fake.requests.findLast((r) => r.path === "/connection-requests");
    assert.deepEqual(sent?.body, { connectionId: "conn_slack" });
  } finally {
    await dynamic.close();
  }
});

Deno.test("a 2026-07-28 call on a connection that breaks asks for the reconnect link and runs again once repaired", async () => {
  await using server = await startTestServer({
    fake: fixtureWorkspace(),
    env: { CATALOG_TTL_SECONDS: "3600" },
  });
  const connecting = user(async (params) => {
    await openLink(params.url);
    return { action: "accept" };
  });
  const client = await connectModernClient(server.mcpUrl, await server.fake.token("alice"), {
    onUrlElicitation: connecting.onUrlElicitation,
  });
  try {
    await client.listTools();
    const gmail = server.fake.customers.get("alice")!.connections.find((c) =>
      c.id === "conn_gmail"
    )!;
    gmail.isDefunct = true;
    const works = await client.callTool({ name: "gmail_read-email", arguments: {} });
    assert.equal(works.isError, undefined, textOf(works));
    assert.equal(connecting.shown.length, 1);
    assert.match(connecting.shown[0]?.message ?? "", /Connect Gmail/);
    const sent = server.fake.requests.findLast((r) => r.path === "/connection-requests");
    assert.deepEqual(sent?.body, { connectionId: "conn_gmail" });
    // The call log: the first round ended on the connection, the retry ran.
    const log = await rawRequest(`${server.url}/mcp/calls?limit=2`, {
      token: await server.fake.token("alice"),
    });
    const calls = (log.json as { calls: { tool: string; status: string; errorKind?: string }[] })
      .calls;
    assert.deepEqual(
      calls.map((c) => [c.tool, c.status, c.errorKind]),
      [["gmail_read-email", "ok", undefined], ["gmail_read-email", "error", "connection"]],
    );
  } finally {
    await client.close();
  }
});

Deno.test("declined, dismissed, or accepted but not finished: each retry answers what happened", async (t) => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const token = await server.fake.token("bob");

  for (const action of ["decline", "cancel"] as const) {
    await t.step(`${action}: an isError result, nothing ran`, async () => {
      const answering = user(() => Promise.resolve({ action }));
      const client = await connectModernClient(server.mcpUrl, token, {
        onUrlElicitation: answering.onUrlElicitation,
      });
      const dynamic = await connectModernClient(server.mcpUrl, token, {
        query: "?mode=dynamic",
        onUrlElicitation: answering.onUrlElicitation,
      });
      try {
        const connect = await dynamic.callTool({
          name: "connect-app",
          arguments: { app: "hubspot" },
        });
        assert.equal(connect.isError, true);
        assert.match(textOf(connect), /connect hubspot, so no connection was made/);
        const result = await client.callTool(CREATE_CONTACT);
        assert.equal(result.isError, true);
        assert.match(
          textOf(result),
          action === "decline"
            ? /The user declined to connect HubSpot, so hubspot_create-contact did not run/
            : /The user dismissed the request to connect HubSpot/,
        );
        assert.match(textOf(result), /\/connect\/cr_/);
        assert.equal(answering.shown.length, 2);
      } finally {
        await client.close();
        await dynamic.close();
      }
    });
  }

  await t.step(
    "accepted without finishing: not connected yet, with the link, asked once",
    async () => {
      const answering = user(() => Promise.resolve({ action: "accept" }));
      const client = await connectModernClient(server.mcpUrl, token, {
        onUrlElicitation: answering.onUrlElicitation,
      });
      const dynamic = await connectModernClient(server.mcpUrl, token, {
        query: "?mode=dynamic",
        onUrlElicitation: answering.onUrlElicitation,
      });
      try {
        const result = await client.callTool(CREATE_CONTACT);
        assert.equal(result.isError, true);
        assert.match(textOf(result), /HubSpot is not connected yet: the user has not finished/);
        assert.match(textOf(result), /hubspot_create-contact did not run/);
        assert.match(textOf(result), /\/connect\/cr_/);
        assert.equal(answering.shown.length, 1, "asked once, not in a loop");

        const connect = await dynamic.callTool({
          name: "connect-app",
          arguments: { app: "hubspot" },
        });
        assert.equal(connect.isError, undefined, textOf(connect));
        assert.match(textOf(connect), /hubspot is not connected yet/i);
        assert.equal((connect.structuredContent as { connected?: boolean }).connected, false);
        // The pending request's link is handed again, not a new request each time.
        assert.equal(server.fake.count(/^POST \/connection-requests$/), 1);
      } finally {
        await client.close();
        await dynamic.close();
      }
    },
  );
});

Deno.test("a 2026-07-28 client without URL elicitation gets the link in the result text", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const client = await connectModernClient(server.mcpUrl, await server.fake.token("bob"));
  try {
    const result = await client.callTool(CREATE_CONTACT);
    assert.equal(result.isError, true);
    assert.match(textOf(result), /HubSpot is not connected yet/);
    assert.match(
      textOf(result),
      /must connect HubSpot: ask them to open this link.*\/connect\/cr_/,
    );
  } finally {
    await client.close();
  }
});

Deno.test("a requestState that was changed, forged, or issued to another customer or call is refused", async (t) => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const bob = await server.fake.token("bob");
  const first = await rawCall(server.mcpUrl, bob, CREATE_CONTACT);
  const result = first.json.result as Json;
  assert.equal(result?.resultType, "input_required", JSON.stringify(first.json));
  const request = (result.inputRequests as Record<string, { method: string; params: Json }>)
    .connect;
  assert.equal(request?.method, "elicitation/create");
  assert.equal(request?.params.mode, "url");
  assert.match(String(request?.params.url), /\/connect\/cr_/);
  const state = String(result.requestState);
  const declined = { connect: { action: "decline" } };

  await t.step("the untouched state is accepted (the user declined)", async () => {
    const retry = await rawCall(server.mcpUrl, bob, {
      ...CREATE_CONTACT,
      inputResponses: declined,
      requestState: state,
    }, 2);
    const answer = retry.json.result as Json;
    assert.equal(answer?.isError, true, JSON.stringify(retry.json));
    assert.match(textOf(answer), /declined to connect HubSpot/);
  });

  await t.step("a retry without the user's answer is asked again (a fresh state)", async () => {
    const retry = await rawCall(server.mcpUrl, bob, { ...CREATE_CONTACT, requestState: state }, 6);
    const again = retry.json.result as Json;
    assert.equal(again?.resultType, "input_required", JSON.stringify(retry.json));
    const url = (again.inputRequests as Record<string, { params: Json }>).connect?.params.url;
    assert.equal(url, request?.params.url, "the pending request's link again");
    assert.equal(typeof again.requestState, "string");
  });

  const refused = (json: Json) => {
    const error = json.error as { code?: number; message?: string } | undefined;
    assert.equal(error?.code, -32602, JSON.stringify(json));
    assert.match(error?.message ?? "", /Invalid or expired requestState/);
  };

  await t.step("a changed payload or signature, or a made-up state", async () => {
    const [prefix, body, mac] = state.split(".");
    const payload = JSON.parse(atob(body!.replace(/-/g, "+").replace(/_/g, "/")));
    payload.p.n = "gmail_send-email";
    const changedBody = btoa(JSON.stringify(payload)).replace(/\+/g, "-").replace(/\//g, "_")
      .replace(/=+$/, "");
    const flipped = mac!.slice(0, -2) + (mac!.endsWith("AA") ? "BB" : "AA");
    for (
      const forged of [
        `${prefix}.${changedBody}.${mac}`,
        `${prefix}.${body}.${flipped}`,
        "v1.eyJwIjp7fSwiZXhwIjo5OTk5OTk5OTk5fQ.AAAA",
        "not a state",
      ]
    ) {
      const retry = await rawCall(server.mcpUrl, bob, {
        ...CREATE_CONTACT,
        inputResponses: declined,
        requestState: forged,
      }, 3);
      refused(retry.json);
    }
  });

  await t.step("another customer's state", async () => {
    const retry = await rawCall(server.mcpUrl, await server.fake.token("alice"), {
      ...CREATE_CONTACT,
      inputResponses: declined,
      requestState: state,
    }, 4);
    refused(retry.json);
  });

  await t.step("the state of another call (other arguments)", async () => {
    const retry = await rawCall(server.mcpUrl, bob, {
      name: CREATE_CONTACT.name,
      arguments: { email: "eve@example.com" },
      inputResponses: declined,
      requestState: state,
    }, 5);
    refused(retry.json);
    assert.match((retry.json.error as { message: string }).message, /another call/);
  });
});

Deno.test("the retry may land on another replica: the state's key is shared through KV", async () => {
  const dir = await Deno.makeTempDir();
  const kvPath = `${dir}/kv.sqlite3`;
  await using fake = new FakeIntegrationApp(fixtureWorkspace()).start();
  await using replicaA = await startTestServer({ fakeApp: fake, kvPath });
  await using replicaB = await startTestServer({ fakeApp: fake, kvPath });
  try {
    const bob = await fake.token("bob");
    const first = await rawCall(replicaA.mcpUrl, bob, CREATE_CONTACT);
    const result = first.json.result as Json;
    assert.equal(result?.resultType, "input_required", JSON.stringify(first.json));
    const url = (result.inputRequests as Record<string, { params: Json }>).connect?.params.url;
    await openLink(String(url));
    // The user accepted; the client's retry reaches the other replica, which runs the call.
    const retry = await rawCall(replicaB.mcpUrl, bob, {
      ...CREATE_CONTACT,
      inputResponses: { connect: { action: "accept" } },
      requestState: result.requestState,
    }, 2);
    const answer = retry.json.result as Json;
    assert.equal(answer?.isError, undefined, JSON.stringify(retry.json));
    assert.match(textOf(answer), /ada@example\.com/);
    assert.equal(fake.count(/^POST \/connections\/[^/]+\/actions\/create-contact\/run$/), 1);
  } finally {
    await replicaA.close();
    await replicaB.close();
    await Deno.remove(dir, { recursive: true });
  }
});
