/**
 * Bearer authentication of HTTP requests. A token accepted before passes at once; anything
 * else (no token, a malformed one, one not seen yet) counts against its client address's
 * limit (given back when Integration.app accepts the token), and tokens not seen yet are
 * checked a few at a time.
 *
 * @module
 */
import { AuthError, type Caller, type Identity, type IdentityResolver } from "../auth/identity.ts";
import { UpstreamError } from "../integration_app/errors.ts";
import { ChecksBusyError, type UnverifiedLimits } from "../limits/unverified.ts";
import { LruMap } from "../util/concurrency.ts";
import { sha256Hex } from "../util/hash.ts";
import { HttpError } from "./errors.ts";

/** Longest accepted token. */
export const MAX_TOKEN_LENGTH = 16 * 1024;
/** Shortest accepted token: no kind of Integration.app token is shorter. */
const MIN_TOKEN_LENGTH = 16;
/** RFC 6750 `b64token`: the syntax of every bearer token. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** The bearer token of a request, or `undefined`. */
function bearerToken(request: Request): string | undefined {
  const header = request.headers.get("authorization");
  if (!header) return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match?.[1];
}

/**
 * Why `token` cannot be a bearer token of any kind Integration.app issues (JWTs, personal
 * access tokens, OAuth access tokens), or `undefined` when it may be one.
 */
export function malformedTokenReason(token: string): string | undefined {
  if (token.length > MAX_TOKEN_LENGTH) return `longer than ${MAX_TOKEN_LENGTH} characters`;
  if (token.length < MIN_TOKEN_LENGTH) return `shorter than ${MIN_TOKEN_LENGTH} characters`;
  if (!B64TOKEN.test(token)) return "characters outside the bearer token syntax (RFC 6750)";
  return undefined;
}

/**
 * A 401 whose challenge names the protected-resource metadata (RFC 9728), where OAuth
 * clients find how to get a token.
 */
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

/** Options for `Authenticator`. */
export interface AuthenticatorOptions {
  identities: IdentityResolver;
  unverified: UnverifiedLimits;
}

/** Authenticates requests, limiting unverified ones per client address. */
export class Authenticator {
  readonly #identities: IdentityResolver;
  readonly #unverified: UnverifiedLimits;
  /**
   * Hashes of tokens Integration.app accepted before on this instance. Their checks (served
   * from the identity cache, or asked again after `IDENTITY_TTL_SECONDS`) count against no
   * address and wait for no slot: a platform that connects thousands of its users from one
   * address re-checks their tokens all the time, and a forged token is never in here.
   */
  readonly #accepted = new LruMap<string, true>(50_000);

  constructor(options: AuthenticatorOptions) {
    this.#identities = options.identities;
    this.#unverified = options.unverified;
  }

  /**
   * The caller of `request`, sent from `address`. Throws 401 (no, malformed or refused
   * token; its challenge names `resourceMetadataUrl` when given), 429 (too many unverified
   * requests from the address) or 503 (Integration.app down, or too many token checks
   * waiting).
   */
  async authenticate(
    request: Request,
    address: string,
    resourceMetadataUrl?: string,
  ): Promise<Caller> {
    const token = bearerToken(request);
    if (!token) {
      this.#unverified.charge(address);
      throw unauthorized(
        "Unauthorized: send the Integration.app access token as 'Authorization: Bearer <token>'",
        false,
        resourceMetadataUrl,
      );
    }
    const malformed = malformedTokenReason(token);
    if (malformed) {
      this.#unverified.charge(address);
      throw unauthorized(`Unauthorized: malformed token (${malformed})`, true, resourceMetadataUrl);
    }
    const tokenHash = sha256Hex(token);
    const hash = tokenHash.slice(0, 32);
    const known = this.#accepted.get(hash) === true;
    // Given back when the token is accepted: only refusals stay counted against the address.
    const refund = known ? undefined : this.#unverified.charge(address);
    let identity: Identity;
    try {
      identity = known
        ? await this.#resolve(token, tokenHash, resourceMetadataUrl)
        : await this.#unverified.check(() => this.#resolve(token, tokenHash, resourceMetadataUrl));
    } catch (error) {
      if (error instanceof ChecksBusyError) {
        throw new HttpError(
          503,
          "Cannot check the token now: too many token checks are waiting; retry in a moment",
          { headers: { "retry-after": "1" } },
        );
      }
      // Refused now (revoked or expired): from here on it counts against its address again.
      if (error instanceof HttpError && error.status === 401) this.#accepted.delete(hash);
      throw error;
    }
    refund?.();
    this.#accepted.set(hash, true);
    return { identity, token };
  }

  async #resolve(
    token: string,
    tokenHash: string,
    resourceMetadataUrl: string | undefined,
  ): Promise<Identity> {
    try {
      return await this.#identities.resolve(token, tokenHash);
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
}
