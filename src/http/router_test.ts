import assert from "node:assert/strict";
import { HttpError } from "./errors.ts";
import { literalPath, matchRoute, type Route } from "./router.ts";

function route(method: string, pathname: string, name: string, literal = true): Route {
  return {
    method,
    pattern: new URLPattern({ pathname }),
    ...(literal ? { literal: literalPath(pathname) } : {}),
    name,
    handler: () => new Response(null),
  };
}

const PATHS = ["/", "/healthz", "/mcp", "/mcp/sessions", "/.well-known/oauth-authorization-server"];
const URLS = [
  "/",
  "/mcp",
  "/mcp/",
  "/MCP",
  "/mc%70",
  "//mcp",
  "/mcp?x=1",
  "/mcp#frag",
  "/./mcp",
  "/a/../mcp",
  "/mcp/sessions",
  "/mcp/sessions/",
  "/mcp%2Fsessions",
  "/healthz/..",
  "/.well-known/oauth-authorization-server",
  "/%2E%2E/mcp",
  "/mcp;x",
];

Deno.test("plain paths are literal, patterns with parameters or groups are not", () => {
  for (const path of PATHS) assert.equal(literalPath(path), path, path);
  for (
    const pattern of [
      "/mcp/sessions/:chatId",
      "/.well-known/oauth-protected-resource{/mcp}?",
      "/a/*",
      "/a+",
      "/(a)",
    ]
  ) {
    assert.equal(literalPath(pattern), undefined, pattern);
  }
});

Deno.test("a literal route matches exactly the URLs its pattern matches", () => {
  for (const path of PATHS) {
    const fast = [route("GET", path, "x")];
    const slow = [route("GET", path, "x", false)];
    for (const url of URLS) {
      const request = new Request(`http://127.0.0.1${url}`);
      const outcome = (routes: Route[]) => {
        try {
          return matchRoute(routes, request, new URL(request.url).pathname).route.name;
        } catch (error) {
          assert.ok(error instanceof HttpError);
          return error.status;
        }
      };
      assert.equal(outcome(fast), outcome(slow), `${path} against ${url}`);
    }
  }
});

Deno.test("routes match in order, with 405 and Allow for another method and 404 for no path", () => {
  const routes = [
    route("POST", "/mcp", "post"),
    route("GET", "/mcp", "get"),
    route("GET", "/mcp/sessions/:chatId", "chat"),
  ];
  const match = (method: string, path: string) =>
    matchRoute(routes, new Request(`http://127.0.0.1${path}`, { method }));
  assert.equal(match("POST", "/mcp").route.name, "post");
  assert.equal(match("HEAD", "/mcp").route.name, "get");
  assert.deepEqual(match("GET", "/mcp/sessions/c-1").params, { chatId: "c-1" });
  assert.throws(() => match("PUT", "/mcp"), (error: unknown) => {
    assert.ok(error instanceof HttpError);
    assert.equal(error.status, 405);
    return true;
  });
  assert.throws(() => match("GET", "/nope"), (error: unknown) => {
    assert.ok(error instanceof HttpError);
    assert.equal(error.status, 404);
    return true;
  });
});
