/**
 * A fake of the Integration.app REST API on 127.0.0.1, faithful to
 * shared/docs/integration-app-api.md: HS256 token check, cursor pagination, action runs and
 * the documented error bodies. Faults (latency, errors, hangs) can be injected per path.
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

/** A connection of a customer. */
export interface FakeConnection {
  id: string;
  name: string;
  integrationKey: string;
  disconnected?: boolean;
  createdAt?: string;
  /** When true, the connection is served without its embedded `integration`. */
  omitIntegration?: boolean;
}

/** What a run does: return an output, or throw a `FakeApiError`. */
export type FakeRunHandler = (input: unknown, context: { connectionId: string }) => unknown;

/** An action of an integration. */
export interface FakeAction {
  key: string;
  name: string;
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
  /**
   * Record in the request log which requests the caller aborted before the answer. Off by
   * default: reading `request.signal` makes Deno print a warning about its legacy behaviour.
   */
  trackAborts?: boolean;
}

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

  #connectionBody(connection: FakeConnection): Record<string, unknown> {
    const integration = this.#integration(connection.integrationKey);
    return {
      id: connection.id,
      name: connection.name,
      userId: "user",
      integrationId: integration?.id,
      ...(connection.omitIntegration ? {} : { integration }),
      disconnected: connection.disconnected ?? false,
      state: connection.disconnected ? "DISCONNECTED" : "READY",
      createdAt: connection.createdAt ?? "2026-01-01T00:00:00.000Z",
      updatedAt: connection.createdAt ?? "2026-01-01T00:00:00.000Z",
    };
  }

  #actionBody(integrationKey: string, action: FakeAction): Record<string, unknown> {
    const integration = this.#integration(integrationKey);
    return {
      id: `act_${integrationKey}_${action.key}`,
      key: action.key,
      name: action.name,
      description: action.description,
      type: action.type,
      integrationId: integration?.id,
      inputSchema: action.inputSchema,
      outputSchema: action.outputSchema,
    };
  }

  #page<T>(items: T[], query: URLSearchParams): { items: T[]; cursor?: string } {
    const limit = Math.min(Number(query.get("limit") ?? 100) || 100, this.maxPageSize);
    const offset = Number(query.get("cursor") ?? 0) || 0;
    const page = items.slice(offset, offset + limit);
    const next = offset + limit;
    return next < items.length ? { items: page, cursor: String(next) } : { items: page };
  }

  async #customer(request: Request): Promise<FakeCustomer> {
    const header = request.headers.get("authorization") ?? "";
    const token = header.replace(/^Bearer\s+/i, "");
    const claims = decodeClaims(token);
    const workspace = claims?.iss === this.workspaceKey
      ? { secret: this.secret, customers: this.customers }
      : this.#otherWorkspaces.get(String(claims?.iss));
    if (!claims || !workspace) throw notAuthenticated();
    if (!(await verifySignature(token, workspace.secret))) throw notAuthenticated();
    if (typeof claims.exp === "number" && claims.exp * 1000 < Date.now()) throw notAuthenticated();
    const id = String(claims.id);
    let customer = workspace.customers.get(id);
    if (!customer) {
      customer = { id, name: String(claims.name ?? id), connections: [] };
      workspace.customers.set(id, customer);
    }
    return customer;
  }

  async #handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const text = request.method === "POST" ? await request.text() : "";
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
      const customer = await this.#customer(request);
      log.customer = customer.id;
      return Response.json(this.#route(request.method, url, customer, body));
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

  #route(method: string, url: URL, customer: FakeCustomer, body: unknown): unknown {
    const path = url.pathname;
    const query = url.searchParams;
    let match: RegExpMatchArray | null;
    if (method === "GET" && path === "/self") {
      return { id: customer.id, name: customer.name, internalId: `cust_${customer.id}` };
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
      if (connection.disconnected) {
        throw new FakeApiError(400, {
          type: "connection",
          key: "connection_is_defunct",
          message: "Connection is disconnected. Please reconnect.",
        });
      }
      const action = (this.actions[connection.integrationKey] ?? []).find((a) =>
        a.key === actionKey
      );
      if (!action) throw notFound("Action");
      const output = action.run
        ? action.run(body, { connectionId: connection.id })
        : { ok: true, connectionId: connection.id, input: body ?? null };
      return { output, actionRunId: `arl_${this.requests.length}` };
    }
    throw notFound("Route");
  }
}
