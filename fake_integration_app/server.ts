/**
 * A fake of the Integration.app REST API on 127.0.0.1, faithful to
 * shared/docs/integration-app-api.md ("The API today" included): HS256 token check and the
 * other token kinds (`workspaceKey`/`tenantKey` JWTs, personal access tokens, OAuth access
 * tokens), cursor pagination, connection and action states, connector-based connections,
 * connection-level and universal actions, action runs with JSON bodies only, the documented
 * error bodies (with `causedByError`), connection requests that return a URL, and the OAuth
 * endpoints (register, authorize, token, revoke) of a scripted authorization flow. Faults
 * (latency, errors, hangs) can be injected per path.
 *
 * Where the live API's behaviour is not documented (the `/self` fields naming the workspace,
 * the connection-request shape, the OAuth consent step) this fake follows what the SDKs and
 * docs imply; the README and the issue notes say so.
 *
 * @module
 */
import { decodeClaims, signToken, verifySignature } from "./jwt.ts";

/** An integration (app). */
export interface FakeIntegration {
  id: string;
  key: string;
  name: string;
  logoUri?: string;
}

/** A connector (a connection made from it has no integration). */
export interface FakeConnector {
  id: string;
  key: string;
  name: string;
}

/** A connection of a customer. */
export interface FakeConnection {
  id: string;
  name: string;
  /** Absent on a connection made from a connector. */
  integrationKey?: string;
  /** The connector of a connection made without an integration. */
  connector?: FakeConnector;
  /** Legacy flag; served as `disconnected` and as `connected: false`. */
  disconnected?: boolean;
  /** `READY` by default (or `DISCONNECTED` when `disconnected`). */
  state?: string;
  isDeactivated?: boolean;
  isDefunct?: boolean;
  createdAt?: string;
  /** When true, the connection is served without its embedded `integration`. */
  omitIntegration?: boolean;
  /** Actions of this connection only (customised instances share their integration's key). */
  actions?: FakeAction[];
}

/** What a run does: return an output, or throw a `FakeApiError`. */
export type FakeRunHandler = (input: unknown, context: { connectionId: string }) => unknown;

/** An action of an integration, of a connection, or universal. */
export interface FakeAction {
  /** Absent on catalog actions, which run by their id. */
  key?: string;
  /** Defaults to `act_{integration}_{key}`. */
  id?: string;
  name: string;
  state?: string;
  isDeactivated?: boolean;
  isCustomized?: boolean;
  description?: string;
  type?: string;
  inputSchema?: unknown;
  outputSchema?: unknown;
  run?: FakeRunHandler;
}

/** A customer of the workspace. */
export interface FakeCustomer {
  id: string;
  name?: string;
  connections: FakeConnection[];
}

/** An error answered with an HTTP status and a JSON (or raw) body. */
export class FakeApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body === "object" && body && "message" in body ? String(body.message) : "error");
  }
}

/** A fault injected for requests whose `METHOD /path` matches. */
export interface FakeFault {
  match: RegExp;
  /** Delay before answering, in ms. */
  delayMs?: number;
  /** Never answer (until the fake stops). */
  hang?: boolean;
  /** Answer with this error instead. */
  error?: FakeApiError;
  /** Apply only this many times (default: always). */
  times?: number;
}

/** One request the fake received. */
export interface FakeRequestLog {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: unknown;
  customer?: string;
  /** The `membrane-api-version` header, when sent. */
  apiVersion?: string;
  /** The `content-type` header, when sent. */
  contentType?: string;
  /** The `user-agent` header, when sent. */
  userAgent?: string;
  /** Set when the caller gave up on the request (aborted it, closed the connection). */
  aborted?: boolean;
}

/** Options of the fake. */
export interface FakeOptions {
  workspaceKey?: string;
  secret?: string;
  integrations?: FakeIntegration[];
  /** Actions per integration key. */
  actions?: Record<string, FakeAction[]>;
  customers?: FakeCustomer[];
  /** Largest page the fake answers, whatever `limit` asks (forces paging in tests). */
  maxPageSize?: number;
  /** Latency added to every request, in ms. */
  latencyMs?: number;
  /** Workspace-level actions offered on every connection. */
  universalActions?: FakeAction[];
  /**
   * Record in the request log which requests the caller aborted before the answer. Off by
   * default: reading `request.signal` makes Deno print a warning about its legacy behaviour.
   */
  trackAborts?: boolean;
}

