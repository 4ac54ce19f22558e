import assert from "node:assert/strict";
import { HttpError } from "./errors.ts";
import { authorizeRedirect, narrowScope, resourceMetadataUrl } from "./oauth.ts";

const options = { publicUrl: undefined, authorizationServerUrl: "https://api.example.test" };

Deno.test("a multi-scope request is narrowed to the tenant scope, one scope is kept", () => {
  assert.equal(narrowScope("platform-user tenant"), "tenant");
  assert.equal(narrowScope("tenant"), "tenant");
  assert.equal(narrowScope("platform-user"), "platform-user");
  assert.equal(narrowScope("a b"), "a");
  assert.equal(narrowScope(""), undefined);
});

Deno.test("authorize redirects to Integration.app with one scope and every other parameter", () => {
  const response = authorizeRedirect(
    new Request(
      "http://127.0.0.1:3000/oauth/authorize?response_type=code&client_id=c1&redirect_uri=" +
        "https%3A%2F%2Fclaude.ai%2Fcb&code_challenge=abc&code_challenge_method=S256&state=s" +
        "&scope=platform-user%20tenant&resource=http%3A%2F%2F127.0.0.1%3A3000%2Fmcp",
    ),
    options,
  );
  assert.equal(response.status, 302);
  const location = new URL(response.headers.get("location") ?? "");
  assert.equal(location.origin + location.pathname, "https://api.example.test/oauth/authorize");
  assert.equal(location.searchParams.get("scope"), "tenant");
  assert.equal(location.searchParams.get("redirect_uri"), "https://claude.ai/cb");
  assert.equal(location.searchParams.get("resource"), "http://127.0.0.1:3000/mcp");
  assert.equal(location.searchParams.get("state"), "s");
});

Deno.test("authorize without PKCE S256 is a 400, not a redirect", () => {
  for (
    const query of [
      "response_type=code&client_id=c&redirect_uri=x&code_challenge=a&code_challenge_method=plain",
      "response_type=code&client_id=c&redirect_uri=x",
      "response_type=token&client_id=c&redirect_uri=x&code_challenge=a&code_challenge_method=S256",
    ]
  ) {
    assert.throws(
      () => authorizeRedirect(new Request(`http://h/oauth/authorize?${query}`), options),
      (error) => error instanceof HttpError && error.status === 400,
    );
  }
});

Deno.test("the resource metadata URL follows PUBLIC_URL when set", () => {
  const request = new Request("http://10.0.0.1:3000/mcp");
  assert.equal(
    resourceMetadataUrl(request, options),
    "http://10.0.0.1:3000/.well-known/oauth-protected-resource/mcp",
  );
  assert.equal(
    resourceMetadataUrl(request, { ...options, publicUrl: "https://mcp.example.com" }),
    "https://mcp.example.com/.well-known/oauth-protected-resource/mcp",
  );
});

Deno.test("a client-ID metadata document URL passes through authorize unchanged", () => {
  const clientId = "https://claude.ai/oauth/mcp-oauth-client-metadata";
  const query = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: "https://claude.ai/api/mcp/auth_callback",
    code_challenge: "abc",
    code_challenge_method: "S256",
  });
  const response = authorizeRedirect(new Request(`http://h/oauth/authorize?${query}`), options);
  const location = new URL(response.headers.get("location") ?? "");
  assert.equal(location.searchParams.get("client_id"), clientId);
  assert.equal(location.searchParams.has("scope"), false, "no scope asked, none added");
});

Deno.test("an oversized authorize request is refused, not copied into a redirect", () => {
  const state = "s".repeat(1_000_000);
  assert.throws(
    () =>
      authorizeRedirect(
        new Request(
          `http://h/oauth/authorize?response_type=code&client_id=c&redirect_uri=x` +
            `&code_challenge=a&code_challenge_method=S256&state=${state}`,
        ),
        options,
      ),
    (error) => error instanceof HttpError && error.status === 414,
  );
});
