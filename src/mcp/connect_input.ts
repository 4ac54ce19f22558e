/**
 * The connection link as a multi round-trip request (protocol 2026-07-28): where the client
 * declared URL-mode elicitation, a call that needs a connection answers
 * `resultType: "input_required"` with one URL-mode `elicitation/create` request (the link) and
 * an opaque `requestState`; the client shows the link and retries the call with the user's
 * answer in `inputResponses`.
 *
 * The state is sealed with the SDK's HMAC codec (`createRequestStateCodec`) under a key shared by
 * every instance through Deno KV, and names the customer (a hash), the call (tool name and a
 * digest of its arguments), the connection request and the app. It expires with the connection
 * watch. A state that does not verify, has expired, or belongs to another customer is refused
 * before the handler runs (the SDK's `-32602` "Invalid or expired requestState"); one issued for
 * another call is refused by the handler with the same code.
 *
 * @module
 */
import type { ConnectionRequest } from "../integration_app/types.ts";
import type { Logger } from "../log.ts";
import { sha256Hex } from "../util/hash.ts";
import {
  type CallToolResult,
  createRequestStateCodec,
  ErrorCode,
  inputRequired,
  type InputRequiredResult,
  inputResponse,
  ProtocolError,
  type RequestStateCodec,
} from "../sdk/server.ts";
import { errorResult } from "./tool_result.ts";

/** The key of the link's entry in `inputRequests` / `inputResponses`. */
const CONNECT_INPUT_KEY = "connect";

/** How long a minted state is accepted: as long as the connection watch follows the request. */
const CONNECT_STATE_TTL_SECONDS = 30 * 60;

/** Where the HMAC key of the states lives in KV (shared by every instance). */
const STATE_KEY_KV_KEY: Deno.KvKey = ["mrtr_state_key"];

/**
 * Thrown by `elicitConnection` on the 2026-07-28 path: the call needs the user to open the link
 * of `request`. The modern server turns it into the `input_required` result (or, on a retry the
 * user accepted, into "not finished yet").
 */
export class ConnectionInputRequired extends Error {
  constructor(readonly request: ConnectionRequest, readonly appName: string) {
    super(`Connect ${appName} to continue`);
    this.name = "ConnectionInputRequired";
  }
}

/** What a sealed state holds (visible to the client, integrity-protected). */
export interface ConnectState {
  /** Hash of the customer. */
  t: string;
  /** The tool called. */
  n: string;
  /** Digest of the call's arguments. */
  d: string;
  /** The connection request's id. */
  r: string;
  /** The connection request's link. */
  u: string;
  /** The app's name, for messages. */
  a: string;
}

/** A call, as far as its state is bound to it. */
export interface CallIdentity {
  name: string;
  args: Record<string, unknown>;
}

/** What a state remembers: the call, and the connection request the user was sent to. */
export interface ConnectLink {
  call: CallIdentity;
  request: ConnectionRequest;
  appName: string;
}

/** How a call that needs a link is answered. */
export interface LinkAnswerOptions {
  call: CallIdentity;
  /** The call was `connect-app` (its link result is not an error). */
  connectApp: boolean;
}

/** JSON with object keys sorted, so equal arguments digest equally. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function tenantTag(tenant: string): string {
  return sha256Hex(`mrtr-tenant\0${tenant}`).slice(0, 32);
}

function argsDigest(args: Record<string, unknown>): string {
  return sha256Hex(canonical(args)).slice(0, 32);
}

/**
 * The states' HMAC key: read from KV, or made once (an atomic create, so concurrent first
 * instances agree on one key).
 */
export async function sharedStateKey(kv: Deno.Kv): Promise<Uint8Array> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = await kv.get<Uint8Array>(STATE_KEY_KV_KEY);
    if (existing.value instanceof Uint8Array && existing.value.byteLength >= 32) {
      return existing.value;
    }
    const fresh = crypto.getRandomValues(new Uint8Array(32));
    const made = await kv.atomic().check(existing).set(STATE_KEY_KV_KEY, fresh).commit();
    if (made.ok) return fresh;
  }
  throw new Error("Cannot agree on the requestState key in KV");
}

/** Seals and opens the `requestState` of connection links. */
export class ConnectStates {
  readonly #loadKey: () => Promise<Uint8Array>;
  readonly #ttlSeconds: number;
  #codec?: Promise<RequestStateCodec<ConnectState>>;

  /** `loadKey` is asked once (again after a failure). */
  constructor(loadKey: () => Promise<Uint8Array>, ttlSeconds = CONNECT_STATE_TTL_SECONDS) {
    this.#loadKey = loadKey;
    this.#ttlSeconds = ttlSeconds;
  }

