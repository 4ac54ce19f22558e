import assert from "node:assert/strict";
import { actionRunUrl, runActionRequest } from "./action_run.ts";
import { toUpstreamError } from "./errors.ts";

Deno.test("the run URL keeps the API's path prefix and encodes the ids", () => {
  assert.equal(
    actionRunUrl("https://ia.example.com/api/", "conn 1", "send/email"),
    "https://ia.example.com/api/connections/conn%201/actions/send%2Femail/run",
  );
});

Deno.test("a run posts the input with the token and classifies failures like the SDK's", async () => {
  const seen: string[] = [];
  const answers: (() => Response)[] = [
    () => Response.json({ output: { id: "1" } }),
    () =>
      Response.json({ type: "connection", key: "connection_is_defunct", message: "Gone" }, {
        status: 400,
      }),
    () => new Response("<html>502</html>", { status: 502, headers: { "retry-after": "7" } }),
  ];
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (request) => {
      seen.push(
        `${request.method} ${new URL(request.url).pathname} ${
          request.headers.get("authorization")
        } ${await request.text()}`,
      );
      return (answers.shift() as () => Response)();
    },
  );
  const run = () =>
    runActionRequest({
      apiUrl: `http://127.0.0.1:${server.addr.port}`,
      token: "tok",
      connectionId: "c1",
      actionKey: "create-contact",
      input: { email: "a@example.com" },
    });
  assert.deepEqual(await run(), { output: { id: "1" } });
  assert.deepEqual(seen, [
    'POST /connections/c1/actions/create-contact/run Bearer tok {"email":"a@example.com"}',
  ]);

  const typed = toUpstreamError(await run().catch((error) => error));
  assert.equal(typed.kind, "connection");
  assert.equal(typed.key, "connection_is_defunct");
  assert.equal(typed.httpStatus, undefined, "a typed error is Integration.app's own answer");

  const gateway = toUpstreamError(await run().catch((error) => error));
  assert.equal(gateway.kind, "unavailable");
  assert.equal(gateway.httpStatus, 502);
  assert.equal(gateway.retryAfterSeconds, 7);

  await server.shutdown();
  const down = toUpstreamError(await run().catch((error) => error));
  assert.equal(down.network, true);
});
