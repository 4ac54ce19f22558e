/**
 * Bearer authentication of HTTP requests.
 *
 * @module
 */
import {
  AuthError,
  type Identity,
  type IdentityResolver,
  MAX_TOKEN_LENGTH,
} from "../auth/identity.ts";
import { UpstreamError } from "../integration_app/errors.ts";
import { HttpError } from "./errors.ts";

/** The bearer token of a request, or `undefined`. */
export function bearerToken(request: Request): string | undefined {
  const header = request.headers.get("authorization");
  if (!header) return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match?.[1];
}

function unauthorized(message: string, invalid: boolean, metadataUrl?: string): HttpError {
  const resource = metadataUrl ? `, resource_metadata="${metadataUrl}"` : "";
  return new HttpError(401, message, {
    headers: {
      "www-authenticate": invalid
        ? `Bearer realm="mcp"${resource}, error="invalid_token", error_description="${message}"`
        : `Bearer realm="mcp"${resource}`,
    },
  });
}

/**
 * Authenticates a request; throws 401 (no or refused token) or 503 (Integration.app down).
 * Every 401 names `resourceMetadataUrl` (RFC 9728), where OAuth clients find how to sign in.
 */
export async function authenticate(
  request: Request,
  identities: IdentityResolver,
  resourceMetadataUrl?: string,
): Promise<{ identity: Identity; token: string }> {
  const token = bearerToken(request);
  if (!token) {
    throw unauthorized(
      "Unauthorized: send the Integration.app access token as 'Authorization: Bearer <token>'",
      false,
      resourceMetadataUrl,
    );
  }
  if (token.length > MAX_TOKEN_LENGTH) {
    throw unauthorized("Unauthorized: token too long", true, resourceMetadataUrl);
  }
  try {
    return { identity: await identities.resolve(token), token };
  } catch (error) {
    if (error instanceof AuthError) {
      throw unauthorized(`Unauthorized: ${error.message}`, true, resourceMetadataUrl);
    }
    if (error instanceof UpstreamError) {
      throw new HttpError(
        503,
        `Cannot check the token: Integration.app is unavailable (${error.message})`,
        { headers: { "retry-after": String(error.retryAfterSeconds ?? 5) } },
      );
    }
    throw error;
  }
}
