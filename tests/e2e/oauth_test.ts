/**
 * The OAuth front door, scripted as Claude.ai or ChatGPT would walk it: discovery from the
 * 401, protected-resource and authorization-server metadata, dynamic client registration,
 * authorize with PKCE S256 (a multi-scope request narrowed to one scope), the token exchange
 * at Integration.app (the fake), and MCP calls with the access token.
 */
import assert from "node:assert/strict";
import {
  Client,
  type OAuthClientProvider,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from "../../src/sdk/client.ts";
import { fixtureWorkspace } from "../../fake_integration_app/fixtures.ts";
import {
  connectClient,
  initializeBody,
  mcpHeaders,
  rawRequest,
  startTestServer,
} from "../support/harness.ts";

async function pkcePair(): Promise<{ verifier: string; challenge: string }> {
  const verifier = crypto.getRandomValues(new Uint8Array(32)).toBase64({
    alphabet: "base64url",
    omitPadding: true,
  });
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  const challenge = new Uint8Array(digest).toBase64({ alphabet: "base64url", omitPadding: true });
  return { verifier, challenge };
}

async function redirectOf(url: string): Promise<{ status: number; location: string }> {
  const response = await fetch(url, { redirect: "manual" });
  await response.body?.cancel();
  return { status: response.status, location: response.headers.get("location") ?? "" };
}

Deno.test("an MCP client signs in through OAuth: discovery, registration, PKCE, token, MCP call", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const { fake } = server;

  // 1. The 401 names the protected-resource metadata.
  const challenge401 = await rawRequest(server.mcpUrl, {
    method: "POST",
    headers: mcpHeaders(),
    body: initializeBody(),
  });
  assert.equal(challenge401.status, 401);
  const wwwAuthenticate = challenge401.headers.get("www-authenticate") ?? "";
  const metadataUrl = /resource_metadata="([^"]+)"/.exec(wwwAuthenticate)?.[1];
  assert.equal(metadataUrl, `${server.url}/.well-known/oauth-protected-resource/mcp`);

  // 2. Protected-resource metadata: this server is the resource.
  const resource = await rawRequest(metadataUrl);
  assert.equal(resource.status, 200);
  const resourceBody = resource.json as { resource: string; authorization_servers: string[] };
  assert.equal(resourceBody.resource, server.mcpUrl);
  const plain = await rawRequest(`${server.url}/.well-known/oauth-protected-resource`);
  assert.deepEqual(plain.json, resource.json, "the root variant says the same");

  // 3. Authorization-server metadata: Integration.app's endpoints, our authorize.
  const asUrl = `${resourceBody.authorization_servers[0]}/.well-known/oauth-authorization-server`;
  const as = (await rawRequest(asUrl)).json as Record<string, unknown>;
  assert.equal(as.registration_endpoint, `${fake.url}/oauth/register`);
  assert.equal(as.token_endpoint, `${fake.url}/oauth/token`);
  assert.equal(as.revocation_endpoint, `${fake.url}/oauth/revoke`);
  assert.equal(as.authorization_endpoint, `${server.url}/oauth/authorize`);
  assert.deepEqual(as.code_challenge_methods_supported, ["S256"]);

  // 4. Dynamic client registration, at Integration.app.
  const redirectUri = "https://claude.ai/api/mcp/auth_callback";
  const registered = await rawRequest(String(as.registration_endpoint), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_name: "Scripted client",
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
    }),
  });
  assert.equal(registered.status, 201, registered.text);
  const clientId = (registered.json as { client_id: string }).client_id;

  // 5. Authorize with PKCE S256 and two scopes: narrowed to one before Integration.app.
  const { verifier, challenge } = await pkcePair();
  const authorize = new URL(String(as.authorization_endpoint));
  for (
    const [name, value] of Object.entries({
      response_type: "code",
      client_id: clientId,
      redirect_uri: redirectUri,
      code_challenge: challenge,
      code_challenge_method: "S256",
      scope: "platform-user tenant",
      state: "st-1",
      resource: server.mcpUrl,
    })
  ) authorize.searchParams.set(name, value);
  const toUpstream = await redirectOf(authorize.href);
  assert.equal(toUpstream.status, 302);
  assert.ok(toUpstream.location.startsWith(`${fake.url}/oauth/authorize?`), toUpstream.location);
  assert.equal(new URL(toUpstream.location).searchParams.get("scope"), "tenant");
  // Integration.app itself refuses the two-scope request the client made.
  const direct = await redirectOf(
    toUpstream.location.replace("scope=tenant", "scope=platform-user+tenant"),
  );
  assert.equal(direct.status, 400);
  const back = await redirectOf(toUpstream.location);
  assert.equal(back.status, 302);
  const callback = new URL(back.location);
  assert.equal(callback.origin + callback.pathname, redirectUri);
  assert.equal(callback.searchParams.get("state"), "st-1");
  const code = callback.searchParams.get("code") ?? "";

  // 6. Token exchange at Integration.app; a wrong verifier is refused.
  const exchange = (codeVerifier: string) =>
    rawRequest(String(as.token_endpoint), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code,
        code_verifier: codeVerifier,
        client_id: clientId,
        redirect_uri: redirectUri,
      }).toString(),
    });
  const tokens = await exchange(verifier);
  assert.equal(tokens.status, 200, tokens.text);
  const accessToken = (tokens.json as { access_token: string }).access_token;
  assert.equal((await exchange(verifier)).status, 400, "a code is used once");

  // 7. The access token works on /mcp like any bearer token, as the same customer.
  const client = await connectClient(server.mcpUrl, accessToken, {
    headers: { "x-chat-id": "oauth-chat" },
  });
  try {
    const { tools } = await client.listTools();
    assert.ok(tools.some((tool) => tool.name === "gmail_send-email"));
  } finally {
    await client.close();
  }
  const viaJwt = await rawRequest(`${server.url}/mcp/sessions`, {
    token: await fake.token("alice"),
  });
  assert.ok("oauth-chat" in (viaJwt.json as Record<string, string>), viaJwt.text);
});

