import assert from "node:assert/strict";
import { createOriginGuard, originPolicyWarnings } from "./origin_guard.ts";

function request(headers: Record<string, string>): Request {
  const req = new Request("http://placeholder/mcp", { headers });
  // `Host` is a forbidden header for Request; set it as the raw header list would carry it.
  if (headers.host) {
    Object.defineProperty(req, "headers", { value: new Headers(headers) });
  }
  return req;
}

function status(guard: (r: Request) => void, headers: Record<string, string>): number {
  try {
    guard(request(headers));
    return 200;
  } catch (error) {
    return (error as { status: number }).status;
  }
}

Deno.test("loopback binding accepts only loopback Host and Origin names", () => {
  const guard = createOriginGuard({ bindHost: "127.0.0.1", allowedHosts: [], allowedOrigins: [] });
  assert.equal(status(guard, { host: "127.0.0.1:3000" }), 200);
  assert.equal(status(guard, { host: "localhost:3000", origin: "http://localhost:6274" }), 200);
  assert.equal(status(guard, { host: "[::1]:3000" }), 200);
  assert.equal(status(guard, { host: "attacker.example:3000" }), 403);
  assert.equal(status(guard, { host: "localhost", origin: "http://attacker.example" }), 403);
  assert.equal(status(guard, { host: "localhost", origin: "null" }), 403);
});

Deno.test("public binding checks ALLOWED_HOSTS and same-origin or ALLOWED_ORIGINS", () => {
  const guard = createOriginGuard({
    bindHost: "0.0.0.0",
    allowedHosts: ["mcp.example.com"],
    allowedOrigins: ["https://app.example.com"],
  });
  assert.equal(status(guard, { host: "mcp.example.com" }), 200);
  assert.equal(status(guard, { host: "other.example.com" }), 403);
  assert.equal(status(guard, { host: "mcp.example.com", origin: "https://mcp.example.com" }), 200);
  assert.equal(status(guard, { host: "mcp.example.com", origin: "https://app.example.com/" }), 200);
  assert.equal(status(guard, { host: "mcp.example.com", origin: "https://evil.example.com" }), 403);
  const open = createOriginGuard({ bindHost: "0.0.0.0", allowedHosts: [], allowedOrigins: [] });
  assert.equal(status(open, { host: "anything.example" }), 200);
  assert.equal(
    status(open, { host: "anything.example", origin: "https://elsewhere.example" }),
    403,
  );
});

Deno.test("a public binding without ALLOWED_HOSTS is warned about at start", () => {
  const policy = { allowedOrigins: [] };
  const [warning] = originPolicyWarnings({ ...policy, bindHost: "0.0.0.0", allowedHosts: [] });
  assert.match(warning ?? "", /ALLOWED_HOSTS is empty: any Host header is accepted/);
  for (const bindHost of ["127.0.0.1", "localhost", "::1", "127.0.0.2"]) {
    assert.deepEqual(originPolicyWarnings({ ...policy, bindHost, allowedHosts: [] }), []);
  }
  assert.deepEqual(
    originPolicyWarnings({ ...policy, bindHost: "0.0.0.0", allowedHosts: ["mcp.example.com"] }),
    [],
  );
});

Deno.test("on a public binding with ALLOWED_HOSTS, a rebinding pair of Host and Origin is refused", () => {
  const guard = createOriginGuard({
    bindHost: "0.0.0.0",
    allowedHosts: ["mcp.example.com"],
    allowedOrigins: [],
  });
  assert.equal(
    status(guard, { host: "rebind.evil.example", origin: "http://rebind.evil.example" }),
    403,
  );
  assert.equal(status(guard, { host: "mcp.example.com", origin: "https://mcp.example.com" }), 200);
});

Deno.test("any loopback address counts as a loopback binding", () => {
  const guard = createOriginGuard({ bindHost: "127.0.0.2", allowedHosts: [], allowedOrigins: [] });
  assert.equal(status(guard, { host: "evil.example:3000" }), 403);
  assert.equal(status(guard, { host: "127.0.0.2:3000", origin: "http://localhost:8080" }), 200);
});

Deno.test("a Host value judged once is judged the same on every later request", () => {
  const guard = createOriginGuard({
    bindHost: "0.0.0.0",
    allowedHosts: ["mcp.example.com"],
    allowedOrigins: [],
  });
  for (let i = 0; i < 3; i++) {
    assert.equal(status(guard, { host: "mcp.example.com" }), 200);
    assert.equal(status(guard, { host: "other.example.com" }), 403);
    assert.equal(
      status(guard, { host: "mcp.example.com", origin: "https://mcp.example.com" }),
      200,
    );
    assert.equal(status(guard, { host: "mcp.example.com", origin: "https://evil.example" }), 403);
    assert.equal(
      status(guard, { host: "mcp.example.com:8443", origin: "https://mcp.example.com" }),
      403,
    );
  }
});
