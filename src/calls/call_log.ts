/**
 * The per-customer call log: every tool call (time, tool, chat, era, status, duration,
 * `actionRunId`, argument names; argument values only when configured), kept in Deno KV with a
 * TTL and bounded per customer. Recording never waits for KV: entries are queued and written
 * in batches in the background. Never holds a token.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { BackgroundTasks } from "../util/background.ts";
import { LruMap } from "../util/concurrency.ts";

/** How a call ended. */
export type CallStatus = "ok" | "error" | "refused" | "invalid_arguments";

/** What the call path reports about one call. */
export interface CallInput {
  tool: string;
  chatId?: string;
  sessionId?: string;
  /** Protocol generation: `sessions` (2025-03-26 … 2025-11-25) or `stateless` (2026-07-28). */
  era: string;
  status: CallStatus;
  durationMs: number;
  actionRunId?: string;
  /** The call's arguments; only their names are kept unless values are configured. */
  arguments?: Record<string, unknown>;
  /** The kind of failure, when it failed (`action_failed`, `rate_limited`, …). */
  errorKind?: string;
}

/** One call as stored and as `GET /mcp/calls` shows it. */
export interface CallRecord {
  id: string;
  at: string;
  tool: string;
  chatId?: string;
  /** The first characters of the MCP session id. */
  session?: string;
  era: string;
  status: CallStatus;
  durationMs: number;
  actionRunId?: string;
  argumentNames: string[];
  /** Only with `LOG_ARGUMENT_VALUES=true`; credential-like fields redacted. */
  arguments?: Record<string, unknown>;
  errorKind?: string;
}

/** Options of `CallLog`. */
export interface CallLogOptions {
  kv: Deno.Kv;
  logger: Logger;
  background: BackgroundTasks;
  /** How long a call is kept. */
  ttlMs: number;
  /** Calls kept per customer (0 = no call log). */
  maxPerTenant: number;
  /** Whether argument values are kept (names always are). */
  logArgumentValues: boolean;
  /** How long entries wait in memory to be written together. */
  flushDelayMs?: number;
  now?: () => number;
}

/** A page of `CallLog.list`. */
export interface CallPage {
  calls: CallRecord[];
  /** Pass as `cursor` for the next (older) page; `null` at the end. */
  nextCursor: string | null;
}

/** The shape of a call id (and of a cursor): time then randomness, as hex. */
export const CALL_ID_PATTERN = /^[0-9a-f]{20}$/;
const SECRET_FIELD = /token|secret|password|passwd|authori[sz]ation|api[-_]?key|cookie|credential/i;
const MAX_VALUES_CHARS = 2000;
const MAX_QUEUE = 10_000;
const BATCH = 100;

const callKey = (tenant: string, id: string): Deno.KvKey => ["calls", tenant, id];

function redact(value: unknown, depth = 0): unknown {
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  if (typeof value !== "object" || value === null || depth > 8) return value;
  return Object.fromEntries(
    Object.entries(value).map((
      [key, item],
    ) => [key, SECRET_FIELD.test(key) ? "[redacted]" : redact(item, depth + 1)]),
  );
}

/** Argument values as kept in the log: credential-like fields redacted, size bounded. */
export function loggedValues(args: Record<string, unknown>): Record<string, unknown> {
  const redacted = redact(args) as Record<string, unknown>;
  const json = JSON.stringify(redacted);
  if (json.length <= MAX_VALUES_CHARS) return redacted;
  return { "[truncated]": json.slice(0, MAX_VALUES_CHARS) };
}

/** Writes and reads the call log. */
export class CallLog {
  /** The options, with their defaults filled in. */
  readonly #options: Required<CallLogOptions>;
  #queue: { tenant: string; record: CallRecord }[] = [];
  #flushing: Promise<void> | undefined;
  #dropped = 0;
  #lastAt = 0;
  #seq = 0;
  /**
   * Per tenant: calls in its log as far as this instance knows. `known` once a full count was
   * made; until then `count` is the writes of this instance.
   */
  readonly #counts = new LruMap<string, { count: number; known: boolean }>(10_000);

