/**
 * `POST /mcp` for protocol revision 2026-07-28, served by the SDK's current generation
 * (`createMcpHandler`, modern leg only: 2025 traffic never reaches it). Stateless: every
 * request carries its protocol version and client facts in `params._meta`; the state a 2025
 * session holds (dynamic mode's enabled set) belongs to the chat named by `x-chat-id`.
 * `subscriptions/listen` streams hear their customer's catalog changes and their chat's
 * enabled-set changes, from any instance, through the KV change feed.
 *
 * @module
 */
import type { Services } from "../app.ts";
import { ListenBus, type ListenScope } from "../mcp/listen_bus.ts";
import type { McpSessionContext } from "../mcp/mcp_server.ts";
import { answerModernListDirectly } from "../mcp/modern_direct_answer.ts";
import { createModernServer } from "../mcp/modern_server.ts";
import { ConnectStates, sharedStateKey } from "../mcp/connect_input.ts";
import {
  createMcpHandler,
  type McpHttpHandler,
  ProtocolError,
  type Server,
} from "../sdk/server.ts";
import { type ChatRecord, STATELESS_SESSION_ID } from "../store/session_store.ts";
import type { SessionRecord } from "../store/session_store.ts";
import { HttpError, JsonRpcCode } from "./errors.ts";
import type { Caller } from "../auth/identity.ts";
import { parseApps, parseChatId, parseMode, parseSessionOptions } from "./params.ts";
import type { RequestContext } from "./request_context.ts";
import { createSessionContext } from "./session_context.ts";

/** The 2026-07-28 side of the MCP endpoint. */
export class ModernMcpEndpoint {
  readonly #services: Services;
  readonly #bus: ListenBus;
  readonly #handler: McpHttpHandler;
  /** The context each request in flight is served with, for the SDK's server factory. */
  readonly #contexts = new WeakMap<Request, McpSessionContext>();
  /** The `requestState` of connection links (its key is shared by every instance in KV). */
  readonly #states: ConnectStates;

  constructor(services: Services) {
    this.#services = services;
    const { config, changes, logger } = services;
    this.#bus = new ListenBus(changes);
    this.#states = new ConnectStates(() => sharedStateKey(services.kv));
    this.#handler = createMcpHandler(({ requestInfo }) => this.#createServer(requestInfo), {
      legacy: "reject",
      bus: this.#bus,
      keepAliveMs: config.listenHeartbeatMs,
      maxRequestBodySize: config.maxBodyBytes,
      onerror: (error) => logger.debug("mcp request refused or failed", { error }),
    });
    // On shutdown every open stream ends with the spec's graceful close.
    changes.onClose(() => this.#handler.close());
  }

  #createServer(request: Request | undefined): Server {
    const context = request ? this.#contexts.get(request) : undefined;
    if (!context) throw new Error("No MCP context for this request");
    return createModernServer(context, {
      freshForMs: (catalog) => this.#services.catalogs.freshForMs(context.session.tenant, catalog),
      fixedTtlMs: this.#services.config.catalogTtlMs,
      states: this.#states,
    });
  }

  /** Serves one 2026-07-28 request whose body was read and parsed already. */
  async serve(
    request: Request,
    caller: Caller,
    body: unknown,
    context: RequestContext,
  ): Promise<Response> {
    const { sessions, changes, now } = this.#services;
    if (changes.closed) {
      throw new HttpError(503, "Service Unavailable: the server is shutting down", {
        headers: { "retry-after": "1" },
      });
    }
    const tenant = caller.identity.tenant;
    const url = new URL(request.url);
    const mode = parseMode(url);
    const apps = parseApps(url);
    const options = parseSessionOptions(url);
    const chatId = parseChatId(request);
    const method = (body as { method?: unknown } | null)?.method;
    const elicitationUrl = declaresUrlElicitation(body);
    context.session = "stateless";

    // Read now, written (created, or its last use refreshed) only once the request is served:
    // a refused request leaves no trace.
    let chat: ChatRecord | undefined = chatId !== undefined
      ? await sessions.getChat(tenant, chatId)
      : undefined;
    const at = now();
    const session: SessionRecord = {
      id: STATELESS_SESSION_ID,
      tenant,
      mode,
      apps,
      enabledTools: mode === "dynamic" && chat?.mode === "dynamic" ? chat.enabledTools : [],
      ...(options ? { options } : {}),
      chatId,
      ...(elicitationUrl ? { clientCapabilities: { elicitationUrl: true } } : {}),
      createdAt: at,
      lastSeenAt: at,
    };
    const mcpContext = createSessionContext(
      this.#services,
      caller,
      session,
      context,
      async (names) => {
        if (chatId === undefined) {
          throw new ProtocolError(
            JsonRpcCode.InvalidParams,
            "enable-tools needs an x-chat-id header in protocol 2026-07-28 (there are no " +
              "sessions: the enabled tools belong to the chat)",
          );
        }
        chat = await sessions.touchStatelessChat(
          tenant,
          chatId,
          { mode, apps, options, enabledTools: names },
          chat,
          (op) => changes.markChatChanged(op, tenant, chatId),
        );
        session.enabledTools = names;
      },
    );
    mcpContext.inputRequired = true;
    const serveAndKeepChat = async (): Promise<Response> => {
      const response = await this.#respond(request, body, method, tenant, chatId, mcpContext);
      if (chatId !== undefined && response.status === 200) {
        await sessions.touchStatelessChat(tenant, chatId, { mode, apps, options }, chat);
      }
      return response;
    };
    // A new chat id counts against the customer's chat cap (refused before anything runs).
    return chatId !== undefined && chat === undefined
      ? await this.#services.limits.admitChat(tenant, serveAndKeepChat)
      : await serveAndKeepChat();
  }

  async #respond(
    request: Request,
    body: unknown,
    method: unknown,
    tenant: string,
    chatId: string | undefined,
    mcpContext: McpSessionContext,
  ): Promise<Response> {
    const { changes, catalogs } = this.#services;
    if (method === "tools/list") {
      const direct = await answerModernListDirectly(
        request,
        body,
        mcpContext,
        (catalog) => catalogs.freshForMs(tenant, catalog),
      );
      if (direct) return direct;
    }
    this.#contexts.set(request, mcpContext);

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
      return await this.#bus.run(scope, () => this.#handler.fetch(request, { parsedBody: body }));
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
export function declaresUrlElicitation(body: unknown): boolean {
  const meta = (body as { params?: { _meta?: Record<string, unknown> } } | null)?.params?._meta;
  const capabilities = meta?.["io.modelcontextprotocol/clientCapabilities"] as
    | { elicitation?: { url?: unknown } }
    | undefined;
  const url = capabilities?.elicitation?.url;
  return typeof url === "object" && url !== null && !Array.isArray(url);
}
