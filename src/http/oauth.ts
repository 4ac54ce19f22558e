/**
 * The OAuth front door for MCP clients that connect through MCP authorization (Claude.ai and
 * ChatGPT custom connectors, hosted agent platforms): protected-resource metadata (RFC 9728)
 * naming this server as the resource, authorization-server metadata (RFC 8414) that sends
 * clients to Integration.app's `register`, `token` and `revoke` endpoints, and an `authorize`
 * route that narrows a multi-scope request to the one scope Integration.app accepts before
 * redirecting to Integration.app's own. Integration.app issues the tokens; this server never
 * sees a password, a code or a refresh token, and calls nothing here.
 *
 * @module
 */
import { HttpError, jsonResponse } from "./errors.ts";

/** The scope a customer's token carries; the one advertised. */
const TENANT_SCOPE = "tenant";
/** Scopes Integration.app knows, most preferred first for this server (it acts for customers). */
const SCOPE_PREFERENCE = [TENANT_SCOPE, "platform-user"] as const;

/** Where the front door points. */
export interface OAuthOptions {
  /** The server's public base URL (`PUBLIC_URL`); else the request's origin. */
  publicUrl: string | undefined;
  /** Base URL of Integration.app's OAuth endpoints (`{base}/oauth/authorize`, …). */
  authorizationServerUrl: string;
}

/** The server's base URL as clients reach it. */
function publicBase(request: Request, options: OAuthOptions): string {
  return options.publicUrl ?? new URL(request.url).origin;
}

/** The URL of the protected-resource metadata of `/mcp`, as named in `WWW-Authenticate`. */
export function resourceMetadataUrl(request: Request, options: OAuthOptions): string {
  return `${publicBase(request, options)}/.well-known/oauth-protected-resource/mcp`;
}

/** Narrows a space-delimited scope list to one scope (Integration.app accepts only one). */
export function narrowScope(scope: string): string | undefined {
  const scopes = scope.split(" ").filter((item) => item.length > 0);
  if (scopes.length <= 1) return scopes[0];
  return SCOPE_PREFERENCE.find((preferred) => scopes.includes(preferred)) ?? scopes[0];
}

/** Longest authorize request URL accepted. */
const MAX_AUTHORIZE_URL = 8 * 1024;

/**
 * Public metadata, readable by any page (browser-based MCP clients read it cross-site): `*`,
 * never an echoed origin, and no credentials.
 */
const METADATA_HEADERS = {
  "cache-control": "public, max-age=3600",
  "access-control-allow-origin": "*",
};

/** The answer to a CORS preflight of the metadata documents. */
export function metadataPreflight(): Response {
  return new Response(null, {
    status: 204,
    headers: {
      "access-control-allow-origin": "*",
      "access-control-allow-methods": "GET, OPTIONS",
      "access-control-allow-headers": "MCP-Protocol-Version",
      "access-control-max-age": "600",
    },
  });
}

/** `GET /.well-known/oauth-protected-resource[/mcp]`: RFC 9728 metadata of `/mcp`. */
export function protectedResourceMetadata(request: Request, options: OAuthOptions): Response {
  const base = publicBase(request, options);
  return jsonResponse(
    {
      resource: `${base}/mcp`,
      authorization_servers: [base],
      scopes_supported: [TENANT_SCOPE],
      bearer_methods_supported: ["header"],
      resource_name: "Integration App MCP Server",
    },
    200,
    METADATA_HEADERS,
  );
}

/** `GET /.well-known/oauth-authorization-server`: RFC 8414 metadata of the front door. */
export function authorizationServerMetadata(request: Request, options: OAuthOptions): Response {
  const base = publicBase(request, options);
  const upstream = `${options.authorizationServerUrl}/oauth`;
  return jsonResponse(
    {
      issuer: base,
      authorization_endpoint: `${base}/oauth/authorize`,
      token_endpoint: `${upstream}/token`,
      registration_endpoint: `${upstream}/register`,
      revocation_endpoint: `${upstream}/revoke`,
      response_types_supported: ["code"],
      grant_types_supported: ["authorization_code", "refresh_token"],
      token_endpoint_auth_methods_supported: ["none"],
      scopes_supported: [TENANT_SCOPE],
      code_challenge_methods_supported: ["S256"],
      client_id_metadata_document_supported: true,
    },
    200,
    METADATA_HEADERS,
  );
}

function invalidRequest(description: string): HttpError {
  return new HttpError(400, `Bad Request: ${description}`);
}

/**
 * `GET /oauth/authorize`: checks the request is an authorization-code request with PKCE
 * S256, narrows its scope to one, and redirects to Integration.app's authorize endpoint with
 * every other parameter unchanged (client id, redirect URI, state, resource, challenge).
 */
export function authorizeRedirect(request: Request, options: OAuthOptions): Response {
  // What is copied into the redirect stays small (a state, a challenge, URLs).
  if (request.url.length > MAX_AUTHORIZE_URL) {
    throw new HttpError(
      414,
      `URI Too Long: an authorize request is at most ${MAX_AUTHORIZE_URL} characters`,
    );
  }
  const query = new URL(request.url).searchParams;
  if (query.get("response_type") !== "code") {
    throw invalidRequest("response_type must be code");
  }
  for (const name of ["client_id", "redirect_uri", "code_challenge"]) {
    if (!query.get(name)) throw invalidRequest(`${name} is required`);
  }
  if (query.get("code_challenge_method") !== "S256") {
    throw invalidRequest("code_challenge_method must be S256");
  }
  const target = new URL(`${options.authorizationServerUrl}/oauth/authorize`);
  for (const [name, value] of query) {
    if (name !== "scope") target.searchParams.append(name, value);
  }
  const scope = narrowScope(query.get("scope") ?? "");
  if (scope) target.searchParams.set("scope", scope);
  return new Response(null, {
    status: 302,
    headers: { location: target.href, "cache-control": "no-store" },
  });
}
