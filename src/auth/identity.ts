/**
 * Who is calling: a customer of a workspace, proven by an Integration.app token that
 * Integration.app accepted. Identities are cached by token hash (memory and KV), refusals
 * briefly in memory; raw tokens are never stored.
 *
 * @module
 */
import { UpstreamError } from "../integration_app/errors.ts";
import type { IntegrationAppApiFactory } from "../integration_app/types.ts";
import { LruMap } from "../util/concurrency.ts";
import { sha256Hex } from "../util/hash.ts";

/** The customer behind an accepted token. */
export interface Identity {
  /** Opaque key of (workspace, customer): scopes every stored record. */
  tenant: string;
  /** Workspace key (`iss` claim). */
  workspace: string;
  /** Customer id (`id` claim). */
  customerId: string;
  /** When this cached identity must be checked again, in ms since the epoch. */
  expiresAt: number;
}

/** Why a token was refused; the message is safe to show to the client. */
export class AuthError extends Error {
  override name = "AuthError";
}

/** Claims of an Integration.app token, decoded (not verified: Integration.app verifies). */
export interface TokenClaims {
  iss: string;
  id: string;
  exp?: number;
}

const utf8 = new TextDecoder();

function decodeBase64Url(part: string): string {
  return utf8.decode(Uint8Array.fromBase64(part, { alphabet: "base64url" }));
}

/** Decodes the claims of a JWT; throws `AuthError` when it is not one of ours. */
export function decodeTokenClaims(token: string): TokenClaims {
  const parts = token.split(".");
  if (parts.length !== 3) throw new AuthError("Token is not a JWT");
  let payload: unknown;
  try {
    payload = JSON.parse(decodeBase64Url(parts[1] ?? ""));
  } catch {
    throw new AuthError("Token is not a JWT: unreadable payload");
  }
  const claims = payload as Record<string, unknown>;
  if (typeof claims !== "object" || claims === null) {
    throw new AuthError("Token is not a JWT: unreadable payload");
  }
  const iss = claims.iss;
  const id = claims.id ?? claims.sub;
  if (
    typeof iss !== "string" || iss.length === 0 ||
    (typeof id !== "string" && typeof id !== "number")
  ) {
    throw new AuthError("Token lacks the workspace (iss) or customer (id) claim");
  }
  const exp = typeof claims.exp === "number" ? claims.exp : undefined;
  return { iss, id: String(id), exp };
}

/** The opaque tenant key of a token's (workspace, customer), as every record is scoped. */
export function tenantOf(claims: TokenClaims): string {
  return sha256Hex(`${claims.iss}\n${claims.id}`).slice(0, 32);
}

/** Options for `IdentityResolver`. */
export interface IdentityResolverOptions {
  kv: Deno.Kv;
  apiFactory: IntegrationAppApiFactory;
  /** How long an accepted token is trusted before asking Integration.app again. */
  ttlMs: number;
  /** How long a refused token is refused without asking again. */
  refusedTtlMs?: number;
  now?: () => number;
}

/** Resolves bearer tokens to identities. */
export class IdentityResolver {
  readonly #options: Required<Omit<IdentityResolverOptions, "now">> & { now: () => number };
  readonly #accepted = new LruMap<string, Identity>(10_000);
  readonly #refused = new LruMap<string, { until: number; message: string }>(10_000);
  readonly #pending = new Map<string, Promise<Identity>>();

  constructor(options: IdentityResolverOptions) {
    this.#options = { refusedTtlMs: 30_000, now: Date.now, ...options };
  }

  /** The identity behind `token`; throws `AuthError` (refused) or `UpstreamError` (down). */
  async resolve(token: string): Promise<Identity> {
    const now = this.#options.now();
    const claims = decodeTokenClaims(token);
    if (claims.exp !== undefined && claims.exp * 1000 <= now) {
      throw new AuthError("Token has expired");
    }
    const hash = sha256Hex(token);
    const accepted = this.#accepted.get(hash);
    if (accepted && accepted.expiresAt > now) return accepted;
    const refused = this.#refused.get(hash);
    if (refused && refused.until > now) throw new AuthError(refused.message);
    const pending = this.#pending.get(hash);
    if (pending) return await pending;
    const check = this.#check(token, hash, claims).finally(() => this.#pending.delete(hash));
    this.#pending.set(hash, check);
    return await check;
  }

  async #check(token: string, hash: string, claims: TokenClaims): Promise<Identity> {
    const { kv, apiFactory, ttlMs, refusedTtlMs, now } = this.#options;
    const stored = await kv.get<Identity>(["identity", hash]);
    if (stored.value && stored.value.expiresAt > now()) {
      this.#accepted.set(hash, stored.value);
      return stored.value;
    }
    const tenant = tenantOf(claims);
    try {
      await apiFactory(token).getSelf();
    } catch (error) {
      if (error instanceof UpstreamError && (error.kind === "auth" || error.kind === "forbidden")) {
        const message = "Integration.app refused the token";
        this.#refused.set(hash, { until: now() + refusedTtlMs, message });
        throw new AuthError(message);
      }
      throw error;
    }
    const expiresAt = Math.min(
      now() + ttlMs,
      claims.exp !== undefined ? claims.exp * 1000 : Number.POSITIVE_INFINITY,
    );
    const identity: Identity = { tenant, workspace: claims.iss, customerId: claims.id, expiresAt };
    this.#accepted.set(hash, identity);
    await kv.set(["identity", hash], identity, { expireIn: Math.max(1, expiresAt - now()) });
    return identity;
  }
}
