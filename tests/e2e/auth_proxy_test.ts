/**
 * The proxy CI puts in front of the server for the conformance suite: it must add the token
 * and change nothing else, or the suite would test the proxy instead of the server.
 *
 * @module
 */
import assert from "node:assert/strict";
import { startAuthProxy } from "../../scripts/auth_proxy.ts";

Deno.test("the auth proxy adds Authorization and passes Host, Origin, method, path and body", async () => {
  let seen: Record<string, unknown> = {};
  await using backend = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (r) => {
    const url = new URL(r.url);
    seen = {
      method: r.method,
      path: `${url.pathname}${url.search}`,
      host: r.headers.get("host"),
      origin: r.headers.get("origin"),
      authorization: r.headers.get("authorization"),
      body: await r.text(),
    };
    return Response.json({ ok: true }, { status: 201, headers: { "mcp-session-id": "s-1" } });
  });
  await using proxy = startAuthProxy({
    target: `http://127.0.0.1:${backend.addr.port}`,
    authorization: "Bearer t0ken",
  });
  const response = await fetch(`${proxy.url}/mcp?mode=dynamic`, {
    method: "POST",
    headers: { origin: "http://evil.example", authorization: "Bearer client" },
    body: '{"jsonrpc":"2.0"}',
  });
  assert.equal(response.status, 201);
  assert.equal(response.headers.get("mcp-session-id"), "s-1");
  assert.deepEqual(await response.json(), { ok: true });
  assert.deepEqual(seen, {
    method: "POST",
    path: "/mcp?mode=dynamic",
    host: `localhost:${proxy.port}`,
    origin: "http://evil.example",
    authorization: "Bearer t0ken",
    body: '{"jsonrpc":"2.0"}',
  });
});

Deno.test("the auth proxy streams SSE event by event", async () => {
  const second = Promise.withResolvers<void>();
  await using backend = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(encoder.encode("data: first\n\n"));
        await second.promise;
        controller.enqueue(encoder.encode("data: second\n\n"));
        controller.close();
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  });
  await using proxy = startAuthProxy({
    target: `http://127.0.0.1:${backend.addr.port}`,
    authorization: "Bearer t0ken",
  });
  const response = await fetch(`${proxy.url}/mcp`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/event-stream");
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("first\n\n")) text += (await reader.read()).value ?? "";
  assert.equal(text, "data: first\n\n", "the first event arrives before the second is sent");
  second.resolve();
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    text += chunk.value;
  }
  assert.equal(text, "data: first\n\ndata: second\n\n");
});

Deno.test("the auth proxy answers 502 when the server is down", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  await using proxy = startAuthProxy({
    target: `http://127.0.0.1:${port}`,
    authorization: "Bearer t0ken",
  });
  const response = await fetch(`${proxy.url}/mcp`);
  assert.equal(response.status, 502);
  assert.match(await response.text(), /^Bad gateway: /);
});
