import assert from "node:assert/strict";
import { IntegrationAppClient } from "@integration-app/sdk";
import { signToken } from "../../fake_integration_app/jwt.ts";
import { AxiosLikeError, createFetchAdapter } from "./fetch_adapter.ts";
import { toUpstreamError } from "./errors.ts";
import { createSdkTransport, type SdkTransport } from "./sdk_transport.ts";

/** What the test API saw of one request. */
interface Seen {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * A small API on 127.0.0.1 with one answer per path: JSON, text, empty, typed and raw errors,
 * an echo of the request, and one that answers only when the client gives up.
 */
function startApi() {
  const seen: Seen[] = [];
  const aborted = Promise.withResolvers<void>();
  const arrived = Promise.withResolvers<void>();
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json", ...headers },
    });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const url = new URL(request.url);
    const body = await request.text();
    seen.push({
      method: request.method,
      path: url.pathname + url.search,
      headers: Object.fromEntries(request.headers),
      body,
    });
    switch (url.pathname) {
      case "/ok":
        return json(200, { items: [{ id: "a" }], cursor: "next" });
      case "/string":
        return json(200, "42");
      case "/text":
        return new Response("plain words", { headers: { "content-type": "text/plain" } });
      case "/empty":
        return new Response(null, { status: 204 });
      case "/typed":
        return json(404, { type: "bad_request", key: "not_found", message: "No such action" });
      case "/raw-429":
        return new Response("Too Many Requests", { status: 429, headers: { "retry-after": "7" } });
      case "/html-502":
        return new Response("<html>502 Bad Gateway</html>", {
          status: 502,
          headers: { "content-type": "text/html" },
        });
      case "/json-500":
        return json(500, { message: "Boom" }, { "x-extra": "1" });
      case "/redirect":
        return new Response(null, { status: 302, headers: { location: "/ok" } });
      case "/hang": {
        arrived.resolve();
        await new Promise<void>((resolve) =>
          request.signal.addEventListener("abort", () => resolve(), { once: true })
        );
        aborted.resolve();
        return new Response(null, { status: 204 });
      }
      default:
        return json(200, { echo: true });
    }
  });
  const { port } = server.addr as Deno.NetAddr;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    aborted: aborted.promise,
    arrived: arrived.promise,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

