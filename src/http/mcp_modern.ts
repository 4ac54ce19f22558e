/**
 * `POST /mcp` for protocol revision 2026-07-28, served by the SDK's current generation
 * (`createMcpHandler`, modern leg only: 2025 traffic never reaches it). Stateless: every
 * request carries its protocol version and client facts in `params._meta`; the state a 2025
 * session holds (dynamic mode's enabled set) belongs to the chat named by `x-chat-id`.
 * `subscriptions/listen` streams hear their customer's catalog changes and their chat's
 * enabled-set changes, from any instance, through the KV change feed. The chat's lifecycle is
 * `store/chat_lifecycle.ts`; each request's context reaches the SDK's server factory as a
 * parameter (the `authInfo` pass-through of `fetch`).
 *
 * @module
 */
import type { Services } from "../app.ts";
import { ListenBus, type ListenScope } from "../mcp/listen_bus.ts";
import type { McpSessionContext } from "../mcp/mcp_server.ts";
import {
  answerModernCallDirectly,
  answerModernDiscoverDirectly,
  answerModernListDirectly,
  plainModernCall,
} from "../mcp/modern_direct_answer.ts";
import { answerModernCall, createModernServer } from "../mcp/modern_server.ts";
import { ConnectStates, sharedStateKey } from "../mcp/connect_input.ts";
import {
  type AuthInfo,
  type CallToolResult,
  createMcpHandler,
  type InputRequiredResult,
  type McpHttpHandler,
  ProtocolError,
  type Server,
} from "../sdk/server.ts";
import { ChatLifecycle } from "../store/chat_lifecycle.ts";
import { HttpError, JsonRpcCode } from "./errors.ts";
import type { Caller } from "../auth/identity.ts";
import { parseApps, parseChatId, parseMode, parseSessionOptions } from "./params.ts";
import type { RequestContext } from "./request_context.ts";
import { createSessionContext } from "./session_context.ts";

/** The key under which a request's context rides the SDK's `authInfo` pass-through. */
const CONTEXT_KEY = "mcpSessionContext";
/** The key under which the outcome of a call run already rides it. */
const CALL_OUTCOME_KEY = "callOutcome";

type CallOutcome = Promise<CallToolResult | InputRequiredResult>;

/**
 * The SDK's per-request pass-through (`authInfo`, handed unchanged to the server factory)
 * carrying the context of one request (and the outcome of its `tools/call` when it ran
 * already). The caller is authenticated already; no token rides it.
 */
function carrying(context: McpSessionContext, callOutcome?: CallOutcome): AuthInfo {
  return {
    token: "",
    clientId: context.session.tenant,
    scopes: [],
    extra: { [CONTEXT_KEY]: context, [CALL_OUTCOME_KEY]: callOutcome },
  };
}

/** The 2026-07-28 side of the MCP endpoint. */
export class ModernMcpEndpoint {
  readonly #services: Services;
  readonly #bus: ListenBus;
  readonly #handler: McpHttpHandler;
  readonly #chats: ChatLifecycle;
  /** The `requestState` of connection links (its key is shared by every instance in KV). */
  readonly #states: ConnectStates;