/** A connection request created through `POST /connection-requests`. */
export interface FakeConnectionRequest {
  id: string;
  customer: FakeCustomer;
  integrationKey?: string;
  connectorId?: string;
  connectionId?: string;
  status: "pending" | "completed";
  /** The connection made or repaired, once completed. */
  resultConnectionId?: string;
}

/** A registered OAuth client. */
interface FakeOAuthClient {
  clientId: string;
  redirectUris: string[];
}

/** Who a token belongs to. */
interface TokenOwner {
  workspaceKey: string;
  customer: FakeCustomer;
}

/** The one API version this fake speaks (what `@membranehq/sdk` 0.28.3 sends). */
export const FAKE_API_VERSION = "2025-10-21";

const notAuthenticated = (): FakeApiError =>
  new FakeApiError(401, {
    type: "bad_request",
    key: "not_authenticated",
    message: "Not authenticated",
  });
const notFound = (what: string): FakeApiError =>
  new FakeApiError(404, { type: "bad_request", key: "not_found", message: `${what} not found` });

/** A running fake Integration.app API. */
export class FakeIntegrationApp {
  readonly workspaceKey: string;
  readonly secret: string;
  integrations: FakeIntegration[];
  actions: Record<string, FakeAction[]>;
  customers: Map<string, FakeCustomer>;
  maxPageSize: number;
  latencyMs: number;
  faults: FakeFault[] = [];
  trackAborts: boolean;
  requests: FakeRequestLog[] = [];
  universalActions: FakeAction[];
  connectionRequests = new Map<string, FakeConnectionRequest>();
  /** The customer the fake's OAuth consent screen signs in as. */
  oauthCustomer = "alice";
  /** Replaces the fake's `/self` answer (to test that the server believes only `/self`). */
  selfAnswer?: (customerId: string, workspaceKey: string) => Record<string, unknown>;
  #opaqueTokens = new Map<string, TokenOwner>();
  #oauthClients = new Map<string, FakeOAuthClient>();
  #oauthCodes = new Map<
    string,
    { clientId: string; redirectUri: string; challenge: string; scope: string; customer: string }
  >();
  #refreshTokens = new Map<string, { clientId: string; customer: string; scope: string }>();
  #ids = 0;
  #server: Deno.HttpServer<Deno.NetAddr> | undefined;
  #hanging = new Set<() => void>();
  #otherWorkspaces = new Map<string, { secret: string; customers: Map<string, FakeCustomer> }>();

  constructor(options: FakeOptions = {}) {
    this.workspaceKey = options.workspaceKey ?? "ws-test";
    this.secret = options.secret ?? "test-workspace-secret";
    this.integrations = options.integrations ?? [];
    this.actions = options.actions ?? {};
    this.customers = new Map((options.customers ?? []).map((c) => [c.id, c]));
    this.maxPageSize = options.maxPageSize ?? 1000;
    this.latencyMs = options.latencyMs ?? 0;
    this.trackAborts = options.trackAborts ?? false;
    this.universalActions = options.universalActions ?? [];
  }

