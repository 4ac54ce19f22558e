import assert from "node:assert/strict";
import { HttpError } from "./errors.ts";
import { matchRoute, type Route } from "./router.ts";

const route = (method: string, pathname: string, name: string): Route => ({
  method,
  pattern: new URLPattern({ pathname }),
  name,
  handler: () => new Response(null),
});

const ROUTES: Route[] = [
  route("GET", "/healthz", "healthz"),
  route("GET", "/", "root"),
  route("GET", "/.well-known/oauth-protected-resource{/mcp}?", "metadata"),
  route("GET", "/.well-known/oauth-authorization-server", "server-metadata"),
  route("POST", "/mcp", "mcp"),
  route("GET", "/mcp", "mcp"),
  route("DELETE", "/mcp", "mcp"),
  route("GET", "/mcp/sessions", "sessions"),
  route("GET", "/mcp/sessions/:chatId", "chat"),
  route("DELETE", "/mcp/sessions/:chatId", "chat"),
];

/** The route every pattern's own `exec` picks (the router before it compared literal paths). */
function byPatterns(request: Request) {
  const allowed = new Set<string>();
  const method = request.method === "HEAD" ? "GET" : request.method;
  for (const route of ROUTES) {
    const match = route.pattern.exec(request.url);
    if (!match) continue;
    if (route.method === method) return { name: route.name, params: match.pathname.groups };
    allowed.add(route.method);
  }
  return allowed.size === 0 ? { status: 404 } : { status: 405, allow: [...allowed].join(", ") };
}

function byRouter(request: Request) {
  try {
    const { route, params } = matchRoute(ROUTES, request, new URL(request.url));
    return { name: route.name, params: { ...params } };
  } catch (error) {
    assert.ok(error instanceof HttpError);
    const allow = error.headers.allow;
    return error.status === 404
      ? { status: 404 }
      : { status: error.status, allow: String(allow).replace(/, OPTIONS$/, "") };
  }
}

Deno.test("the router picks the route each pattern would, literal paths and parameters alike", () => {
  const paths = [
    "/mcp",
    "/mcp/",
    "/MCP",
    "/mcp?session=1#x",
    "/%6Dcp",
    "/./mcp",
    "/a/../mcp",
    "//mcp",
    "/mcp/sessions",
    "/mcp/sessions/chat-1",
    "/mcp/sessions/a%20b",
    "/mcp/sessions/",
    "/mcp/sessions/a/b",
    "/.well-known/oauth-protected-resource",
    "/.well-known/oauth-protected-resource/mcp",
    "/.well-known/oauth-authorization-server",
    "/healthz",
    "/healthz/",
    "/",
    "/nowhere",
  ];
  for (const method of ["GET", "HEAD", "POST", "DELETE", "PUT"]) {
    for (const path of paths) {
      const request = new Request(`http://127.0.0.1:8080${path}`, { method });
      assert.deepEqual(byRouter(request), byPatterns(request), `${method} ${path}`);
    }
  }
});

Deno.test("a path matched under another method is a 405 naming the allowed ones", () => {
  const request = new Request("http://127.0.0.1/mcp", { method: "PUT" });
  assert.throws(
    () => matchRoute(ROUTES, request),
    (error) =>
      error instanceof HttpError && error.status === 405 &&
      error.headers.allow === "POST, GET, DELETE, OPTIONS",
  );
});