/** An SDK client whose calls use `adapter`: ours, or axios' own `"fetch"`. */
function clientWith(apiUri: string, token: string, adapter: unknown) {
  const client = new IntegrationAppClient({ token, apiUri });
  const options = { adapter, headers: { "membrane-api-version": "2025-10-21" } } as never;
  return {
    get: (path: string, query?: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      client.get(path, query, { ...options as object, ...extra } as never),
    post: (path: string, data: unknown, extra: Record<string, unknown> = {}) =>
      client.post(path, data, { ...options as object, ...extra } as never),
  };
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return assert.fail("Expected the call to fail");
}

/** What the server and `toUpstreamError` can see of an error. */
function errorShape(error: unknown) {
  const e = error as Record<string, unknown> & Error;
  const response = e.response as
    | { status: number; data: unknown; headers: Record<string, unknown> }
    | undefined;
  const upstream = toUpstreamError(error);
  return {
    name: e.name,
    message: e.message,
    code: e.code,
    isAxiosError: e.isAxiosError,
    data: e.data,
    response: response && {
      status: response.status,
      data: response.data,
      retryAfter: response.headers["retry-after"],
      contentType: response.headers["content-type"],
    },
    upstream: {
      kind: upstream.kind,
      key: upstream.key,
      message: upstream.message,
      httpStatus: upstream.httpStatus,
      retryAfterSeconds: upstream.retryAfterSeconds,
      network: upstream.network,
      retryable: upstream.retryable,
    },
  };
}

Deno.test("the fetch adapter gives the SDK what axios' own fetch adapter gives", async (t) => {
  await using api = startApi();
  const token = await signToken({ sub: "alice" }, "secret");
  const ours = clientWith(api.url, token, createFetchAdapter());
  const axios = clientWith(api.url, token, "fetch");

  await t.step("a JSON answer is parsed, a JSON string stays a string", async () => {
    for (const path of ["/ok", "/string"]) {
      assert.deepEqual(await ours.get(path), await axios.get(path));
    }
    assert.deepEqual(await ours.get("/ok"), { items: [{ id: "a" }], cursor: "next" });
    assert.equal(await ours.get("/string"), "42");
  });

  await t.step("a text answer is a string, an empty one an empty string", async () => {
    assert.equal(await ours.get("/text"), "plain words");
    assert.equal(await axios.get("/text"), "plain words");
    assert.equal(await ours.get("/empty"), "");
    assert.equal(await axios.get("/empty"), "");
  });

  await t.step("a redirect is followed", async () => {
    assert.deepEqual(await ours.get("/redirect"), await axios.get("/redirect"));
  });

  await t.step("the request sent is the same: method, path, query, headers, body", async () => {
    const send = async (client: typeof ours) => {
      api.seen.length = 0;
      await client.get("/echo/a%2Fb", { limit: 5, cursor: "a b&c", empty: undefined });
      await client.post("/echo/run", { to: "ada@example.com", n: [1, 2] });
      await client.post("/echo/json", JSON.stringify("text"), {
        headers: { "membrane-api-version": "2025-10-21", "content-type": "application/json" },
        transformRequest: [(data: unknown) => data],
      });
      await client.post("/echo/none", undefined);
      // Deno's fetch names itself where axios' adapter names axios: the one header that differs.
      return api.seen.map(({ headers: { "user-agent": _, ...headers }, ...rest }) => ({
        ...rest,
        headers,
      }));
    };
    const sentByOurs = await send(ours);
    assert.deepEqual(sentByOurs, await send(axios));
    const [get, post, json, none] = sentByOurs;
    assert.equal(get?.method, "GET");
    assert.equal(get?.path, "/echo/a%2Fb?limit=5&cursor=a+b%26c");
    assert.equal(get?.body, "");
    assert.equal(get?.headers["authorization"], `Bearer ${token}`);
    assert.equal(get?.headers["membrane-api-version"], "2025-10-21");
    assert.equal(get?.headers["accept"], "application/json, text/plain, */*");
    assert.equal(get?.headers["content-type"], undefined);
    assert.equal(post?.method, "POST");
    assert.equal(post?.headers["content-type"], "application/json");
    assert.deepEqual(JSON.parse(post?.body ?? ""), { to: "ada@example.com", n: [1, 2] });
    assert.equal(json?.body, '"text"');
    assert.equal(none?.body, "");
  });

  await t.step(
    "requests name the server in their User-Agent unless the caller set one",
    async () => {
      const named = clientWith(
        api.url,
        token,
        createFetchAdapter({ userAgent: "integration-app-mcp-server-deno/9.9.9" }),
      );
      api.seen.length = 0;
      await named.get("/echo/ua");
      await named.get("/echo/ua", undefined, { headers: { "User-Agent": "caller/1" } });
      await ours.get("/echo/ua");
      const [given, kept, plain] = api.seen.map((seen) => seen.headers["user-agent"]);
      assert.equal(given, "integration-app-mcp-server-deno/9.9.9");
      assert.equal(kept, "caller/1");
      assert.match(plain ?? "", /^Deno\//);
    },
  );

  await t.step("a typed error body becomes the SDK's typed error", async () => {
    const error = await failure(ours.get("/typed"));
    assert.deepEqual(errorShape(error), errorShape(await failure(axios.get("/typed"))));
    assert.equal(toUpstreamError(error).kind, "not_found");
    assert.equal(toUpstreamError(error).key, "not_found");
  });

  await t.step(
    "other failed statuses reject like axios, with status, data and headers",
    async () => {
      for (const path of ["/raw-429", "/html-502", "/json-500"]) {
        const error = await failure(ours.get(path));
        assert.ok(error instanceof AxiosLikeError, `${path}: ${error}`);
        assert.deepEqual(errorShape(error), errorShape(await failure(axios.get(path))), path);
      }
      const raw = errorShape(await failure(ours.get("/raw-429")));
      assert.equal(raw.code, "ERR_BAD_REQUEST");
      assert.equal(raw.message, "Request failed with status code 429");
      assert.deepEqual(raw.response, {
        status: 429,
        data: "Too Many Requests",
        retryAfter: "7",
        contentType: "text/plain;charset=UTF-8",
      });
      assert.equal(raw.upstream.kind, "rate_limited");
      assert.equal(raw.upstream.retryAfterSeconds, 7);
      const html = errorShape(await failure(ours.get("/html-502")));
      assert.equal(html.code, "ERR_BAD_RESPONSE");
      assert.equal(html.upstream.kind, "unavailable");
      assert.equal(html.upstream.httpStatus, 502);
      assert.equal(html.response?.data, "<html>502 Bad Gateway</html>");
      const json = errorShape(await failure(ours.get("/json-500")));
      assert.deepEqual(json.response?.data, { message: "Boom" });
      assert.equal(json.upstream.message, "Boom");
    },
  );

  await t.step("a status the request's validateStatus accepts resolves", async () => {
    const accept = { validateStatus: (status: number) => status === 429 };
    assert.equal(await ours.get("/raw-429", undefined, accept), "Too Many Requests");
  });

  await t.step("an unreachable API is a network error", async () => {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const closed = `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
    listener.close();
    const error = await failure(clientWith(closed, token, createFetchAdapter()).get("/ok"));
    const reference = await failure(clientWith(closed, token, "fetch").get("/ok"));
    assert.deepEqual(errorShape(error), errorShape(reference));
    assert.equal(errorShape(error).code, "ERR_NETWORK");
    assert.equal(toUpstreamError(error).kind, "unavailable");
    assert.equal(toUpstreamError(error).network, true);
  });

  await t.step("aborting the signal aborts the request upstream and cancels the call", async () => {
    const controller = new AbortController();
    const call = failure(ours.get("/hang", undefined, { signal: controller.signal }));
    await api.arrived;
    controller.abort(new Error("Too slow"));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("The API never saw the abort")), 2_000);
    });
    try {
      await Promise.race([api.aborted, late]);
    } finally {
      clearTimeout(timer);
    }
    const error = await call as Record<string, unknown>;
    assert.equal(error.name, "CanceledError");
    assert.equal(error.code, "ERR_CANCELED");
  });

  await t.step("request options it does not carry out are refused, not ignored", async () => {
    for (const extra of [{ params: { a: 1 } }, { timeout: 5 }, { responseType: "blob" }]) {
      const error = await failure(ours.get("/ok", undefined, extra));
      assert.ok(error instanceof TypeError, String(error));
      assert.match(error.message, /^Cannot send the request: /);
    }
  });
});

/** An SDK client whose requests go through our transport (`sdk_transport.ts`), without axios. */
function transportClient(apiUri: string, token: string, signal?: AbortSignal) {
  const client = new IntegrationAppClient({ token, apiUri });
  (client as unknown as { makeApiRequest: SdkTransport }).makeApiRequest = createSdkTransport({
    adapter: createFetchAdapter(),
    apiUri,
    token,
    headers: { "membrane-api-version": "2025-10-21" },
    signal,
  });
  return {
    get: (path: string, query?: Record<string, unknown>) => client.get(path, query),
    post: (path: string, data: unknown, headers?: Record<string, string>) =>
      client.post(path, data, headers ? { headers } as never : undefined),
  };
}

Deno.test("the SDK's transport without axios gives the SDK what it got through axios", async (t) => {
  await using api = startApi();
  const token = await signToken({ sub: "alice" }, "secret");
  const ours = transportClient(api.url, token);
  const axios = clientWith(api.url, token, "fetch");

  await t.step(
    "answers: JSON parsed, a JSON string kept, text and empty answers as text",
    async () => {
      for (const path of ["/ok", "/string", "/text", "/empty", "/redirect"]) {
        assert.deepEqual(await ours.get(path), await axios.get(path), path);
      }
    },
  );

  await t.step("the request sent is the same: method, path, query, headers, body", async () => {
    const sent = async (requests: (() => Promise<unknown>)[]) => {
      api.seen.length = 0;
      for (const request of requests) await request();
      return api.seen.map(({ headers: { "user-agent": _, ...headers }, ...rest }) => ({
        ...rest,
        headers,
      }));
    };
    const query = { limit: 5, cursor: "a b&c", empty: undefined };
    const object = { to: "ada@example.com", n: [1, 2] };
    const json = { "content-type": "application/json" };
    assert.deepEqual(
      await sent([
        () => ours.get("/echo/a%2Fb", query),
        () => ours.post("/echo/run", object),
        () => ours.post("/echo/json", JSON.stringify("text"), json),
      ]),
      await sent([
        () => axios.get("/echo/a%2Fb", query),
        () => axios.post("/echo/run", object),
        () =>
          axios.post("/echo/json", JSON.stringify("text"), {
            headers: { "membrane-api-version": "2025-10-21", ...json },
            transformRequest: [(data: unknown) => data],
          }),
      ]),
    );
  });

  await t.step("failures: typed errors, other statuses and network errors alike", async () => {
    for (const path of ["/typed", "/raw-429", "/html-502", "/json-500"]) {
      assert.deepEqual(
        errorShape(await failure(ours.get(path))),
        errorShape(await failure(axios.get(path))),
        path,
      );
    }
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const closed = `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
    listener.close();
    assert.deepEqual(
      errorShape(await failure(transportClient(closed, token).get("/ok"))),
      errorShape(await failure(clientWith(closed, token, "fetch").get("/ok"))),
    );
  });

  await t.step("aborting the client's signal aborts the request upstream", async () => {
    const controller = new AbortController();
    const call = failure(transportClient(api.url, token, controller.signal).get("/hang"));
    await api.arrived;
    controller.abort(new Error("Too slow"));
    await api.aborted;
    assert.ok(await call, "the call rejects");
  });
});
