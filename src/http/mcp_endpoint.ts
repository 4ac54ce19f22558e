/**
 * `POST|GET|DELETE /mcp`: MCP Streamable HTTP with sessions kept in Deno KV. Each request
 * gets a fresh SDK transport (stateless mode) and server built from the stored session, so a
 * restart or another instance continues every session.
 *
 * @module
 */
import type { Services } from "../app.ts";
import type { Identity } from "../auth/identity.ts";
import { ENABLE_TOOLS_NAME } from "../mcp/enable_tools.ts";
import { answerDirectly } from "../mcp/direct_answer.ts";
import { createMcpServer } from "../mcp/mcp_server.ts";
import { guardRequestParams } from "../mcp/params_guard.ts";
import {
  isInitializeRequest,
  isJSONRPCRequest,
  isLegacyRequest,
  type JSONRPCMessage,
  SUPPORTED_PROTOCOL_VERSIONS,
  WebStandardStreamableHTTPServerTransport,
} from "../mcp/sdk.ts";
import type { SessionRecord } from "../store/session_store.ts";
import { isJsonContentType, parseJson, readBodyText } from "./body.ts";
import { HttpError, JsonRpcCode } from "./errors.ts";
import { checkAccept, checkInitializeParams, parseMessages } from "./mcp_messages.ts";
import { parseApps, parseChatId, parseMode, parseSessionOptions } from "./params.ts";
import type { RequestContext } from "./request_context.ts";
import { ModernMcpEndpoint } from "./mcp_modern.ts";
import { createSessionContext } from "./session_context.ts";
import { clip, summarizeMethods } from "../util/text.ts";

/** Who is calling, already authenticated. */
export interface Caller {
  identity: Identity;
  token: string;
}

const SESSION_HEADER = "mcp-session-id";

function sessionNotFound(): HttpError {
  return new HttpError(404, "Session not found: initialize a new session", {
    rpcCode: JsonRpcCode.SessionNotFound,
  });
}

function methodOf(message: JSONRPCMessage): string | undefined {
  const method = (message as { method?: unknown }).method;
  return typeof method === "string" ? method : undefined;
}

/** 400 when `MCP-Protocol-Version` names a revision this server does not speak. */
function checkProtocolVersion(request: Request): void {
  const version = request.headers.get("mcp-protocol-version");
  if (version !== null && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
    throw new HttpError(
      400,
      `Bad Request: Unsupported protocol version: ${version.slice(0, 40)} (supported: ${
        SUPPORTED_PROTOCOL_VERSIONS.join(", ")
      })`,
    );
  }
}

const MAX_VERSION_CHARS = 64;
const MAX_MCP_HEADER_CHARS = 256;

/**
 * 400 for MCP headers longer than any revision, method or tool name, checked before the era is
 * chosen: the SDK's errors repeat the header they reject.
 */
function checkMcpHeaders(request: Request): void {
  const version = request.headers.get("mcp-protocol-version");
  if (version !== null && version.length > MAX_VERSION_CHARS) {
    throw new HttpError(
      400,
      `Bad Request: Unsupported protocol version: ${clip(version, 40)} (supported: ${
        [FIRST_MODERN_REVISION, ...SUPPORTED_PROTOCOL_VERSIONS].join(", ")
      })`,
    );
  }
  for (const name of ["mcp-method", "mcp-name"]) {
    if ((request.headers.get(name)?.length ?? 0) > MAX_MCP_HEADER_CHARS) {
      throw new HttpError(400, `Bad Request: the ${name} header is too long`, {
        rpcCode: JsonRpcCode.InvalidRequest,
      });
    }
  }
}

/** The first revision of the stateless era; versions sort as dates. */
const FIRST_MODERN_REVISION = "2026-07-28";
const ENVELOPE_CLAIM = "io.modelcontextprotocol/protocolVersion";

/**
 * Whether a request is 2025 traffic by the SDK's own rule without asking it (which costs tens
 * of microseconds on every hot request): one message whose `params._meta` makes no envelope
 * claim, and no `MCP-Protocol-Version` header naming a modern revision. Anything else is left
 * to `isLegacyRequest`.
 */
export function plainlyLegacy(request: Request, body: unknown): boolean {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return false;
  const version = request.headers.get("mcp-protocol-version")?.trim();
  if (version !== undefined && version >= FIRST_MODERN_REVISION) return false;
  const params = (body as { params?: unknown }).params;
  const meta = typeof params === "object" && params !== null
    ? (params as { _meta?: unknown })._meta
    : undefined;
  return !(typeof meta === "object" && meta !== null && ENVELOPE_CLAIM in meta);
}

/** The MCP endpoint's handlers. */
export class McpEndpoint {
  readonly #services: Services;
  readonly #modern: ModernMcpEndpoint;

