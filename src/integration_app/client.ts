/**
 * The only code that talks to Integration.app: wraps `@integration-app/sdk` with paging,
 * a timeout on every call, bounded retries for reads, and error classification.
 *
 * @module
 */
import type { Config } from "../config.ts";
import { IntegrationAppClient } from "@integration-app/sdk";
import { CIRCUIT_OPEN_KEY, CircuitBreaker, isRunOutageError } from "./circuit_breaker.ts";
import { toUpstreamError, UpstreamError } from "./errors.ts";
import { type AxiosAdapter, createFetchAdapter } from "./fetch_adapter.ts";
import { createSdkTransport, type SdkTransport } from "./sdk_transport.ts";
import { delay, withTimeout } from "../util/timeout.ts";
import type {
  Action,
  ActionRunResult,
  Connection,
  ConnectionRequest,
  IntegrationAppApi,
  IntegrationAppApiFactory,
  IntegrationInfo,
} from "./types.ts";
import { USER_AGENT } from "../version.ts";

/**
 * The API version this client reads (the shapes of `@membranehq/sdk` 0.28.3). Without it the
 * API treats the caller as the legacy version.
 */
const API_VERSION = "2025-10-21";
/** The header that carries `API_VERSION`. */
const API_VERSION_HEADER = "membrane-api-version";

/** Options for the SDK-backed API client. */
export interface IntegrationAppApiOptions {
  /** Base URL of the API (a path prefix is kept). */
  apiUrl: string;
  /** Upper bound for one HTTP call, in milliseconds. */
  timeoutMs: number;
  /** Retries of idempotent reads after a retryable failure. */
  readRetries?: number;
  /** First backoff delay in milliseconds (doubled each retry, with jitter). */
  retryBaseMs?: number;
  /** Consecutive outages (network errors, 5xx, timeouts) after which calls fail fast. */
  breakerThreshold?: number;
  /** How long calls fail fast before one probe call is let through, in milliseconds. */
  breakerCooldownMs?: number;
  now?: () => number;
}

/** The client options a server configuration asks for. */
export function apiOptionsFromConfig(config: Config): IntegrationAppApiOptions {
  return {
    apiUrl: config.apiUrl,
    timeoutMs: config.upstreamTimeoutMs,
    breakerThreshold: config.upstreamBreakerThreshold,
    breakerCooldownMs: config.upstreamBreakerCooldownMs,
  };
}

const PAGE_LIMIT = 1000;
/** Upper bound on pages read from one listing, so a looping cursor cannot spin forever. */
const MAX_PAGES = 1000;

interface Page<T> {
  items?: T[];
  cursor?: string;
}

type RequestOptions = Parameters<IntegrationAppClient["get"]>[2];

/** One path segment, URL-encoded (ids and keys may hold `/`, `?`, `#`, spaces). */
export function segment(value: string): string {
  return encodeURIComponent(value);
}

/**
 * The SDK client with its HTTP calls made by our transport (`sdk_transport.ts`) on our `fetch`
 * adapter (`fetch_adapter.ts`) in place of axios: the SDK still builds every request (paths,
 * queries, bodies: `sdk.connections.find`, `sdk.post`, …) and its typed errors, and hands each
 * one to its `makeApiRequest`, which this client replaces. axios' Node `http` adapter costs
 * about half of the CPU time the server spends on a tool call under Deno's Node compatibility
 * layer, and its own request path most of the rest of what lies between the SDK and `fetch`.
 * Every call names the API version it reads. The token is sent as it is: the SDK would refuse
 * anything but a JWT (personal access and OAuth access tokens are not), and only
 * Integration.app can judge a token anyway.
 */
class FetchAdapterClient extends IntegrationAppClient {
  readonly #token: string;
  readonly #apiUri: string;
  readonly #adapter: AxiosAdapter;

  constructor(
    options: { token: string; apiUri: string; adapter: AxiosAdapter; signal?: AbortSignal },
  ) {
    super(options);
    this.#token = options.token;
    this.#apiUri = options.apiUri;
    this.#adapter = options.adapter;
    // The SDK's request methods send through `this.makeApiRequest` (private in its types).
    (this as unknown as { makeApiRequest: SdkTransport }).makeApiRequest = createSdkTransport({
      adapter: options.adapter,
      apiUri: options.apiUri,
      token: options.token,
      headers: { [API_VERSION_HEADER]: API_VERSION },
      signal: options.signal,
    });
  }

  /**
   * This client (same token and API URL) with its requests tied to `signal`: aborting it
   * aborts the HTTP request itself (the fetch adapter passes the signal to `fetch`), so a
   * timed-out call stops upstream instead of running on unseen. The SDK's accessors take no
   * request options, so the signal rides on the client they are made from.
   */
  withSignal(signal: AbortSignal): FetchAdapterClient {
    return new FetchAdapterClient({
      token: this.#token,
      apiUri: this.#apiUri,
      adapter: this.#adapter,
      signal,
    });
  }