  constructor(options: CallLogOptions) {
    this.#options = {
      ...options,
      flushDelayMs: options.flushDelayMs ?? 50,
      now: options.now ?? Date.now,
    };
  }

  /** Whether calls are recorded at all. */
  get enabled(): boolean {
    return this.#options.maxPerTenant > 0;
  }

  /** Queues a call of `tenant`; returns at once (the write happens in the background). */
  record(tenant: string, input: CallInput): void {
    if (this.#options.maxPerTenant <= 0) return;
    // Ids sort by time, then by order of recording within one millisecond.
    const at = Math.max(this.#options.now(), this.#lastAt);
    this.#seq = at === this.#lastAt ? (this.#seq + 1) & 0xffff : 0;
    this.#lastAt = at;
    const random = Math.floor(Math.random() * 0x10000).toString(16).padStart(4, "0");
    const record: CallRecord = {
      id: at.toString(16).padStart(12, "0") + this.#seq.toString(16).padStart(4, "0") + random,
      at: new Date(at).toISOString(),
      tool: input.tool,
      era: input.era,
      status: input.status,
      durationMs: Math.round(input.durationMs * 10) / 10,
      argumentNames: input.arguments ? Object.keys(input.arguments) : [],
    };
    if (input.chatId !== undefined) record.chatId = input.chatId;
    if (input.sessionId !== undefined) record.session = input.sessionId.slice(0, 8);
    if (input.actionRunId !== undefined) record.actionRunId = input.actionRunId;
    if (input.errorKind !== undefined) record.errorKind = input.errorKind;
    if (this.#options.logArgumentValues && input.arguments) {
      record.arguments = loggedValues(input.arguments);
    }
    if (this.#queue.length >= MAX_QUEUE) {
      this.#queue.shift();
      this.#dropped++;
    }
    this.#queue.push({ tenant, record });
    if (!this.#flushing) {
      this.#flushing = new Promise<void>((resolve) =>
        setTimeout(resolve, this.#options.flushDelayMs)
      )
        .then(() => this.#write());
      this.#options.background.run(this.#flushing, (error) => {
        this.#options.logger.warn("cannot write the call log", { error });
      });
    }
  }

  /** Writes every queued call now (e.g. before reading the log). */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing.catch(() => {});
  }

  async #write(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, BATCH);
        const op = this.#options.kv.atomic();
        for (const { tenant, record } of batch) {
          op.set(callKey(tenant, record.id), record, { expireIn: this.#options.ttlMs });
        }
        await op.commit();
        const due = new Set<string>();
        for (const { tenant } of batch) {
          const state = this.#counts.get(tenant) ?? { count: 0, known: false };
          state.count++;
          this.#counts.set(tenant, state);
          const limit = state.known
            ? this.#options.maxPerTenant + this.#trimEvery
            : this.#trimEvery;
          if (state.count >= limit) due.add(tenant);
        }
        for (const tenant of due) await this.#trim(tenant);
      }
      if (this.#dropped > 0) {
        this.#options.logger.warn("call log entries dropped: KV too slow", {
          dropped: this.#dropped,
        });
        this.#dropped = 0;
      }
    } finally {
      this.#flushing = undefined;
    }
  }

  /**
   * Writes of a tenant between two trims: the log holds at most 1.5 times its bound (per
   * replica) between trims.
   */
  get #trimEvery(): number {
    return Math.max(1, Math.ceil(this.#options.maxPerTenant / 2));
  }

  /**
   * Deletes the oldest calls of `tenant` beyond the newest `maxPerTenant`. The first time,
   * the log is counted whole (newest first); after that the instance knows the count and
   * reads only the calls it deletes, about one read per write.
   */
  async #trim(tenant: string): Promise<void> {
    const state = { ...(this.#counts.get(tenant) ?? { count: 0, known: false }) };
    const prefix = ["calls", tenant];
    let stale: Deno.KvKey[] = [];
    let seen = 0;
    const entries = state.known
      ? this.#options.kv.list({ prefix }, {
        limit: state.count - this.#options.maxPerTenant,
        batchSize: 500,
      })
      : this.#options.kv.list({ prefix }, { reverse: true, batchSize: 500 });
    for await (const entry of entries) {
      if (!state.known && ++seen <= this.#options.maxPerTenant) continue;
      stale.push(entry.key);
      if (stale.length >= BATCH) {
        await this.#delete(stale);
        stale = [];
      }
    }
    if (stale.length > 0) await this.#delete(stale);
    // Calls recorded meanwhile count on top.
    const current = this.#counts.get(tenant) ?? state;
    const since = current.count - state.count;
    this.#counts.set(tenant, {
      count:
        (state.known ? this.#options.maxPerTenant : Math.min(seen, this.#options.maxPerTenant)) +
        since,
      known: true,
    });
  }

  async #delete(keys: Deno.KvKey[]): Promise<void> {
    const op = this.#options.kv.atomic();
    for (const key of keys) op.delete(key);
    await op.commit();
  }

  /**
   * The calls of `tenant`, newest first: at most `limit`, older than `cursor`, only of
   * `chatId` when given.
   */
  async list(
    tenant: string,
    options: { limit: number; cursor?: string; chatId?: string },
  ): Promise<CallPage> {
    await this.flush();
    const prefix = ["calls", tenant];
    const selector = options.cursor ? { prefix, end: [...prefix, options.cursor] } : { prefix };
    const calls: CallRecord[] = [];
    let scanned = 0;
    let more = false;
    for await (const entry of this.#options.kv.list<CallRecord>(selector, { reverse: true })) {
      // The log is bounded; the scan is too, even with a chat filter.
      if (++scanned > this.#options.maxPerTenant * 3 + options.limit) break;
      if (options.chatId !== undefined && entry.value.chatId !== options.chatId) continue;
      if (calls.length === options.limit) {
        more = true;
        break;
      }
      calls.push(entry.value);
    }
    return { calls, nextCursor: more ? calls[calls.length - 1]!.id : null };
  }
}
