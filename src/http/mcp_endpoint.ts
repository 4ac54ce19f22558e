/**
 * `POST|GET|DELETE /mcp`: MCP Streamable HTTP with sessions kept in Deno KV. Each request
 * gets a fresh SDK transport (stateless mode) and server built from the stored session, so a
 * restart or another instance continues every session.
 *
 * A `POST` (the caller already authenticated by `handler.ts`): the body is read and parsed;
 * the era is chosen (2026-07-28 requests go to `mcp_modern.ts`); 2025 messages are admitted
 * (handshake shape, tool-call rate); the session is resolved through `SessionLifecycle`
 * (created for `initialize`, else loaded, and relinked when another chat is named); then a
 * plain request is answered by `mcp/direct_answer.ts` and any other by the SDK's server.
 *
 * @module
 */
import type { Services } from "../app.ts";
import type { Caller } from "../auth/identity.ts";
import { ENABLE_TOOLS_NAME } from "../mcp/enable_tools.ts";
import { answerDirectly } from "../mcp/direct_answer.ts";
import { createMcpServer } from "../mcp/mcp_server.ts";
import { guardRequestParams } from "../mcp/params_guard.ts";
import { isInitializeMessage, protocolVersionSupported } from "../mcp/request_rules.ts";
import { isPlainObject } from "../util/objects.ts";
import {
  isJSONRPCRequest,
  isLegacyRequest,
  type JSONRPCMessage,
  SUPPORTED_PROTOCOL_VERSIONS,
  WebStandardStreamableHTTPServerTransport,
} from "../sdk/server.ts";
import type { SessionRecord } from "../store/session_store.ts";
import { type NewSession, SessionLifecycle } from "../store/session_lifecycle.ts";
import { isJsonContentType, parseJson, readBodyText } from "./body.ts";
import { HttpError, JsonRpcCode } from "./errors.ts";
import { checkAccept, checkInitializeParams, parseMessages } from "./mcp_messages.ts";
import { parseApps, parseChatId, parseMode, parseSessionOptions } from "./params.ts";
import type { RequestContext } from "./request_context.ts";
import { ModernMcpEndpoint } from "./mcp_modern.ts";
import { createSessionContext } from "./session_context.ts";
import { clip, summarizeMethods } from "../util/text.ts";

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
  if (version !== null && !protocolVersionSupported(version)) {
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
  if (!isPlainObject(body)) return false;
  const version = request.headers.get("mcp-protocol-version")?.trim();
  if (version !== undefined && version >= FIRST_MODERN_REVISION) return false;
  const params = body.params;
  const meta = typeof params === "object" && params !== null
    ? (params as { _meta?: unknown })._meta
    : undefined;
  return !(typeof meta === "object" && meta !== null && ENVELOPE_CLAIM in meta);
}

/**
 * Whether a request is 2026-07-28 traffic by the SDK's own rule without asking it (a Zod
 * classification of tens of microseconds): one JSON-RPC request or notification (no `result`
 * or `error`, a method other than `initialize`) whose `params._meta` makes the envelope claim.
 * The SDK routes every such request to the modern era, which serves or refuses it (a malformed
 * envelope, a mismatched header), never to 2025 serving. Anything else is left to
 * `isLegacyRequest`.
 */
export function plainlyModern(body: unknown): boolean {
  if (!isPlainObject(body) || "result" in body || "error" in body) return false;
  if (typeof body.method !== "string" || body.method === "initialize") return false;
  const params = body.params;
  if (!isPlainObject(params)) return false;
  const meta = params._meta;
  return isPlainObject(meta) && ENVELOPE_CLAIM in meta;
}

/** Whether a batch calls `enable-tools`: its notification needs the reply to be an SSE stream. */
function callsEnableTools(messages: JSONRPCMessage[]): boolean {
  // The method and name first: the SDK's check is a Zod parse.
  return messages.some((message) =>
    methodOf(message) === "tools/call" &&
    (message as { params?: { name?: unknown } }).params?.name === ENABLE_TOOLS_NAME &&
    isJSONRPCRequest(message)
  );
}

/** What `initialize` says about the client, as a session keeps it. */
function describeClient(
  init: JSONRPCMessage | undefined,
): Pick<NewSession, "clientInfo" | "clientCapabilities" | "protocolVersion"> {
  const params = (init as { params?: Record<string, unknown> } | undefined)?.params ?? {};
  const clientInfo = params.clientInfo as { name?: unknown; version?: unknown } | undefined;
  const capabilities = params.capabilities as { elicitation?: { url?: unknown } } | undefined;
  const elicitationUrl = typeof capabilities?.elicitation?.url === "object" &&
    capabilities.elicitation.url !== null;
  return {
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
  };
}

/**
 * The MCP endpoint's handlers. `POST` reads top to bottom: parse, choose the era, admit,
 * resolve the session (create, or resume and relink), serve.
 */
export class McpEndpoint {
  readonly #services: Services;
  readonly #modern: ModernMcpEndpoint;
  readonly #lifecycle: SessionLifecycle;