Deno.test("every 401 names the resource metadata, at PUBLIC_URL when it is set", async () => {
  await using server = await startTestServer({
    fake: fixtureWorkspace(),
    env: { PUBLIC_URL: "https://mcp.example.com/" },
  });
  for (const token of [undefined, "pat-unknown"]) {
    const res = await rawRequest(`${server.url}/mcp/sessions`, { token });
    assert.equal(res.status, 401);
    assert.match(
      res.headers.get("www-authenticate") ?? "",
      /^Bearer realm="mcp", resource_metadata="https:\/\/mcp\.example\.com\/\.well-known\/oauth-protected-resource\/mcp"/,
    );
  }
  const metadata = await rawRequest(`${server.url}/.well-known/oauth-protected-resource/mcp`);
  assert.equal((metadata.json as { resource: string }).resource, "https://mcp.example.com/mcp");
});

/** The official client's OAuth provider, headless: the "browser" follows the redirects. */
class HeadlessProvider implements OAuthClientProvider {
  #client: OAuthClientInformationMixed | undefined;
  #tokens: OAuthTokens | undefined;
  #verifier = "";
  code: string | undefined;
  readonly visited: string[] = [];

  get redirectUrl(): string {
    return "http://127.0.0.1:1/callback";
  }
  get clientMetadata() {
    return {
      client_name: "Official SDK client",
      redirect_uris: [this.redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  clientInformation() {
    return this.#client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.#client = info;
  }
  tokens() {
    return this.#tokens;
  }
  saveTokens(tokens: OAuthTokens) {
    this.#tokens = tokens;
  }
  saveCodeVerifier(verifier: string) {
    this.#verifier = verifier;
  }
  codeVerifier() {
    return this.#verifier;
  }
  async redirectToAuthorization(url: URL): Promise<void> {
    let next = url.href;
    for (let hop = 0; hop < 5 && !next.startsWith(this.redirectUrl); hop++) {
      this.visited.push(next);
      next = (await redirectOf(next)).location;
    }
    this.code = new URL(next).searchParams.get("code") ?? undefined;
  }
}

type OAuthClientInformationMixed = Parameters<
  NonNullable<OAuthClientProvider["saveClientInformation"]>
>[0];
type OAuthTokens = Parameters<OAuthClientProvider["saveTokens"]>[0];

Deno.test("the official TypeScript client signs in headless through the front door", async () => {
  await using server = await startTestServer({ fake: fixtureWorkspace() });
  const provider = new HeadlessProvider();
  const first = new StreamableHTTPClientTransport(new URL(server.mcpUrl), {
    authProvider: provider,
  });
  const client = new Client({ name: "oauth-client", version: "1.0.0" });
  await assert.rejects(client.connect(first), UnauthorizedError);
  assert.ok(provider.code, `no code after ${provider.visited.join(" -> ")}`);
  assert.ok(provider.visited[0]?.startsWith(`${server.url}/oauth/authorize?`));
  await first.finishAuth(provider.code);
  await first.close();

  const signedIn = new Client({ name: "oauth-client", version: "1.0.0" });
  await signedIn.connect(
    new StreamableHTTPClientTransport(new URL(server.mcpUrl), { authProvider: provider }),
  );
  try {
    const { tools } = await signedIn.listTools();
    assert.ok(tools.some((tool) => tool.name === "hubspot_create-contact"));
  } finally {
    await signedIn.close();
  }
  assert.ok(server.fake.count(/^POST \/oauth\/register$/) === 1);
  assert.ok(server.fake.count(/^POST \/oauth\/token$/) === 1);
});