  override getToken(): Promise<string> {
    return Promise.resolve(this.#token);
  }

  /** POSTs `value` as a JSON document, whatever its type (a string, a number, `null`). */
  postJson(uri: string, value: unknown): Promise<unknown> {
    // The text is already JSON: the transport sends a string as it is.
    return this.post(uri, JSON.stringify(value === undefined ? null : value), {
      headers: { "content-type": "application/json" },
    } as RequestOptions);
  }
}

/** Creates the factory of SDK-backed API clients, one per customer token. */
export function createIntegrationAppApiFactory(
  options: IntegrationAppApiOptions,
): IntegrationAppApiFactory {
  const retries = options.readRetries ?? 2;
  const retryBaseMs = options.retryBaseMs ?? 100;
  const now = options.now ?? Date.now;
  const adapter = createFetchAdapter({ userAgent: USER_AGENT });
  // One breaker per upstream, shared by every customer: an outage is everyone's outage.
  const breaker = new CircuitBreaker({
    failureThreshold: options.breakerThreshold ?? 5,
    cooldownMs: options.breakerCooldownMs ?? 10_000,
    now,
  });

  async function call<T>(
    what: string,
    task: (signal: AbortSignal) => Promise<T>,
    isOutage?: (error: unknown) => boolean,
  ): Promise<T> {
    return await breaker.run(async () => {
      try {
        return await withTimeout(
          task,
          options.timeoutMs,
          () =>
            new UpstreamError(
              "timeout",
              `Integration.app did not answer ${what} within ${options.timeoutMs} ms`,
            ),
        );
      } catch (error) {
        throw toUpstreamError(error);
      }
    }, isOutage);
  }

  /**
   * An idempotent read: retried with exponential backoff and jitter while the failure is
   * retryable, at most `retries` times and only while the retries stay within one timeout,
   * so a read never takes much more than two timeouts in all.
   */
  async function read<T>(what: string, task: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const started = now();
    for (let attempt = 0;; attempt++) {
      try {
        return await call(what, task);
      } catch (error) {
        const upstream = error as UpstreamError;
        if (!upstream.retryable || upstream.key === CIRCUIT_OPEN_KEY || attempt >= retries) {
          throw upstream;
        }
        const backoff = upstream.retryAfterSeconds !== undefined
          ? Math.min(upstream.retryAfterSeconds * 1000, 5000)
          : retryBaseMs * 2 ** attempt * (0.5 + Math.random());
        if (now() - started + backoff >= options.timeoutMs) throw upstream;
        await delay(backoff);
      }
    }
  }

  async function readAllPages<T>(
    what: string,
    fetchPage: (cursor: string | undefined, signal: AbortSignal) => Promise<Page<T>>,
  ): Promise<T[]> {
    const items: T[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = await read(what, (signal) => fetchPage(cursor, signal));
      items.push(...(result.items ?? []));
      cursor = result.cursor || undefined;
      if (cursor === undefined || seen.has(cursor)) return items;
      seen.add(cursor);
    }
    return items;
  }

  return (token: string): IntegrationAppApi => {
    const sdk = new FetchAdapterClient({ token, apiUri: options.apiUrl, adapter });
    return {
      getSelf: () =>
        read(
          "GET /self",
          (signal) => sdk.withSignal(signal).self.get() as Promise<Record<string, unknown>>,
        ),
      listConnections: () =>
        readAllPages<Connection>(
          "GET /connections",
          (cursor, signal) =>
            sdk.withSignal(signal).connections.find({
              limit: PAGE_LIMIT,
              ...(cursor ? { cursor } : {}),
            }) as Promise<Page<Connection>>,
        ),
      getIntegration: (id) =>
        read(
          "GET /integrations/{id}",
          (signal) =>
            sdk.withSignal(signal).get(`/integrations/${segment(id)}`) as Promise<IntegrationInfo>,
        ),
      listIntegrations: () =>
        readAllPages<IntegrationInfo>(
          "GET /integrations",
          (cursor, signal) =>
            sdk.withSignal(signal).get("/integrations", {
              limit: PAGE_LIMIT,
              ...(cursor ? { cursor } : {}),
            }) as Promise<Page<IntegrationInfo>>,
        ),
      listConnectionActions: (connectionId) =>
        readAllPages<Action>(
          "GET /actions?connectionId",
          (cursor, signal) =>
            sdk.withSignal(signal).actions.find(
              {
                connectionId,
                limit: PAGE_LIMIT,
                ...(cursor ? { cursor } : {}),
              } as Parameters<typeof sdk.actions.find>[0],
            ) as Promise<Page<Action>>,
        ),
      listActions: (integration) =>
        readAllPages<Action>(
          "GET /actions",
          (cursor, signal) =>
            sdk.withSignal(signal).actions.find({
              ...(integration.id
                ? { integrationId: integration.id }
                : { integrationKey: integration.key }),
              limit: PAGE_LIMIT,
              ...(cursor ? { cursor } : {}),
            }) as Promise<Page<Action>>,
        ),
      runAction: (connectionId, actionKey, input) =>
        call(
          "POST /connections/{id}/actions/{key}/run",
          (signal) =>
            sdk.withSignal(signal).postJson(
              `/connections/${segment(connectionId)}/actions/${segment(actionKey)}/run`,
              input,
            ) as Promise<ActionRunResult>,
          isRunOutageError,
        ),
      createConnectionRequest: (target) =>
        call(
          "POST /connection-requests",
          (signal) =>
            sdk.withSignal(signal).post("/connection-requests", target) as Promise<
              ConnectionRequest
            >,
        ),
      getConnectionRequest: (id) =>
        read(
          "GET /connection-requests/{id}",
          (signal) =>
            sdk.withSignal(signal).get(`/connection-requests/${segment(id)}`) as Promise<
              ConnectionRequest
            >,
        ),
    };
  };
}