  constructor(services: Services) {
    this.#services = services;
    const { config, changes, logger } = services;
    this.#bus = new ListenBus(changes);
    this.#chats = new ChatLifecycle(services);
    this.#states = new ConnectStates(() => sharedStateKey(services.kv));
    this.#handler = createMcpHandler(({ authInfo }) => this.#createServer(authInfo), {
      legacy: "reject",
      bus: this.#bus,
      keepAliveMs: config.listenHeartbeatMs,
      maxRequestBodySize: config.maxBodyBytes,
      onerror: (error) => logger.debug("mcp request refused or failed", { error }),
    });
    // On shutdown every open stream ends with the spec's graceful close.
    changes.onClose(() => this.#handler.close());
  }

  #createServer(authInfo: AuthInfo | undefined): Server {
    const context = authInfo?.extra?.[CONTEXT_KEY] as McpSessionContext | undefined;
    if (!context) throw new Error("No MCP context for this request");
    const callOutcome = authInfo?.extra?.[CALL_OUTCOME_KEY] as CallOutcome | undefined;
    return createModernServer(context, {
      freshForMs: (catalog) => this.#services.catalogs.freshForMs(context.session.tenant, catalog),
      fixedTtlMs: this.#services.config.catalogTtlMs,
      states: this.#states,
      ...(callOutcome ? { callOutcome } : {}),
    });
  }

  /**
   * Serves one 2026-07-28 request whose body was read and parsed already: resolve its chat,
   * admit it (a new chat within the cap), serve, and keep the chat once served.
   */
  async serve(
    request: Request,
    caller: Caller,
    body: unknown,
    context: RequestContext,
  ): Promise<Response> {
    if (this.#services.changes.closed) {
      throw new HttpError(503, "Service Unavailable: the server is shutting down", {
        headers: { "retry-after": "1" },
      });
    }
    const url = new URL(request.url);
    const mode = parseMode(url);
    const apps = parseApps(url);
    const options = parseSessionOptions(url);
    const chatId = parseChatId(request);
    const elicitationUrl = declaresUrlElicitation(body);
    context.session = "stateless";
    const state = await this.#chats.resolve({
      tenant: caller.identity.tenant,
      chatId,
      mode,
      apps,
      options,
      elicitationUrl,
    });
    const mcpContext = createSessionContext(
      this.#services,
      caller,
      state.session,
      context,
      async (names) => {
        if (chatId === undefined) {
          throw new ProtocolError(
            JsonRpcCode.InvalidParams,
            "enable-tools needs an x-chat-id header in protocol 2026-07-28 (there are no " +
              "sessions: the enabled tools belong to the chat)",
          );
        }
        await this.#chats.saveEnabledTools(state, chatId, names);
      },
    );
    mcpContext.inputRequired = true;
    return await this.#chats.admit(state, async () => {
      const response = await this.#respond(request, body, mcpContext);
      // Written only once served: a refused request leaves no trace.
      if (response.status === 200) await this.#chats.keep(state);
      return response;
    });
  }

  async #respond(
    request: Request,
    body: unknown,
    mcpContext: McpSessionContext,
  ): Promise<Response> {
    const { changes, catalogs } = this.#services;
    const { tenant, chatId } = mcpContext.session;
    const method = (body as { method?: unknown } | null)?.method;
    if (method === "tools/list") {
      const direct = await answerModernListDirectly(
        request,
        body,
        mcpContext,
        (catalog) => catalogs.freshForMs(tenant, catalog),
      );
      if (direct) return direct;
    }
    let callOutcome: CallOutcome | undefined;
    if (method === "tools/call") {
      const call = plainModernCall(request, body);
      if (call) {
        // Run once: an outcome the SDK must put on the wire reaches its handler as it is.
        callOutcome = answerModernCall(mcpContext, this.#states, call.params);
        const direct = await answerModernCallDirectly(call.id, callOutcome);
        if (direct) return direct;
      }
    }
    if (method === "server/discover") {
      const direct = answerModernDiscoverDirectly(
        request,
        body,
        this.#services.config.catalogTtlMs,
      );
      if (direct) return direct;
    }

    const listen = method === "subscriptions/listen";
    if (listen && !changes.reserve(tenant)) {
      throw new HttpError(
        429,
        `Too many open subscriptions/listen streams for this customer (at most ${this.#services.config.maxListenStreamsPerTenant}): close one first`,
        { rpcCode: JsonRpcCode.ServerError, headers: { "retry-after": "5" } },
      );
    }
    const scope: ListenScope = { tenant, chatId, subscribed: false };
    try {
      return await this.#bus.run(
        scope,
        () =>
          this.#handler.fetch(request, {
            parsedBody: body,
            authInfo: carrying(mcpContext, callOutcome),
          }),
      );
    } finally {
      // A stream that never subscribed (refused, or nothing to hear) gives its slot back.
      if (listen && !scope.subscribed) changes.release(tenant);
    }
  }
}

/**
 * Whether the request's client capabilities (its `_meta` envelope) declare URL-mode
 * elicitation: `elicitation.url` is an object.
 */
function declaresUrlElicitation(body: unknown): boolean {
  const meta = (body as { params?: { _meta?: Record<string, unknown> } } | null)?.params?._meta;
  const capabilities = meta?.["io.modelcontextprotocol/clientCapabilities"] as
    | { elicitation?: { url?: unknown } }
    | undefined;
  const url = capabilities?.elicitation?.url;
  return typeof url === "object" && url !== null && !Array.isArray(url);
}
