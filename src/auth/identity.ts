/**
 * Who is calling: a customer of a workspace, proven by an Integration.app token that
 * Integration.app accepted. Any token kind Integration.app issues is passed to it: customer
 * JWTs (`iss` + `id`), JWTs with `workspaceKey`/`tenantKey` claims, personal access tokens
 * (`pat-…`) and OAuth access tokens. Only Integration.app can tell which are valid, and the
 * tenant is what it answers on `GET /self` (never claims it did not check). Identities are
 * cached by token hash (memory and KV), refusals briefly in memory; raw tokens are never
 * stored. The first token of a customer never seen is proven by a request its catalog needs
 * anyway (`firstCheck`), so `/self` runs beside the rest of that work: one upstream call per
 * forged token either way.
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
  /** Workspace, as Integration.app reports it (its key when it gives one). */
  workspace: string;
  /** Customer id in the workspace's own system, as Integration.app reports it. */
  customerId: string;
  /** When this cached identity must be checked again, in ms since the epoch. */
  expiresAt: number;
}

/** Who sent a request, authenticated, and with which token (it calls Integration.app). */
export interface Caller {
  identity: Identity;
  token: string;
}

/** Why a token was refused; the message is safe to show to the client. */
export class AuthError extends Error {
  override name = "AuthError";
}

/**
 * What a token says about itself, decoded but not verified (Integration.app verifies). Used
 * only for the expiry and, when `/self` names no workspace, for the workspace of a signed
 * JWT (Integration.app checks its signature with that workspace's secret).
 */
export interface TokenClaims {
  /** `iss`, or `workspaceKey` of tenant-scoped tokens. */
  workspace?: string;
  exp?: number;
}

/** Longest token accepted (longer ones are refused without asking Integration.app). */
export const MAX_TOKEN_LENGTH = 16 * 1024;

const utf8 = new TextDecoder();
/** Visible ASCII only: what RFC 6750 allows in a bearer token (and a little more). */
const TOKEN_CHARS = /^[\x21-\x7e]+$/;

function decodeBase64Url(part: string): string {
  return utf8.decode(Uint8Array.fromBase64(part, { alphabet: "base64url" }));
}

/**
 * The claims of `token` when it is a JWT, `{}` for opaque tokens (personal access tokens,
 * OAuth access tokens). Throws `AuthError` only when it cannot be a token at all.
 */
export function decodeTokenClaims(token: string): TokenClaims {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH || !TOKEN_CHARS.test(token)) {
    throw new AuthError("Token is malformed");
  }
  const parts = token.split(".");
  if (parts.length !== 3) return {};
  let claims: unknown;
  try {
    claims = JSON.parse(decodeBase64Url(parts[1] ?? ""));
  } catch {
    return {};
  }
  if (typeof claims !== "object" || claims === null || Array.isArray(claims)) return {};
  const record = claims as Record<string, unknown>;
  const workspace = [record.workspaceKey, record.iss].find((value): value is string =>
    typeof value === "string" && value.length > 0
  );
  const exp = typeof record.exp === "number" ? record.exp : undefined;
  return { ...(workspace ? { workspace } : {}), ...(exp !== undefined ? { exp } : {}) };
}

