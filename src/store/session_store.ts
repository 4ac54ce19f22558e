/**
 * MCP sessions and chats in Deno KV. Every key starts with the tenant, so one customer can
 * never read, use or delete another's records.
 *
 * @module
 */

import type { ToolMode, ToolViewOptions } from "../tools/session_view.ts";
import { LruMap } from "../util/concurrency.ts";

/**
 * The session id a chat of 2026-07-28 clients shows: that revision has no sessions, and the
 * chat itself carries the state (its enabled set).
 */
export const STATELESS_SESSION_ID = "stateless";

/**
 * More writes for the same atomic commit as a record (e.g. a change marker): one transaction
 * instead of two, which matters to a KV file shared by several processes.
 */
export type AlsoWrite = (op: Deno.AtomicOperation) => void;

/**
 * Parameters of a session (or chat) beyond mode and apps: `readOnly`, `tools`,
 * `maxNameLength` (its view of the catalog) and `maxResultBytes` (its result size cap).
 */
export interface SessionOptions extends ToolViewOptions {
  /** Largest result text in bytes; 0 = no cap; absent = the server's `MAX_RESULT_BYTES`. */
  maxResultBytes?: number;
}

/** An MCP session, as stored. */
export interface SessionRecord {
  id: string;
  tenant: string;
  mode: ToolMode;
  /** Integration keys the session is limited to; `null` = every app. */
  apps: string[] | null;
  /** Tools enabled through `enable-tools` (dynamic mode). */
  enabledTools: string[];
  /** `readOnly`, `tools`, `maxNameLength`, `maxResultBytes`; absent when none was given. */
  options?: SessionOptions;
  chatId?: string;
  clientInfo?: { name?: string; version?: string };
  /** What the client declared it can do, as far as this server cares. */
  clientCapabilities?: {
    /** URL-mode elicitation (2025-11-25 `elicitation.url`). */
    elicitationUrl?: boolean;
  };
  protocolVersion?: string;
  createdAt: number;
  lastSeenAt: number;
}

/** A chat of a customer, tied to its current MCP session. */
export interface ChatRecord {
  chatId: string;
  sessionId: string;
  mode: ToolMode;
  apps: string[] | null;
  /** The tools its session had enabled, so a re-initialized chat resumes with them. */
  enabledTools: string[];
  /** Its session's parameters beyond mode and apps. */
  options?: SessionOptions;
  createdAt: number;
  lastSeenAt: number;
}

/** What a 2026-07-28 request keeps in its chat: its view, and a new enabled set if any. */
interface StatelessChatFields {
  mode: ToolMode;
  apps: string[] | null;
  options?: SessionOptions;
  /** A new enabled set (the chat's tool mode is then the request's); absent: unchanged. */
  enabledTools?: string[];
}

/** The chat `current` becomes when a 2026-07-28 request keeps it at `now` (or it is created). */
function statelessChat(
  chatId: string,
  fields: StatelessChatFields,
  current: ChatRecord | undefined,
  now: number,
): ChatRecord {
  if (!current) {
    return {
      chatId,
      sessionId: STATELESS_SESSION_ID,
      mode: fields.mode,
      apps: fields.apps,
      enabledTools: fields.enabledTools ?? [],
      ...(fields.options ? { options: fields.options } : {}),
      createdAt: now,
      lastSeenAt: now,
    };
  }
  if (fields.enabledTools === undefined) return { ...current, lastSeenAt: now };
  const { enabledTools, mode, apps, options } = fields;
  return { ...current, enabledTools, mode, apps, options, lastSeenAt: now };
}

/** Options for `SessionStore`. */
export interface SessionStoreOptions {
  kv: Deno.Kv;
  sessionTtlMs: number;
  chatTtlMs: number;
  /**
   * How long a static session, as this instance last read or wrote it, answers reads without
   * KV (0: every read goes to KV). A session ended or changed through another instance is seen
   * here within this time; through this instance, at once. Dynamic sessions always read KV.
   */
  cacheMs?: number;
  now?: () => number;
}

/** A static session as this instance last read or wrote it in KV, and when. */
interface Remembered {
  record: SessionRecord;
  /** When KV held it so (the read's or the write's time). */
  at: number;
}