  #nextId(prefix: string): string {
    return `${prefix}${++this.#ids}${crypto.randomUUID().replaceAll("-", "")}`;
  }

  #customerOf(id: string): FakeCustomer {
    let customer = this.customers.get(id);
    if (!customer) {
      customer = { id, name: id, connections: [] };
      this.customers.set(id, customer);
    }
    return customer;
  }

  /** A personal access token (`pat-…`, not a JWT) of `customerId` in this workspace. */
  personalAccessToken(customerId: string): string {
    const token = this.#nextId("pat-");
    this.#opaqueTokens.set(token, {
      workspaceKey: this.workspaceKey,
      customer: this.#customerOf(customerId),
    });
    return token;
  }

  /** A tenant-scoped JWT (`workspaceKey` + `tenantKey` claims, no `iss`/`id`). */
  async tenantToken(customerId: string): Promise<string> {
    return await signToken({
      workspaceKey: this.workspaceKey,
      tenantKey: customerId,
      exp: Math.floor(Date.now() / 1000) + 3600,
    }, this.secret);
  }

  /** Marks a connection request done, as when the user finished the connect page. */
  completeConnectionRequest(id: string): FakeConnectionRequest {
    const request = this.connectionRequests.get(id);
    if (!request) throw new Error(`No connection request ${id}`);
    const { customer } = request;
    const existing = customer.connections.find((c) =>
      c.id === request.connectionId ||
      (request.integrationKey !== undefined && c.integrationKey === request.integrationKey &&
        c.isDeactivated !== true)
    );
    if (existing) {
      Object.assign(existing, {
        disconnected: false,
        isDefunct: false,
        state: "READY",
      });
      request.resultConnectionId = existing.id;
    } else {
      const integration = request.integrationKey
        ? this.#integration(request.integrationKey)
        : undefined;
      const connection: FakeConnection = {
        id: this.#nextId("conn_"),
        name: integration?.name ?? request.integrationKey ?? "Connection",
        integrationKey: integration?.key,
        createdAt: new Date().toISOString(),
      };
      customer.connections.push(connection);
      request.resultConnectionId = connection.id;
    }
    request.status = "completed";
    return request;
  }

  /**
   * Adds another workspace (its own secret and customers; the same integrations and
   * actions), so tests can use one customer id in two workspaces.
   */
  addWorkspace(key: string, secret: string, customers: FakeCustomer[]): this {
    this.#otherWorkspaces.set(key, { secret, customers: new Map(customers.map((c) => [c.id, c])) });
    return this;
  }

  /** Starts listening on 127.0.0.1 (a free port). */
  start(): this {
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      (request) => this.#handle(request),
    );
    return this;
  }

  /** The base URL to give the server as `INTEGRATION_APP_API_URL`. */
  get url(): string {
    if (!this.#server) throw new Error("Fake Integration.app is not started");
    return `http://127.0.0.1:${this.#server.addr.port}`;
  }

  /** Stops listening and releases hanging requests. */
  async stop(): Promise<void> {
    for (const release of this.#hanging) release();
    this.#hanging.clear();
    await this.#server?.shutdown();
    this.#server = undefined;
  }

  /** For `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** A token of `customerId` signed by this workspace (or by `secret` to forge one). */
  async token(
    customerId: string,
    options: { secret?: string; workspaceKey?: string; expiresInSeconds?: number } = {},
  ): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return await signToken({
      iss: options.workspaceKey ?? this.workspaceKey,
      id: customerId,
      name: customerId,
      exp: now + (options.expiresInSeconds ?? 3600),
    }, options.secret ?? this.secret);
  }

  /** Counts the logged requests whose `METHOD /path` matches. */
  count(match: RegExp): number {
    return this.requests.filter((r) => match.test(`${r.method} ${r.path}`)).length;
  }

  #integration(key: string): FakeIntegration | undefined {
    return this.integrations.find((i) => i.key === key || i.id === key);
  }

  #stateOf(connection: FakeConnection): string {
    return connection.state ?? (connection.disconnected ? "DISCONNECTED" : "READY");
  }

  #isBroken(connection: FakeConnection): boolean {
    return connection.disconnected === true || connection.isDefunct === true ||
      this.#stateOf(connection) !== "READY";
  }

  #connectionBody(connection: FakeConnection): Record<string, unknown> {
    const integration = connection.integrationKey
      ? this.#integration(connection.integrationKey)
      : undefined;
    const broken = this.#isBroken(connection);
    return {
      id: connection.id,
      name: connection.name,
      userId: "user",
      ...(integration ? { integrationId: integration.id } : {}),
      ...(integration && !connection.omitIntegration ? { integration } : {}),
      ...(connection.connector
        ? { connectorId: connection.connector.id, connector: connection.connector }
        : {}),
      disconnected: broken,
      connected: !broken,
      state: this.#stateOf(connection),
      isDeactivated: connection.isDeactivated ?? false,
      isDefunct: connection.isDefunct ?? false,
      createdAt: connection.createdAt ?? "2026-01-01T00:00:00.000Z",
      updatedAt: connection.createdAt ?? "2026-01-01T00:00:00.000Z",
    };
  }

  #actionId(owner: string, action: FakeAction): string {
    return action.id ?? `act_${owner}_${action.key ?? action.name}`;
  }

  #actionBody(
    owner: string,
    action: FakeAction,
    extra: Record<string, unknown> = {},
  ): Record<string, unknown> {
    const integration = this.#integration(owner);
    return {
      id: this.#actionId(owner, action),
      ...(action.key ? { key: action.key } : {}),
      name: action.name,
      description: action.description,
      type: action.type,
      ...(integration ? { integrationId: integration.id } : {}),
      state: action.state ?? "READY",
      isDeactivated: action.isDeactivated ?? false,
      ...(action.isCustomized ? { isCustomized: true } : {}),
      inputSchema: action.inputSchema,
      outputSchema: action.outputSchema,
      ...extra,
    };
  }

  /** The actions a connection offers: its own, universal ones, then its integration's. */
  #actionsOf(connection: FakeConnection): { owner: string; action: FakeAction }[] {
    return [
      ...(connection.actions ?? []).map((action) => ({ owner: connection.id, action })),
      ...this.universalActions.map((action) => ({ owner: "universal", action })),
      ...(connection.integrationKey ? this.actions[connection.integrationKey] ?? [] : []).map((
        action,
      ) => ({ owner: connection.integrationKey as string, action })),
    ];
  }

  #page<T>(items: T[], query: URLSearchParams): { items: T[]; cursor?: string } {
    const limit = Math.min(Number(query.get("limit") ?? 100) || 100, this.maxPageSize);
    const offset = Number(query.get("cursor") ?? 0) || 0;
    const page = items.slice(offset, offset + limit);
    const next = offset + limit;
    return next < items.length ? { items: page, cursor: String(next) } : { items: page };
  }

  async #owner(request: Request): Promise<TokenOwner> {
    const header = request.headers.get("authorization") ?? "";
    const token = header.replace(/^Bearer\s+/i, "");
    const opaque = this.#opaqueTokens.get(token);
    if (opaque) return opaque;
    const claims = decodeClaims(token);
    const workspaceKey = String(claims?.workspaceKey ?? claims?.iss);
    const workspace = workspaceKey === this.workspaceKey
      ? { secret: this.secret, customers: this.customers }
      : this.#otherWorkspaces.get(workspaceKey);
    if (!claims || !workspace) throw notAuthenticated();
    if (!(await verifySignature(token, workspace.secret))) throw notAuthenticated();
    if (typeof claims.exp === "number" && claims.exp * 1000 < Date.now()) throw notAuthenticated();
    const raw = claims.id ?? claims.tenantKey;
    if (typeof raw !== "string" && typeof raw !== "number") throw notAuthenticated();
    const id = String(raw);
    let customer = workspace.customers.get(id);
    if (!customer) {
      customer = { id, name: String(claims.name ?? id), connections: [] };
      workspace.customers.set(id, customer);
    }
    return { workspaceKey, customer };
  }

  async #handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const text = request.method === "POST" ? await request.text() : "";
    const contentType = request.headers.get("content-type") ?? undefined;
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    const log: FakeRequestLog = {
      method: request.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body,
      apiVersion: request.headers.get("membrane-api-version") ?? undefined,
      contentType,
      userAgent: request.headers.get("user-agent") ?? undefined,
    };
    this.requests.push(log);
    // Only an abort before the answer counts (Deno also aborts the signal after answering);
    // the listener goes once the answer is made.
    const onAbort = (): boolean => log.aborted = true;
    const signal = this.trackAborts ? request.signal : undefined;
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
      await this.#applyFaults(`${request.method} ${url.pathname}`, signal);
      if (url.pathname.startsWith("/oauth/")) return this.#oauth(request.method, url, text);
      if (request.method === "GET" && url.pathname.startsWith("/connect/")) {
        return this.#connectPage(decodeURIComponent(url.pathname.slice("/connect/".length)));
      }
      const owner = await this.#owner(request);
      log.customer = owner.customer.id;
      if (text && !/^application\/json\b/i.test(contentType ?? "")) {
        // The API reads JSON bodies only: a form-encoded or text body is refused.
        throw new FakeApiError(400, {
          type: "bad_request",
          message: `Request body must be JSON, not ${contentType ?? "untyped"}`,
        });
      }
      if (typeof body === "string" && !text.trimStart().startsWith('"')) {
        throw new FakeApiError(400, { type: "bad_request", message: "Malformed JSON body" });
      }
      return Response.json(this.#route(request.method, url, owner, body));
    } catch (error) {
      if (error instanceof FakeApiError) {
        const raw = typeof error.body === "string";
        return new Response(raw ? error.body as string : JSON.stringify(error.body), {
          status: error.status,
          headers: {
            "content-type": raw ? "text/html" : "application/json",
            ...error.headers,
          },
        });
      }
      return Response.json({ type: "internal", message: String(error) }, { status: 500 });
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  async #applyFaults(target: string, signal: AbortSignal | undefined): Promise<void> {
    for (const fault of this.faults) {
      if (!fault.match.test(target)) continue;
      if (fault.times !== undefined) {
        if (fault.times <= 0) continue;
        fault.times--;
      }
      if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault.hang) {
        // Hangs until the fake stops (or the caller gives up, when aborts are tracked).
        await new Promise<void>((resolve) => {
          this.#hanging.add(resolve);
          const release = (): void => {
            this.#hanging.delete(resolve);
            resolve();
          };
          if (signal?.aborted) release();
          else signal?.addEventListener("abort", release, { once: true });
        });
        throw new FakeApiError(503, { type: "internal", message: "released" });
      }
      if (fault.error) throw fault.error;
    }
  }

  #route(method: string, url: URL, owner: TokenOwner, body: unknown): unknown {
    const { customer } = owner;
    const path = url.pathname;
    const query = url.searchParams;
    let match: RegExpMatchArray | null;
    if (method === "GET" && path === "/self") {
      // `id` is Integration.app's own; `internalId` is the workspace's id of the customer
      // (the `id` claim). The workspace fields are inferred (see the module doc).
      if (this.selfAnswer) return this.selfAnswer(customer.id, owner.workspaceKey);
      return {
        id: `cust_${customer.id}`,
        name: customer.name,
        internalId: customer.id,
        workspaceId: `wsid_${owner.workspaceKey}`,
        workspaceKey: owner.workspaceKey,
      };
    }
    if (method === "GET" && path === "/integrations") {
      return this.#page(this.integrations, query);
    }
    if (method === "POST" && path === "/connection-requests") {
      return this.#createConnectionRequest(customer, body);
    }
    if (method === "GET" && (match = path.match(/^\/connection-requests\/([^/]+)$/))) {
      const request = this.connectionRequests.get(decodeURIComponent(match[1] as string));
      if (!request || request.customer !== customer) throw notFound("Connection request");
      return this.#connectionRequestBody(request);
    }
    if (method === "GET" && path === "/connections") {
      const key = query.get("integrationKey");
      const items = customer.connections
        .filter((c) => !key || c.integrationKey === key)
        .map((c) => this.#connectionBody(c));
      return this.#page(items, query);
    }
    if (method === "GET" && (match = path.match(/^\/connections\/([^/]+)$/))) {
      const sel = decodeURIComponent(match[1] as string);
      const connection = customer.connections.find((c) => c.id === sel) ??
        customer.connections.find((c) => c.integrationKey === sel);
      if (!connection) throw notFound("Connection");
      return this.#connectionBody(connection);
    }
    if (method === "GET" && (match = path.match(/^\/integrations\/([^/]+)$/))) {
      const integration = this.#integration(decodeURIComponent(match[1] as string));
      if (!integration) throw notFound("Integration");
      return integration;
    }
    if (method === "GET" && path === "/actions") {
      const connectionId = query.get("connectionId");
      if (connectionId) {
        const connection = customer.connections.find((c) => c.id === connectionId);
        if (!connection) throw notFound("Connection");
        const items = [
          ...(connection.actions ?? []).map((a) =>
            this.#actionBody(connection.integrationKey ?? connection.id, a, {
              id: this.#actionId(connection.id, a),
              connectionId: connection.id,
            })
          ),
          ...this.universalActions.map((a) =>
            this.#actionBody("universal", a, { isUniversal: true, connectionId: connection.id })
          ),
        ];
        return this.#page(items, query);
      }
      const integration = this.#integration(
        query.get("integrationId") ?? query.get("integrationKey") ?? "",
      );
      const items = integration
        ? (this.actions[integration.key] ?? []).map((a) => this.#actionBody(integration.key, a))
        : [];
      return this.#page(items, query);
    }
    if (
      method === "POST" && (match = path.match(/^\/connections\/([^/]+)\/actions\/([^/]+)\/run$/))
    ) {
      const sel = decodeURIComponent(match[1] as string);
      const actionKey = decodeURIComponent(match[2] as string);
      const connection = customer.connections.find((c) => c.id === sel) ??
        customer.connections.find((c) => c.integrationKey === sel);
      if (!connection) throw notFound("Connection");
      if (this.#isBroken(connection) || connection.isDeactivated) {
        throw new FakeApiError(400, {
          type: "connection",
          key: "connection_is_defunct",
          message: "Connection is disconnected. Please reconnect.",
        });
      }
      const found = this.#actionsOf(connection).find(({ owner, action }) =>
        action.key === actionKey || this.#actionId(owner, action) === actionKey
      );
      if (!found || found.action.isDeactivated) throw notFound("Action");
      const { action } = found;
      const output = action.run
        ? action.run(body, { connectionId: connection.id })
        : { ok: true, connectionId: connection.id, input: body ?? null };
      return { output, actionRunId: `arl_${this.requests.length}` };
    }
    throw notFound("Route");
  }

  #connectionRequestBody(request: FakeConnectionRequest): Record<string, unknown> {
    return {
      id: request.id,
      url: `${this.url}/connect/${encodeURIComponent(request.id)}`,
      status: request.status,
      ...(request.integrationKey ? { integrationKey: request.integrationKey } : {}),
      ...(request.resultConnectionId ? { connectionId: request.resultConnectionId } : {}),
      expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    };
  }

  #createConnectionRequest(customer: FakeCustomer, body: unknown): Record<string, unknown> {
    const target = (typeof body === "object" && body !== null ? body : {}) as Record<
      string,
      unknown
    >;
    const integrationKey = typeof target.integrationKey === "string"
      ? target.integrationKey
      : undefined;
    const connectionId = typeof target.connectionId === "string" ? target.connectionId : undefined;
    if (integrationKey && !this.#integration(integrationKey)) throw notFound("Integration");
    if (connectionId && !customer.connections.some((c) => c.id === connectionId)) {
      throw notFound("Connection");
    }
    if (!integrationKey && !connectionId && typeof target.connectorId !== "string") {
      throw new FakeApiError(400, {
        type: "bad_request",
        message: "integrationKey, connectorId or connectionId is required",
      });
    }
    const request: FakeConnectionRequest = {
      id: this.#nextId("cr_"),
      customer,
      integrationKey: integrationKey ??
        customer.connections.find((c) => c.id === connectionId)?.integrationKey,
      connectionId,
      connectorId: typeof target.connectorId === "string" ? target.connectorId : undefined,
      status: "pending",
    };
    this.connectionRequests.set(request.id, request);
    return this.#connectionRequestBody(request);
  }

  /** The page a connection request's URL opens: the user "connects" and it completes. */
  #connectPage(id: string): Response {
    if (!this.connectionRequests.has(id)) throw notFound("Connection request");
    this.completeConnectionRequest(id);
    return new Response("<p>Connected. You can close this window.</p>", {
      headers: { "content-type": "text/html" },
    });
  }

  #oauthError(status: number, error: string, description: string): Response {
    return Response.json({ error, error_description: description }, { status });
  }

  async #pkce(verifier: string): Promise<string> {
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
    return new Uint8Array(digest).toBase64({ alphabet: "base64url", omitPadding: true });
  }

  /** The OAuth endpoints: dynamic registration, authorize (auto-consent), token, revoke. */
  #oauth(method: string, url: URL, text: string): Response | Promise<Response> {
    const path = url.pathname;
    if (method === "POST" && path === "/oauth/register") {
      let metadata: Record<string, unknown>;
      try {
        metadata = JSON.parse(text);
      } catch {
        return this.#oauthError(400, "invalid_client_metadata", "Body must be JSON");
      }
      const redirectUris = Array.isArray(metadata.redirect_uris)
        ? metadata.redirect_uris.filter((u): u is string => typeof u === "string")
        : [];
      if (redirectUris.length === 0) {
        return this.#oauthError(400, "invalid_redirect_uri", "redirect_uris is required");
      }
      const clientId = this.#nextId("client_");
      this.#oauthClients.set(clientId, { clientId, redirectUris });
      return Response.json({
        ...metadata,
        client_id: clientId,
        client_id_issued_at: Math.floor(Date.now() / 1000),
        token_endpoint_auth_method: "none",
      }, { status: 201 });
    }
    if (method === "GET" && path === "/oauth/authorize") {
      const q = url.searchParams;
      const client = this.#oauthClients.get(q.get("client_id") ?? "");
      const redirectUri = q.get("redirect_uri") ?? "";
      if (!client || !client.redirectUris.includes(redirectUri)) {
        return this.#oauthError(400, "invalid_request", "Unknown client or redirect_uri");
      }
      const scope = q.get("scope") ?? "tenant";
      if (scope !== "tenant" && scope !== "platform-user") {
        // What the live API answers to a space-delimited list (per membranehq/mcp-server).
        return this.#oauthError(
          400,
          "invalid_scope",
          "scope: Invalid option: expected one of 'platform-user'|'tenant'",
        );
      }
      if (q.get("response_type") !== "code" || q.get("code_challenge_method") !== "S256") {
        return this.#oauthError(400, "invalid_request", "Authorization code with PKCE S256 only");
      }
      const code = this.#nextId("code_");
      this.#oauthCodes.set(code, {
        clientId: client.clientId,
        redirectUri,
        challenge: q.get("code_challenge") ?? "",
        scope,
        customer: this.oauthCustomer,
      });
      const target = new URL(redirectUri);
      target.searchParams.set("code", code);
      const state = q.get("state");
      if (state !== null) target.searchParams.set("state", state);
      return new Response(null, { status: 302, headers: { location: target.href } });
    }
    if (method === "POST" && path === "/oauth/token") return this.#oauthToken(text);
    if (method === "POST" && path === "/oauth/revoke") {
      const token = new URLSearchParams(text).get("token") ?? "";
      this.#opaqueTokens.delete(token);
      this.#refreshTokens.delete(token);
      return new Response(null, { status: 200 });
    }
    return this.#oauthError(404, "not_found", "Unknown OAuth endpoint");
  }

  #issueTokens(clientId: string, customer: string, scope: string): Response {
    const access = this.#nextId("oat_");
    const refresh = this.#nextId("ort_");
    this.#opaqueTokens.set(access, {
      workspaceKey: this.workspaceKey,
      customer: this.#customerOf(customer),
    });
    this.#refreshTokens.set(refresh, { clientId, customer, scope });
    return Response.json({
      access_token: access,
      token_type: "Bearer",
      expires_in: 3600,
      refresh_token: refresh,
      scope,
    }, { headers: { "cache-control": "no-store" } });
  }

  async #oauthToken(text: string): Promise<Response> {
    const form = new URLSearchParams(text);
    const clientId = form.get("client_id") ?? "";
    if (form.get("grant_type") === "refresh_token") {
      const grant = this.#refreshTokens.get(form.get("refresh_token") ?? "");
      if (!grant || grant.clientId !== clientId) {
        return this.#oauthError(400, "invalid_grant", "Unknown refresh token");
      }
      this.#refreshTokens.delete(form.get("refresh_token") ?? "");
      return this.#issueTokens(clientId, grant.customer, grant.scope);
    }
    if (form.get("grant_type") !== "authorization_code") {
      return this.#oauthError(400, "unsupported_grant_type", "Unsupported grant type");
    }
    const code = form.get("code") ?? "";
    const grant = this.#oauthCodes.get(code);
    this.#oauthCodes.delete(code);
    if (
      !grant || grant.clientId !== clientId || grant.redirectUri !== form.get("redirect_uri")
    ) {
      return this.#oauthError(400, "invalid_grant", "Unknown or used code");
    }
    if (await this.#pkce(form.get("code_verifier") ?? "") !== grant.challenge) {
      return this.#oauthError(400, "invalid_grant", "PKCE verification failed");
    }
    return this.#issueTokens(clientId, grant.customer, grant.scope);
  }
}