  constructor(services: Services) {
    this.#services = services;
    this.#modern = new ModernMcpEndpoint(services);
  }

  /** Loads the caller's session named by the request header: 400 without one, 404 unknown. */
  async #requireSession(request: Request, caller: Caller): Promise<SessionRecord> {
    const id = request.headers.get(SESSION_HEADER);
    if (!id) {
      throw new HttpError(400, "Bad Request: Mcp-Session-Id header is required", {
        rpcCode: JsonRpcCode.ServerError,
      });
    }
    if (id.length > 200) throw sessionNotFound();
    const session = await this.#services.sessions.getSession(caller.identity.tenant, id);
    if (!session) throw sessionNotFound();
    return session;
  }

  /** Handles `POST /mcp`. */
  async post(request: Request, caller: Caller, context: RequestContext): Promise<Response> {
    const { config, sessions } = this.#services;
    if (!isJsonContentType(request.headers.get("content-type"))) {
      throw new HttpError(415, "Unsupported Media Type: Content-Type must be application/json");
    }
    const body = parseJson(
      await readBodyText(request, config.maxBodyBytes, {
        timeoutMs: config.bodyTimeoutMs,
        budget: this.#services.limits.bodyBudget(caller.identity.tenant),
      }),
    );
    const id = (body as { id?: unknown } | null)?.id;
    if (typeof id === "string" || typeof id === "number") context.rpcId = id;
    const messages = parseMessages(body);
    checkMcpHeaders(request);
    // The era is chosen here, once: a request with the 2026-07-28 `_meta` envelope (or a
    // modern MCP-Protocol-Version header) takes the stateless path; all else is 2025.
    if (
      !plainlyLegacy(request, body) &&
      !(await isLegacyRequest(request, body, { maxRequestBodySize: config.maxBodyBytes }))
    ) {
      const method = messages.length === 1 ? methodOf(messages[0] as JSONRPCMessage) : undefined;
      context.mcpMethod = summarizeMethods(method !== undefined ? [method] : ["batch"]);
      if (method === "tools/call") this.#services.limits.checkToolCalls(caller.identity.tenant, 1);
      return await this.#modern.serve(request, caller, body, context);
    }
    checkInitializeParams(messages);
    context.mcpMethod = summarizeMethods(
      messages.map(methodOf).filter((method) => method !== undefined),
    ) || "response";
    const toolCalls = messages.filter((message) => methodOf(message) === "tools/call").length;
    const { burst } = this.#services.limits.toolCalls;
    if (toolCalls > burst) {
      // More than the burst could never pass: waiting would not help.
      throw new HttpError(400, `Invalid Request: a batch may hold at most ${burst} tool calls`, {
        rpcCode: JsonRpcCode.InvalidRequest,
      });
    }
    this.#services.limits.checkToolCalls(caller.identity.tenant, toolCalls);
    const url = new URL(request.url);
    const chatId = parseChatId(request);
    checkAccept(request);

    let session: SessionRecord;
    let created = false;
    // The method first: the SDK's check is a Zod parse, which builds an error for every other one.
    if (messages.some((m) => methodOf(m) === "initialize" && isInitializeRequest(m))) {
      if (messages.length > 1) {
        throw new HttpError(400, "Invalid Request: initialize must be sent alone", {
          rpcCode: JsonRpcCode.InvalidRequest,
        });
      }
      session = await this.#createSession(caller, url, chatId, messages[0]);
      created = true;
    } else {
      session = await this.#requireSession(request, caller);
      checkProtocolVersion(request);
      if (chatId !== undefined && chatId !== session.chatId) {
        const read = session;
        const linked = await this.#admitChat(caller, chatId, () => sessions.linkChat(read, chatId));
        if (!linked) throw sessionNotFound();
        session = linked;
      }
    }
    context.session = session.id.slice(0, 8);

    const needsStream = messages.some((message) =>
      isJSONRPCRequest(message) && message.method === "tools/call" &&
      (message.params as { name?: unknown } | undefined)?.name === ENABLE_TOOLS_NAME
    );
    // Touch before serving: a streamed enable-tools call may still be writing the session
    // after #serve returns, and a later touch would overwrite its enabled set.
    if (!created) await sessions.touchSession(session);
    const response = await this.#serve(request, caller, session, messages, needsStream, context);
    if (created && response.status !== 200) await sessions.deleteSession(session);
    const headers = new Headers(response.headers);
    headers.set(SESSION_HEADER, session.id);
    return new Response(response.body, { status: response.status, headers });
  }

  /** Handles `GET /mcp`: no standalone stream is kept (every reply rides its request). */
  async get(request: Request, caller: Caller): Promise<Response> {
    // With a session header, an unknown session is still a 404; without one, 405 as well.
    if (request.headers.has(SESSION_HEADER)) {
      await this.#requireSession(request, caller);
      checkProtocolVersion(request);
    }
    throw new HttpError(405, "Method Not Allowed: this server sends no standalone SSE stream", {
      headers: { allow: "POST, DELETE" },
    });
  }

  /** Handles `DELETE /mcp`: ends the session (and removes it from its chat). */
  async delete(request: Request, caller: Caller, context: RequestContext): Promise<Response> {
    const session = await this.#requireSession(request, caller);
    checkProtocolVersion(request);
    context.session = session.id.slice(0, 8);
    await this.#services.sessions.deleteSession(session, parseChatId(request));
    return new Response(null, { status: 200 });
  }

  /** Runs `link`, which points `chatId` at a session, within the cap when the chat is new. */
  async #admitChat<T>(caller: Caller, chatId: string, link: () => Promise<T>): Promise<T> {
    const { sessions, limits } = this.#services;
    const tenant = caller.identity.tenant;
    if (await sessions.getChat(tenant, chatId)) return await link();
    return await limits.admitChat(tenant, link);
  }

  async #createSession(
    caller: Caller,
    url: URL,
    chatId: string | undefined,
    init: JSONRPCMessage | undefined,
  ): Promise<SessionRecord> {
    const { sessions, catalogs, now } = this.#services;
    const tenant = caller.identity.tenant;
    const mode = parseMode(url);
    const apps = parseApps(url);
    const options = parseSessionOptions(url);
    let enabledTools: string[] = [];
    if (chatId !== undefined && mode === "dynamic") {
      // A chat that resumes keeps the tools it had enabled.
      const chat = await sessions.getChat(tenant, chatId);
      const previous = chat ? await sessions.getSession(tenant, chat.sessionId) : undefined;
      if (previous?.mode === "dynamic") enabledTools = previous.enabledTools;
      else if (chat?.mode === "dynamic") enabledTools = chat.enabledTools ?? [];
    }
    const params = (init as { params?: Record<string, unknown> } | undefined)?.params ?? {};
    const clientInfo = params.clientInfo as { name?: unknown; version?: unknown } | undefined;
    const capabilities = params.capabilities as { elicitation?: { url?: unknown } } | undefined;
    const elicitationUrl = typeof capabilities?.elicitation?.url === "object" &&
      capabilities.elicitation.url !== null;
    const at = now();
    const session: SessionRecord = {
      id: crypto.randomUUID(),
      tenant,
      mode,
      apps,
      enabledTools,
      ...(options ? { options } : {}),
      chatId,
      clientInfo: {
        name: typeof clientInfo?.name === "string" ? clientInfo.name.slice(0, 200) : undefined,
        version: typeof clientInfo?.version === "string"
          ? clientInfo.version.slice(0, 100)
          : undefined,
      },
      ...(elicitationUrl ? { clientCapabilities: { elicitationUrl: true } } : {}),
      protocolVersion: typeof params.protocolVersion === "string"
        ? params.protocolVersion.slice(0, 40)
        : undefined,
      createdAt: at,
      lastSeenAt: at,
    };
    const create = () => sessions.createSession(session);
    await this.#services.limits.admitSession(
      tenant,
      () => chatId === undefined ? create() : this.#admitChat(caller, chatId, create),
    );
    // Warm the catalog while the client finishes its handshake.
    catalogs.prefetch(
      tenant,
      apps ?? undefined,
      this.#services.apiFactory(caller.token),
      session.options,
    );
    return session;
  }

  async #serve(
    request: Request,
    caller: Caller,
    session: SessionRecord,
    messages: JSONRPCMessage[],
    stream: boolean,
    context: RequestContext,
  ): Promise<Response> {
    const { sessions, now, changes } = this.#services;
    const mcpContext = createSessionContext(
      this.#services,
      caller,
      session,
      context,
      async (names) => {
        // Change the served record only once the new set is stored.
        const next = { ...session, enabledTools: names, lastSeenAt: now() };
        const chatId = session.chatId;
        // 2026-07-28 listeners of the chat hear it too (marked in the same commit).
        await sessions.saveSession(
          next,
          chatId === undefined
            ? undefined
            : (op) => changes.markChatChanged(op, next.tenant, chatId),
        );
        Object.assign(session, next);
      },
    );
    if (!stream && messages.length === 1) {
      const direct = answerDirectly(request, messages[0] as JSONRPCMessage, mcpContext);
      if (direct) return await direct;
    }
    const server = createMcpServer(mcpContext);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: !stream,
    });
    await server.connect(transport);
    guardRequestParams(transport);
    const parsedBody = messages.length === 1 ? messages[0] : messages;
    const response = await transport.handleRequest(request, { parsedBody });
    if (!stream) await server.close();
    return response;
  }
}