  #codecOnce(): Promise<RequestStateCodec<ConnectState>> {
    this.#codec ??= this.#loadKey().then(
      (key) => createRequestStateCodec<ConnectState>({ key, ttlSeconds: this.#ttlSeconds }),
      (error) => {
        this.#codec = undefined;
        throw error;
      },
    );
    return this.#codec;
  }

  /** The state of a call of `tenant` waiting for the user to finish `link.request`. */
  async seal(tenant: string, link: ConnectLink): Promise<string> {
    const codec = await this.#codecOnce();
    return await codec.mint({
      t: tenantTag(tenant),
      n: link.call.name,
      d: argsDigest(link.call.args),
      r: link.request.id,
      u: link.request.url,
      a: link.appName,
    });
  }

  /**
   * Opens a state echoed by a client of `tenant`; throws when its MAC is wrong, it expired, or
   * it was sealed for another customer (the SDK then answers `-32602`).
   */
  async open(state: string, tenant: string): Promise<ConnectState> {
    const codec = await this.#codecOnce();
    // The codec ignores the context when no `bind` is configured.
    const opened = await codec.verify(state, undefined as never);
    if (opened?.t !== tenantTag(tenant)) throw new Error("bind");
    return opened;
  }
}

/** Whether `state` was sealed for this very call (same tool, same arguments). */
export function stateMatches(state: ConnectState, call: CallIdentity): boolean {
  return state.n === call.name && state.d === argsDigest(call.args);
}

/** The refusal of a state replayed on another call. */
export function stateForAnotherCall(): ProtocolError {
  return new ProtocolError(
    ErrorCode.InvalidParams,
    "Invalid or expired requestState: it was issued for another call",
    { reason: "invalid_request_state" },
  );
}

/**
 * The `input_required` result that hands the user the link of `signal`. When no state can be
 * sealed (the key cannot be read from KV), the link is in the result text instead, as for a
 * client without URL-mode elicitation (`isError` unless the call was `connect-app`).
 */
export async function connectInputRequired(
  signal: ConnectionInputRequired,
  options: LinkAnswerOptions & { states: ConnectStates; tenant: string; logger: Logger },
): Promise<InputRequiredResult | CallToolResult> {
  const { request, appName } = signal;
  let requestState: string;
  try {
    requestState = await options.states.seal(options.tenant, {
      call: options.call,
      request,
      appName,
    });
  } catch (error) {
    options.logger.warn("cannot seal a requestState: the link goes in the result", { error });
    const text = `The user must connect ${appName}: ask them to open this link, then call ` +
      `again: ${request.url}`;
    return options.connectApp
      ? { content: [{ type: "text", text }], structuredContent: { url: request.url } }
      : errorResult(text);
  }
  return inputRequired({
    inputRequests: {
      [CONNECT_INPUT_KEY]: inputRequired.elicitUrl({
        url: request.url,
        message: `Connect ${appName} to continue: sign in to ${appName} on the page that opens.`,
      }),
    },
    requestState,
  });
}

/** The user's answer to the link, from a retry's `inputResponses`. */
export function connectAnswer(
  responses: Record<string, unknown> | undefined,
): "accept" | "decline" | "cancel" | undefined {
  const view = inputResponse(responses, CONNECT_INPUT_KEY);
  return view.kind === "elicit" ? view.action : undefined;
}

/** The answer when the user declined or dismissed the link: nothing ran. */
export function declinedResult(
  state: ConnectState,
  options: LinkAnswerOptions & { action: "decline" | "cancel" },
): CallToolResult {
  const what = options.action === "decline"
    ? `The user declined to connect ${state.a}`
    : `The user dismissed the request to connect ${state.a}`;
  const outcome = options.connectApp
    ? "no connection was made"
    : `${options.call.name.slice(0, 100)} did not run`;
  return errorResult(
    `${what}, so ${outcome}. Ask them whether they want to connect it; the link stays valid ` +
      `for a while: ${state.u}`,
  );
}

/** The answer when the user accepted but the connection is not made yet. */
export function notFinishedResult(
  signal: ConnectionInputRequired,
  options: LinkAnswerOptions,
): CallToolResult {
  const { request, appName } = signal;
  const { call, connectApp } = options;
  const text = `${appName} is not connected yet: the user has not finished signing in. ` +
    (connectApp ? "" : `${call.name.slice(0, 100)} did not run. `) +
    `Ask them to finish on this page, then call again: ${request.url}`;
  return {
    ...(connectApp ? {} : { isError: true }),
    content: [{ type: "text", text }],
    ...(connectApp
      ? {
        structuredContent: {
          connected: false,
          url: request.url,
          connectionRequestId: request.id,
        },
      }
      : {}),
  };
}