function text(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

/**
 * The (workspace, customer) Integration.app reports for a token on `GET /self`. The customer
 * is the workspace's own id of it (`internalId`, else the tenant key, else `id`); the
 * workspace is its key, else the signed workspace claim of a JWT that Integration.app just
 * accepted (so tenant keys stay those of `iss` + customer id), else its id. `undefined`
 * when the answer names no customer or no workspace can be told.
 */
export function subjectOf(
  self: Record<string, unknown>,
  claims: TokenClaims,
): { workspace: string; customerId: string } | undefined {
  const nested = (name: string): Record<string, unknown> => {
    const value = self[name];
    return typeof value === "object" && value !== null ? value as Record<string, unknown> : {};
  };
  const workspaceInfo = nested("workspace");
  const tenantInfo = nested("tenant");
  const customerId = text(self.internalId) ?? text(tenantInfo.key) ??
    text(tenantInfo.internalId) ?? text(self.tenantKey) ?? text(self.id) ?? text(tenantInfo.id);
  const workspace = text(self.workspaceKey) ?? text(workspaceInfo.key) ?? claims.workspace ??
    text(self.workspaceId) ?? text(workspaceInfo.id);
  return customerId && workspace ? { workspace, customerId } : undefined;
}

/**
 * The (workspace, customer) a customer JWT claims, unverified (`iss`/`workspaceKey` + `id`/
 * `tenantKey`), as one hash; `undefined` for other tokens. Only tells whether a customer was
 * seen before: the tenant itself always comes from `/self`.
 */
export function claimedCustomerOf(token: string): string | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  try {
    const claims = JSON.parse(decodeBase64Url(parts[1] ?? "")) as Record<string, unknown>;
    const workspace = text(claims.workspaceKey) ?? text(claims.iss);
    const customer = text(claims.id) ?? text(claims.tenantKey);
    return workspace && customer ? sha256Hex(`${workspace}\n${customer}`).slice(0, 32) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What checking the token of a customer never seen before starts: its first upstream request
 * proves the token (Integration.app refuses a bad one there as on `/self`) and starts work the
 * customer needs anyway (its catalog), so `/self` runs beside that work instead of before it.
 */
export interface FirstCheck {
  /** Settles when the first request is answered; rejects with its error. */
  answered: Promise<void>;
  /** The token was accepted for `tenant`: what was started is handed over to it. */
  accept(tenant: string): void;
}

/** The opaque tenant key of a (workspace, customer), as every record is scoped. */
function tenantOf(subject: { workspace: string; customerId: string }): string {
  return sha256Hex(`${subject.workspace}\n${subject.customerId}`).slice(0, 32);
}

/** Options for `IdentityResolver`. */
export interface IdentityResolverOptions {
  kv: Deno.Kv;
  apiFactory: IntegrationAppApiFactory;
  /** How long an accepted token is trusted before asking Integration.app again. */
  ttlMs: number;
  /** How long a refused token is refused without asking again. */
  refusedTtlMs?: number;
  /**
   * Starts the first check of a token whose customer (as its claims say) was never accepted
   * before; `/self` is asked only once it is answered. Without it, `/self` comes first.
   */
  firstCheck?: (token: string) => FirstCheck;
  now?: () => number;
}

/** How long a customer stays known (as seen) in KV: as long as a stored catalog may serve. */
const SEEN_KEEP_MS = 7 * 24 * 60 * 60 * 1000;

/** Resolves bearer tokens to identities. */
export class IdentityResolver {
  readonly #options:
    & Required<Omit<IdentityResolverOptions, "now" | "firstCheck">>
    & Pick<IdentityResolverOptions, "firstCheck">
    & { now: () => number };
  /** Claimed customers accepted before (see `claimedCustomerOf`). */
  readonly #seen = new LruMap<string, true>(10_000);
  readonly #accepted = new LruMap<string, Identity>(10_000);
  readonly #refused = new LruMap<string, { until: number; message: string }>(10_000);
  readonly #pending = new Map<string, Promise<Identity>>();

  constructor(options: IdentityResolverOptions) {
    this.#options = { refusedTtlMs: 30_000, now: Date.now, ...options };
  }

  /**
   * The identity behind `token` (`hash`: its SHA-256, when the caller has it); throws
   * `AuthError` (refused) or `UpstreamError` (down).
   */
  async resolve(token: string, hash: string = sha256Hex(token)): Promise<Identity> {
    const now = this.#options.now();
    // An accepted identity expires with its token: no need to decode the token for it.
    const accepted = this.#accepted.get(hash);
    if (accepted && accepted.expiresAt > now) return accepted;
    const claims = decodeTokenClaims(token);
    if (claims.exp !== undefined && claims.exp * 1000 <= now) {
      throw new AuthError("Token has expired");
    }
    const refused = this.#refused.get(hash);
    if (refused && refused.until > now) throw new AuthError(refused.message);
    const pending = this.#pending.get(hash);
    if (pending) return await pending;
    const check = this.#check(token, hash, claims).finally(() => this.#pending.delete(hash));
    this.#pending.set(hash, check);
    return await check;
  }

  #refuse(hash: string, message: string): never {
    const { refusedTtlMs, now } = this.#options;
    this.#refused.set(hash, { until: now() + refusedTtlMs, message });
    throw new AuthError(message);
  }

  /** Whether the customer `claimed` was accepted before, here or by another instance. */
  async #seenBefore(claimed: string): Promise<boolean> {
    if (this.#seen.get(claimed)) return true;
    const stored = await this.#options.kv.get<true>(["customer_seen", claimed]);
    if (stored.value) this.#seen.set(claimed, true);
    return stored.value === true;
  }

  /**
   * The first check of a customer never seen: undefined when there is none to make (a known
   * or unclaimed customer), or when its first request failed but for a refusal (then `/self`
   * decides). Refuses the token when Integration.app refused that request.
   */
  async #firstCheck(
    token: string,
    hash: string,
    claimed: string | undefined,
  ): Promise<FirstCheck | undefined> {
    const start = this.#options.firstCheck;
    if (!start || claimed === undefined || await this.#seenBefore(claimed)) return undefined;
    const first = start(token);
    try {
      await first.answered;
      return first;
    } catch (error) {
      if (error instanceof UpstreamError && error.kind === "auth") {
        this.#refuse(hash, "Integration.app refused the token");
      }
      return undefined;
    }
  }

  async #check(token: string, hash: string, claims: TokenClaims): Promise<Identity> {
    const { kv, apiFactory, ttlMs, now } = this.#options;
    const stored = await kv.get<Identity>(["identity", hash]);
    if (stored.value && stored.value.expiresAt > now()) {
      this.#accepted.set(hash, stored.value);
      return stored.value;
    }
    const claimed = claimedCustomerOf(token);
    const first = await this.#firstCheck(token, hash, claimed);
    let self: Record<string, unknown>;
    try {
      self = await apiFactory(token).getSelf();
    } catch (error) {
      // 401/403, and 400/404 (Integration.app knows no such token or no such customer).
      if (
        error instanceof UpstreamError &&
        (error.kind === "auth" || error.kind === "forbidden" || error.kind === "not_found" ||
          error.kind === "bad_request")
      ) {
        this.#refuse(hash, "Integration.app refused the token");
      }
      throw error;
    }
    const subject = typeof self === "object" && self !== null ? subjectOf(self, claims) : undefined;
    if (!subject) {
      this.#refuse(
        hash,
        "Integration.app accepted the token but named no customer of a workspace for it",
      );
    }
    const expiresAt = Math.min(
      now() + ttlMs,
      claims.exp !== undefined ? claims.exp * 1000 : Number.POSITIVE_INFINITY,
    );
    const identity: Identity = { tenant: tenantOf(subject), ...subject, expiresAt };
    this.#accepted.set(hash, identity);
    first?.accept(identity.tenant);
    const write = kv.atomic()
      .set(["identity", hash], identity, { expireIn: Math.max(1, expiresAt - now()) });
    if (claimed !== undefined) {
      // Refreshed with every identity stored: a customer in use stays known.
      this.#seen.set(claimed, true);
      write.set(["customer_seen", claimed], true, { expireIn: SEEN_KEEP_MS });
    }
    await write.commit();
    return identity;
  }
}
