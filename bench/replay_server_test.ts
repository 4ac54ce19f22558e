import assert from "node:assert/strict";
import { ReplayServer } from "./replay_server.ts";

/** A stand-in MCP server that counts what it serves. */
function target() {
  let served = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    served++;
    if (req.method === "GET") return new Response("no stream", { status: 405 });
    const message = await req.json();
    if (message.id === undefined) return new Response(null, { status: 202 });
    return Response.json(
      { result: { method: message.method, served }, jsonrpc: "2.0", id: message.id },
      { headers: { "mcp-session-id": "s-1" } },
    );
  });
  return { url: `http://127.0.0.1:${server.addr.port}/mcp?mode=x`, server, served: () => served };
}

const post = (url: string, message: unknown) =>
  fetch(url, { method: "POST", body: JSON.stringify(message) });

Deno.test("the replay server answers from what it recorded, with each request's own id", async () => {
  const real = target();
  const replay = new ReplayServer(real.url);
  try {
    assert.match(replay.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp\?mode=x$/);
    const recorded = await post(replay.url, { jsonrpc: "2.0", id: 0, method: "tools/list" });
    assert.deepEqual(await recorded.json(), {
      result: { method: "tools/list", served: 1 },
      jsonrpc: "2.0",
      id: 0,
    });
    await (await post(replay.url, { jsonrpc: "2.0", method: "notifications/initialized" })).body
      ?.cancel();
    await (await fetch(replay.url)).body?.cancel();
    assert.deepEqual(replay.recorded, ["POST tools/list", "POST notifications/initialized", "GET"]);

    replay.replay();
    for (const id of [7, "seven", 7]) {
      const answer = await post(replay.url, { jsonrpc: "2.0", id, method: "tools/list" });
      assert.equal(answer.status, 200);
      assert.equal(answer.headers.get("mcp-session-id"), "s-1");
      // Still the first answer: the real server is not asked again.
      assert.deepEqual(await answer.json(), {
        result: { method: "tools/list", served: 1 },
        jsonrpc: "2.0",
        id,
      });
    }
    const notification = await post(replay.url, {
      jsonrpc: "2.0",
      method: "notifications/initialized",
    });
    assert.equal(notification.status, 202);
    assert.equal(await notification.text(), "");
    const get = await fetch(replay.url);
    assert.equal(get.status, 405);
    assert.equal(await get.text(), "no stream");
    assert.equal(real.served(), 3);
  } finally {
    await replay.stop();
    await real.server.shutdown();
  }
});

Deno.test("the replay server refuses a request it has no answer for", async () => {
  const real = target();
  const replay = new ReplayServer(real.url);
  try {
    replay.replay();
    const answer = await post(replay.url, { jsonrpc: "2.0", id: 1, method: "tools/call" });
    assert.equal(answer.status, 500);
    assert.equal(await answer.text(), "Nothing recorded for POST tools/call");
    assert.equal(real.served(), 0);
  } finally {
    await replay.stop();
    await real.server.shutdown();
  }
});