/** How many sessions are remembered at most (a few hundred bytes each). */
const REMEMBERED_SESSIONS = 10_000;

/**
 * Retries of one session or chat write (or delete) that lost a race (a concurrent write between
 * its read and its commit) before it gives up: each retry reads again, so only a record rewritten without pause
 * runs out of them.
 */
const MAX_COMMIT_RETRIES = 10;
/**
 * Attempts of a plain save that also refresh the session's chat: after these many lost races
 * on a busy chat, the session is written alone (its chat has moved on to another session).
 */
const CHAT_REFRESH_ATTEMPTS = 3;
/** Attempts of `linkChat` before it gives up on a session that keeps changing under it. */
const MAX_LINK_ATTEMPTS = 20;

const sessionKey = (tenant: string, id: string): Deno.KvKey => ["sessions", tenant, id];
const chatKey = (tenant: string, chatId: string): Deno.KvKey => ["chats", tenant, chatId];
/** The tenant's length first, so no two (tenant, id) pairs share a key. */
const rememberedKey = (tenant: string, id: string): string => `${tenant.length}:${tenant}${id}`;

/** Reads and writes sessions and chats. */
export class SessionStore {
  readonly #kv: Deno.Kv;
  readonly #sessionTtlMs: number;
  readonly #chatTtlMs: number;
  readonly #now: () => number;
  /** The KV version each session record was read at, for conditional writes. */
  readonly #versions = new WeakMap<SessionRecord, string>();
  readonly #cacheMs: number;
  readonly #remembered = new LruMap<string, Remembered>(REMEMBERED_SESSIONS);
  /** Counts session writes begun or ended here: a read that overlaps one is not remembered. */
  #writes = 0;

  constructor(options: SessionStoreOptions) {
    this.#kv = options.kv;
    this.#sessionTtlMs = options.sessionTtlMs;
    this.#chatTtlMs = options.chatTtlMs;
    this.#cacheMs = options.cacheMs ?? 0;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Keeps a static session that KV holds at `versionstamp` as of now. Only static sessions:
   * what changes in them (last use, chat) is written over the version read, so a stale copy
   * never overwrites a newer record; a dynamic session's enabled set must be read where used.
   */
  #remember(record: SessionRecord, versionstamp: string): void {
    this.#versions.set(record, versionstamp);
    if (this.#cacheMs <= 0 || record.mode === "dynamic") return;
    this.#remembered.set(rememberedKey(record.tenant, record.id), { record, at: this.#now() });
  }

  /** Forgets a session this instance changes or ends (its next read goes to KV). */
  #forget(tenant: string, id: string): void {
    this.#writes++;
    this.#remembered.delete(rememberedKey(tenant, id));
  }