  constructor(services: Services) {
    this.#services = services;
    this.#modern = new ModernMcpEndpoint(services);
    this.#lifecycle = new SessionLifecycle(services);
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
    const { body, messages } = await this.#parse(request, caller, context);
    checkMcpHeaders(request);
    // The era is chosen here, once: a request with the 2026-07-28 `_meta` envelope (or a
    // modern MCP-Protocol-Version header) takes the stateless path; all else is 2025.
    if (
      !plainlyLegacy(request, body) &&
      (plainlyModern(body) ||
        !(await isLegacyRequest(request, body, {
          maxRequestBodySize: this.#services.config.maxBodyBytes,
        })))
    ) {
      const method = messages.length === 1 ? methodOf(messages[0] as JSONRPCMessage) : undefined;
      context.mcpMethod = summarizeMethods(method !== undefined ? [method] : ["batch"]);
      if (method === "tools/call") this.#services.limits.checkToolCalls(caller.identity.tenant, 1);
      return await this.#modern.serve(request, caller, body, context);
    }
    this.#admit(caller, messages, context);
    const chatId = parseChatId(request);
    checkAccept(request);

    const { session, created } = await this.#resolveSession(request, caller, chatId, messages);
    context.session = session.id.slice(0, 8);
    // Touch before serving: a streamed enable-tools call may still be writing the session
    // after #serve returns, and a later touch would overwrite its enabled set.
    if (!created) await this.#lifecycle.touch(session);
    const stream = callsEnableTools(messages);
    const response = await this.#serve(request, caller, session, messages, stream, context);
    if (created && response.status !== 200) await this.#lifecycle.end(session);
    return response;
  }

  /** Reads the body (within the size, time and memory limits) and its JSON-RPC messages. */
  async #parse(
    request: Request,
    caller: Caller,
    context: RequestContext,
  ): Promise<{ body: unknown; messages: JSONRPCMessage[] }> {
    const { config, limits } = this.#services;
    if (!isJsonContentType(request.headers.get("content-type"))) {
      throw new HttpError(415, "Unsupported Media Type: Content-Type must be application/json");
    }
    const body = parseJson(
      await readBodyText(request, config.maxBodyBytes, {
        timeoutMs: config.bodyTimeoutMs,
        budget: limits.bodyBudget(caller.identity.tenant),
      }),
    );
    const id = (body as { id?: unknown } | null)?.id;
    if (typeof id === "string" || typeof id === "number") context.rpcId = id;
    return { body, messages: parseMessages(body) };
  }

  /** 2025 messages admitted: a well-formed handshake, tool calls within the customer's rate. */
  #admit(caller: Caller, messages: JSONRPCMessage[], context: RequestContext): void {
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
  }

  /**
   * The session the messages are served in: a new one for `initialize` (sent alone), else the
   * one named by the header, pointed at `chatId` when the client names another chat.
   */
  async #resolveSession(
    request: Request,
    caller: Caller,
    chatId: string | undefined,
    messages: JSONRPCMessage[],
  ): Promise<{ session: SessionRecord; created: boolean }> {
    // The method first: the SDK's check is a Zod parse, which builds an error for every other one.
    if (messages.some(isInitializeMessage)) {
      if (messages.length > 1) {
        throw new HttpError(400, "Invalid Request: initialize must be sent alone", {
          rpcCode: JsonRpcCode.InvalidRequest,
        });
      }
      return {
        session: await this.#createSession(request, caller, chatId, messages[0]),
        created: true,
      };
    }
    const session = await this.#requireSession(request, caller);
    checkProtocolVersion(request);
    if (chatId === undefined || chatId === session.chatId) return { session, created: false };
    const linked = await this.#lifecycle.relink(session, chatId);
    if (!linked) throw sessionNotFound();
    return { session: linked, created: false };
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
    await this.#lifecycle.end(session, parseChatId(request));
    return new Response(null, { status: 200 });
  }

  /** A new session from the URL's parameters and the `initialize` request; warms its catalog. */
  async #createSession(
    request: Request,
    caller: Caller,
    chatId: string | undefined,
    init: JSONRPCMessage | undefined,
  ): Promise<SessionRecord> {
    const url = new URL(request.url);
    const tenant = caller.identity.tenant;
    const mode = parseMode(url);
    const apps = parseApps(url);
    const options = parseSessionOptions(url);
    const session = await this.#lifecycle.create({
      tenant,
      mode,
      apps,
      options,
      chatId,
      ...describeClient(init),
    });
    // Warm the catalog while the client finishes its handshake.
    this.#services.catalogs.prefetch(
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
    const mcpContext = createSessionContext(
      this.#services,
      caller,
      session,
      context,
      (names) => this.#lifecycle.saveEnabledTools(session, names),
    );
    // The session header goes in with the response's own headers: setting (or even reading)
    // the headers of a made response takes Deno off its fast path for the body (about 0.2 ms
    // more per 1,000-tool listing).
    const sessionHeader = { [SESSION_HEADER]: session.id };
    if (!stream && messages.length === 1) {
      const direct = answerDirectly(
        request,
        messages[0] as JSONRPCMessage,
        mcpContext,
        sessionHeader,
      );
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
    const headers = new Headers(response.headers);
    headers.set(SESSION_HEADER, session.id);
    return new Response(response.body, { status: response.status, headers });
  }
}
