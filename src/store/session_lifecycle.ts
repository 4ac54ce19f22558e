/**
 * The lifecycle of a 2025 MCP session and of the chat it serves, in one place next to their
 * store: create (a chat that resumes in dynamic mode inherits the tools it had enabled; a new
 * session, and a new chat, count against the customer's caps), relink (a chat id sent after
 * `initialize` points the chat at the session), touch (record use), save a new enabled set
 * (heard by the chat's 2026-07-28 listeners, marked in the same commit), and end. The HTTP
 * endpoint decides when each happens; this module decides how.
 *
 * @module
 */
import type { ToolMode } from "../tools/session_view.ts";
import type { SessionOptions, SessionRecord, SessionStore } from "./session_store.ts";

/** What a new session is made of, as the request (URL and `initialize`) gave it. */
export interface NewSession {
  tenant: string;
  mode: ToolMode;
  apps: string[] | null;
  options?: SessionOptions;
  chatId?: string;
  clientInfo: { name?: string; version?: string };
  clientCapabilities?: SessionRecord["clientCapabilities"];
  protocolVersion?: string;
}

/** The caps a new session or chat is admitted within (see `Limits`). */
export interface SessionAdmission {
  /** Runs `create` when the customer may have one more session. */
  admitSession<T>(tenant: string, create: () => Promise<T>): Promise<T>;
  /** Runs `create` when the customer may have one more chat. */
  admitChat<T>(tenant: string, create: () => Promise<T>): Promise<T>;
}

/** Options of `SessionLifecycle`. */
export interface SessionLifecycleOptions {
  sessions: SessionStore;
  limits: SessionAdmission;
  /** Marks a chat's enabled set as changed, in the commit that changes it. */
  changes: { markChatChanged(op: Deno.AtomicOperation, tenant: string, chatId: string): void };
  now: () => number;
}

/** Creates, relinks, touches, updates and ends sessions and their chats. */
export class SessionLifecycle {
  readonly #sessions: SessionStore;
  readonly #limits: SessionAdmission;
  readonly #changes: SessionLifecycleOptions["changes"];
  readonly #now: () => number;

  constructor(options: SessionLifecycleOptions) {
    this.#sessions = options.sessions;
    this.#limits = options.limits;
    this.#changes = options.changes;
    this.#now = options.now;
  }

  /** Stores a new session (within the caps) and points its chat, if any, at it. */
  async create(fields: NewSession): Promise<SessionRecord> {
    const { tenant, mode, apps, options, chatId } = fields;
    const enabledTools = chatId !== undefined && mode === "dynamic"
      ? await this.#inheritedTools(tenant, chatId)
      : [];
    const at = this.#now();
    const session: SessionRecord = {
      id: crypto.randomUUID(),
      tenant,
      mode,
      apps,
      enabledTools,
      ...(options ? { options } : {}),
      chatId,
      clientInfo: fields.clientInfo,
      ...(fields.clientCapabilities ? { clientCapabilities: fields.clientCapabilities } : {}),
      protocolVersion: fields.protocolVersion,
      createdAt: at,
      lastSeenAt: at,
    };
    const create = () => this.#sessions.createSession(session);
    await this.#limits.admitSession(
      tenant,
      () => chatId === undefined ? create() : this.#admitChat(tenant, chatId, create),
    );
    return session;
  }

  /** The tools a resuming dynamic chat had enabled: its last session's, else its own record's. */
  async #inheritedTools(tenant: string, chatId: string): Promise<string[]> {
    const chat = await this.#sessions.getChat(tenant, chatId);
    const previous = chat ? await this.#sessions.getSession(tenant, chat.sessionId) : undefined;
    if (previous?.mode === "dynamic") return previous.enabledTools;
    if (chat?.mode === "dynamic") return chat.enabledTools ?? [];
    return [];
  }

  /** Runs `link`, which points `chatId` at a session, within the chat cap when the chat is new. */
  async #admitChat<T>(tenant: string, chatId: string, link: () => Promise<T>): Promise<T> {
    if (await this.#sessions.getChat(tenant, chatId)) return await link();
    return await this.#limits.admitChat(tenant, link);
  }

  /**
   * Points `chatId` at `session` (read by this request) and returns the session as saved;
   * `undefined` when it is gone.
   */
  relink(session: SessionRecord, chatId: string): Promise<SessionRecord | undefined> {
    return this.#admitChat(session.tenant, chatId, () => this.#sessions.linkChat(session, chatId));
  }

  /** Records use of a session (at most one write per `touchIntervalMs`). */
  touch(session: SessionRecord): Promise<void> {
    return this.#sessions.touchSession(session);
  }

  /** Stores a new enabled set; `session` (the served record) changes only once it is stored. */
  async saveEnabledTools(session: SessionRecord, names: string[]): Promise<void> {
    const next = { ...session, enabledTools: names, lastSeenAt: this.#now() };
    const chatId = session.chatId;
    await this.#sessions.saveSession(
      next,
      chatId === undefined
        ? undefined
        : (op) => this.#changes.markChatChanged(op, next.tenant, chatId),
    );
    Object.assign(session, next);
  }

  /** Ends a session and removes it from its chat (and from `alsoChat`, named by the client). */
  end(session: SessionRecord, alsoChat?: string): Promise<void> {
    return this.#sessions.deleteSession(session, alsoChat);
  }
}