  /** Runs `write`, which changes or ends a session, with the session forgotten before and after. */
  async #changing<T>(tenant: string, id: string, write: () => Promise<T>): Promise<T> {
    this.#forget(tenant, id);
    try {
      return await write();
    } finally {
      this.#forget(tenant, id);
    }
  }

  /** A remembered session still live and read from KV within `cacheMs`, else `undefined`. */
  #recall(tenant: string, id: string): SessionRecord | undefined {
    if (this.#cacheMs <= 0) return undefined;
    const remembered = this.#remembered.get(rememberedKey(tenant, id));
    if (!remembered || this.#now() - remembered.at >= this.#cacheMs) return undefined;
    return this.#live(remembered.record, this.#sessionTtlMs);
  }

  /** The minimum time between two "last seen" writes of one record. */
  get touchIntervalMs(): number {
    return Math.min(60_000, Math.floor(this.#sessionTtlMs / 10));
  }

  #chatOf(record: SessionRecord, existing: ChatRecord | undefined): ChatRecord {
    return {
      chatId: record.chatId as string,
      sessionId: record.id,
      mode: record.mode,
      apps: record.apps,
      enabledTools: record.enabledTools,
      ...(record.options ? { options: record.options } : {}),
      createdAt: existing?.createdAt ?? record.createdAt,
      lastSeenAt: record.lastSeenAt,
    };
  }

  /**
   * Commits the chain `build` adds to (anew for each attempt, as it reads what it checks) until it
   * goes through. With `guard` (a session key and the version the write is for; `null`: none
   * yet), a failure caused by a change of that session ends it: returns false. Any other lost
   * race (a chat changed meanwhile) is retried, at most `MAX_COMMIT_RETRIES` times. Returns the
   * commit's versionstamp.
   */
  async #commitRetrying(
    build: (op: Deno.AtomicOperation, attempt: number) => Promise<void>,
    guard?: { key: Deno.KvKey; versionstamp: string | null },
  ): Promise<string | false> {
    for (let attempt = 0;; attempt++) {
      const op = this.#kv.atomic();
      await build(op, attempt);
      const result = await op.commit();
      if (result.ok) return result.versionstamp;
      if (guard) {
        const current = await this.#kv.get(guard.key);
        if (current.versionstamp !== guard.versionstamp) return false;
      }
      if (attempt >= MAX_COMMIT_RETRIES) {
        throw new Error("Cannot write session or chat: its records keep changing");
      }
    }
  }

  /** Adds to `op`: `record` written over `versionstamp` (`null`: a new one; `undefined`: any). */
  #writeSession(
    op: Deno.AtomicOperation,
    record: SessionRecord,
    versionstamp?: string | null,
  ): void {
    const key = sessionKey(record.tenant, record.id);
    if (versionstamp !== undefined) op.check({ key, versionstamp });
    op.set(key, record, { expireIn: this.#sessionTtlMs });
  }

  /**
   * Adds to `op`: the session's chat points at it (the last writer wins), and `previousChat`,
   * if it still points here, lets it go.
   */
  async #pointChat(
    op: Deno.AtomicOperation,
    record: SessionRecord,
    previousChat?: string,
  ): Promise<void> {
    if (record.chatId) {
      const entry = await this.#kv.get<ChatRecord>(chatKey(record.tenant, record.chatId));
      const chat = this.#live(entry.value, this.#chatTtlMs);
      op.set(entry.key, this.#chatOf(record, chat), { expireIn: this.#chatTtlMs });
    }
    if (previousChat && previousChat !== record.chatId) {
      const entry = await this.#kv.get<ChatRecord>(chatKey(record.tenant, previousChat));
      if (entry.value?.sessionId === record.id) op.check(entry).delete(entry.key);
    }
  }

  /**
   * Adds to `op` a refresh of the session's chat while it still points here, over the version
   * read: a chat that another request re-pointed meanwhile is never overwritten with an old
   * view. After `CHAT_REFRESH_ATTEMPTS` lost races the session is written alone.
   */
  async #refreshChat(
    op: Deno.AtomicOperation,
    record: SessionRecord,
    attempt: number,
  ): Promise<void> {
    if (!record.chatId || attempt >= CHAT_REFRESH_ATTEMPTS) return;
    const entry = await this.#kv.get<ChatRecord>(chatKey(record.tenant, record.chatId));
    const chat = this.#live(entry.value, this.#chatTtlMs);
    if (chat?.sessionId === record.id) {
      op.check(entry).set(entry.key, this.#chatOf(record, chat), { expireIn: this.#chatTtlMs });
    }
  }

  /** Creates a session; when it names a chat, the chat now points to it. */
  async createSession(record: SessionRecord): Promise<void> {
    const created = await this.#commitRetrying(
      async (op) => {
        this.#writeSession(op, record, null);
        await this.#pointChat(op, record);
      },
      { key: sessionKey(record.tenant, record.id), versionstamp: null },
    );
    if (!created) throw new Error("Cannot create session: id already taken");
    this.#remember(record, created);
  }

  /**
   * Points `chatId` at the session `read` (a chat id sent after initialize) and returns the
   * session as saved; the chat it belonged to before no longer lists it. The session is
   * written only over the version read, so concurrent links never leave a chat pointing at a
   * session that names another one. A link that loses the race to another link is ordered
   * before it: the other chat wins (as if this one had been linked first, then moved on), and
   * the session is returned as the winner saved it. A race with any other write is retried.
   * `undefined` when the session is gone.
   */
  linkChat(read: SessionRecord, chatId: string): Promise<SessionRecord | undefined> {
    return this.#changing(read.tenant, read.id, () => this.#link(read, chatId));
  }

  async #link(read: SessionRecord, chatId: string): Promise<SessionRecord | undefined> {
    const key = sessionKey(read.tenant, read.id);
    let current: SessionRecord | undefined = read;
    let version = this.#versions.get(read);
    for (let attempt = 0; attempt < MAX_LINK_ATTEMPTS; attempt++) {
      if (version === undefined) {
        const entry = await this.#kv.get<SessionRecord>(key);
        current = this.#live(entry.value, this.#sessionTtlMs);
        if (!current || !entry.versionstamp) return undefined;
        version = entry.versionstamp;
        this.#versions.set(current, version);
        if (attempt > 0 && current.chatId !== read.chatId) return current;
      }
      if (!current) return undefined;
      const next = { ...current, chatId, lastSeenAt: this.#now() };
      const previousChat = current.chatId;
      const readAt = version;
      const linked = await this.#commitRetrying(async (op) => {
        this.#writeSession(op, next, readAt);
        await this.#pointChat(op, next, previousChat);
      }, { key, versionstamp: readAt });
      if (linked) return next;
      version = undefined;
    }
    throw new Error("Cannot link chat: its session keeps changing");
  }

  /** A session of `tenant`, or `undefined` (unknown, expired, or another tenant's). */
  async getSession(tenant: string, id: string): Promise<SessionRecord | undefined> {
    const recalled = this.#recall(tenant, id);
    if (recalled) return recalled;
    const writes = this.#writes;
    const entry = await this.#kv.get<SessionRecord>(sessionKey(tenant, id));
    const session = this.#live(entry.value, this.#sessionTtlMs);
    if (!session || !entry.versionstamp) return session;
    if (writes === this.#writes) this.#remember(session, entry.versionstamp);
    else this.#versions.set(session, entry.versionstamp);
    return session;
  }

  /** The live sessions of `tenant`, counted up to `limit`. */
  countSessions(tenant: string, limit: number): Promise<number> {
    return this.#countLive(["sessions", tenant], this.#sessionTtlMs, limit);
  }

  /** The live records under `prefix`, counted up to `limit`. */
  async #countLive(prefix: Deno.KvKey, ttlMs: number, limit: number): Promise<number> {
    let count = 0;
    const entries = this.#kv.list<{ lastSeenAt: number }>({ prefix }, { batchSize: 500 });
    for await (const entry of entries) {
      if (this.#live(entry.value, ttlMs) && ++count >= limit) break;
    }
    return count;
  }

  /** KV expiry is lazy: a record idle for longer than its TTL counts as gone anyway. */
  #live<T extends { lastSeenAt: number }>(value: T | null, ttlMs: number): T | undefined {
    if (!value || this.#now() - value.lastSeenAt > ttlMs) return undefined;
    return value;
  }

  /** Writes back a changed session (and refreshes its chat while it points here), with `also`. */
  async saveSession(record: SessionRecord, also?: AlsoWrite): Promise<void> {
    await this.#changing(
      record.tenant,
      record.id,
      () =>
        this.#commitRetrying(async (op, attempt) => {
          this.#writeSession(op, record);
          await this.#refreshChat(op, record, attempt);
          also?.(op);
        }),
    );
  }

  /** Records use of a session, writing at most once per `touchIntervalMs`. */
  async touchSession(record: SessionRecord): Promise<void> {
    const now = this.#now();
    if (now - record.lastSeenAt < this.touchIntervalMs) return;
    // Only over the version this request read: a concurrent write (e.g. a new enabled set)
    // is newer, and already refreshed the expiry.
    const version = this.#versions.get(record);
    if (version === undefined) return;
    const touched = { ...record, lastSeenAt: now };
    await this.#changing(
      record.tenant,
      record.id,
      () =>
        this.#commitRetrying(async (op, attempt) => {
          this.#writeSession(op, touched, version);
          await this.#refreshChat(op, touched, attempt);
        }, { key: sessionKey(record.tenant, record.id), versionstamp: version }),
    );
  }

  /** Ends a session and removes it from its chat (and from `alsoChat`, named by the client). */
  async deleteSession(record: SessionRecord, alsoChat?: string): Promise<void> {
    await this.#changing(record.tenant, record.id, () =>
      this.#commitRetrying(async (op) => {
        op.delete(sessionKey(record.tenant, record.id));
        for (const chatId of new Set([record.chatId, alsoChat])) {
          if (!chatId) continue;
          const chat = await this.#kv.get<ChatRecord>(chatKey(record.tenant, chatId));
          if (chat.value?.sessionId === record.id) op.check(chat).delete(chat.key);
        }
      }));
  }

  /** A chat of `tenant`, or `undefined`. */
  async getChat(tenant: string, chatId: string): Promise<ChatRecord | undefined> {
    const entry = await this.#kv.get<ChatRecord>(chatKey(tenant, chatId));
    return this.#live(entry.value, this.#chatTtlMs);
  }

  /**
   * Keeps a chat used by 2026-07-28 requests (which have no session): creates it when absent
   * (pointing at `STATELESS_SESSION_ID`), refreshes its last use at most once per
   * `touchIntervalMs` after `existing` (as the request read it), and stores `enabledTools` when
   * given (its tool mode is then dynamic). One chain over the chat as it is when written, so a
   * chat that points at a 2025 session (even one that took it meanwhile) keeps pointing there.
   * Returns the chat as stored.
   */
  async touchStatelessChat(
    tenant: string,
    chatId: string,
    fields: StatelessChatFields,
    existing: ChatRecord | undefined,
    also?: AlsoWrite,
  ): Promise<ChatRecord> {
    const now = this.#now();
    if (
      existing && fields.enabledTools === undefined &&
      now - existing.lastSeenAt < this.touchIntervalMs
    ) {
      return existing;
    }
    const key = chatKey(tenant, chatId);
    let chat: ChatRecord | undefined;
    await this.#commitRetrying(async (op) => {
      const entry = await this.#kv.get<ChatRecord>(key);
      chat = statelessChat(chatId, fields, this.#live(entry.value, this.#chatTtlMs), now);
      op.check(entry).set(key, chat, { expireIn: this.#chatTtlMs });
      also?.(op);
    });
    return chat as ChatRecord;
  }

  /**
   * The chats of `tenant` in chat id order, `limit` at most, after `cursor` (from an earlier
   * page); `next` is the cursor of the following page, `undefined` after the last one.
   * Throws `TypeError` for a cursor KV cannot read.
   */
  async listChats(
    tenant: string,
    options: { limit?: number; cursor?: string } = {},
  ): Promise<{ chats: ChatRecord[]; next?: string }> {
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    const chats: ChatRecord[] = [];
    const entries = this.#kv.list<ChatRecord>({ prefix: ["chats", tenant] }, {
      cursor: options.cursor,
      batchSize: Math.min(500, limit),
    });
    let next: string | undefined;
    for await (const entry of entries) {
      const chat = this.#live(entry.value, this.#chatTtlMs);
      if (!chat) continue;
      chats.push(chat);
      if (chats.length >= limit) {
        next = entries.cursor;
        break;
      }
    }
    // A full page may be the last one: the next page is then empty, which is harmless.
    return { chats, next };
  }

  /** The live chats of `tenant`, counted up to `limit`. */
  countChats(tenant: string, limit: number): Promise<number> {
    return this.#countLive(["chats", tenant], this.#chatTtlMs, limit);
  }

  /** Ends a chat and its current session. Returns false when the chat does not exist. */
  async deleteChat(tenant: string, chatId: string): Promise<boolean> {
    if (!(await this.getChat(tenant, chatId))) return false;
    let ended: string | undefined;
    await this.#commitRetrying(async (op) => {
      const chat = await this.#kv.get<ChatRecord>(chatKey(tenant, chatId));
      op.check(chat).delete(chat.key);
      if (!chat.value) return;
      ended = chat.value.sessionId;
      this.#forget(tenant, ended);
      // The session ends with the chat only while it is still that chat's session.
      const session = await this.#kv.get<SessionRecord>(sessionKey(tenant, chat.value.sessionId));
      if (session.value?.chatId === chatId) op.check(session).delete(session.key);
    });
    if (ended !== undefined) this.#forget(tenant, ended);
    return true;
  }
}
