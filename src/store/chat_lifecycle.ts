/**
 * The lifecycle of a chat served by 2026-07-28 requests, which have no session: the chat named
 * by `x-chat-id` carries the state (dynamic mode's enabled set). Resolve (read the chat, and
 * build the record the request is served with), admit (a new chat counts against the
 * customer's chat cap), save a new enabled set (heard by the chat's listeners, marked in the
 * same commit), and keep (record its use once the request is served: a refused request leaves
 * no chat). The 2025 side is `session_lifecycle.ts`; the HTTP endpoint decides when each
 * happens, this module decides how.
 *
 * @module
 */
import type { ToolMode } from "../tools/session_view.ts";
import type { SessionLifecycleOptions } from "./session_lifecycle.ts";
import {
  type ChatRecord,
  type SessionOptions,
  type SessionRecord,
  STATELESS_SESSION_ID,
} from "./session_store.ts";

/** What a 2026-07-28 request asks of its chat, as its URL, headers and `_meta` gave it. */
export interface ChatRequest {
  tenant: string;
  /** The `x-chat-id` header; without it the request has no state beyond itself. */
  chatId?: string;
  mode: ToolMode;
  apps: string[] | null;
  options?: SessionOptions;
  /** Whether the client declared URL-mode elicitation. */
  elicitationUrl: boolean;
}

/** The state one 2026-07-28 request is served with. */
export interface ChatState {
  readonly request: ChatRequest;
  /** The record the request is served with (`STATELESS_SESSION_ID`: there is no session). */
  readonly session: SessionRecord;
  /** The chat as last read or written by this request; `undefined` while it does not exist. */
  chat: ChatRecord | undefined;
}

/** Resolves, admits, updates and keeps the chats of 2026-07-28 requests. */
export class ChatLifecycle {
  readonly #deps: SessionLifecycleOptions;

  constructor(options: SessionLifecycleOptions) {
    this.#deps = options;
  }

  /**
   * Reads the request's chat and builds the record it is served with: a dynamic chat's
   * enabled set carries over to a dynamic request. Writes nothing.
   */
  async resolve(request: ChatRequest): Promise<ChatState> {
    const { tenant, chatId, mode, apps, options } = request;
    const chat = chatId !== undefined
      ? await this.#deps.sessions.getChat(tenant, chatId)
      : undefined;
    const at = this.#deps.now();
    const session: SessionRecord = {
      id: STATELESS_SESSION_ID,
      tenant,
      mode,
      apps,
      enabledTools: mode === "dynamic" && chat?.mode === "dynamic" ? chat.enabledTools : [],
      ...(options ? { options } : {}),
      chatId,
      ...(request.elicitationUrl ? { clientCapabilities: { elicitationUrl: true } } : {}),
      createdAt: at,
      lastSeenAt: at,
    };
    return { request, session, chat };
  }

  /** Runs `serve`; a chat id not seen before counts against the chat cap first. */
  async admit<T>(state: ChatState, serve: () => Promise<T>): Promise<T> {
    return state.request.chatId !== undefined && state.chat === undefined
      ? await this.#deps.limits.admitChat(state.request.tenant, serve)
      : await serve();
  }

  /**
   * Stores a new enabled set in the chat `chatId` (the request's), with its change marker;
   * the served record changes only once it is stored.
   */
  async saveEnabledTools(state: ChatState, chatId: string, names: string[]): Promise<void> {
    const { tenant, mode, apps, options } = state.request;
    state.chat = await this.#deps.sessions.touchStatelessChat(
      tenant,
      chatId,
      { mode, apps, options, enabledTools: names },
      state.chat,
      (op) => this.#deps.changes.markChatChanged(op, tenant, chatId),
    );
    state.session.enabledTools = names;
  }

  /** Records that the request's chat was used (creating it when new); none: nothing to do. */
  async keep(state: ChatState): Promise<void> {
    const { tenant, chatId, mode, apps, options } = state.request;
    if (chatId === undefined) return;
    state.chat = await this.#deps.sessions.touchStatelessChat(
      tenant,
      chatId,
      { mode, apps, options },
      state.chat,
    );
  }
}
