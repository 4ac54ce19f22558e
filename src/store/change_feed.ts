/**
 * Tool-list changes of customers and chats, carried through Deno KV so that every instance
 * sees them: a change is a write of a small marker key, and each open listener watches the
 * markers of its customer and chat (`Deno.Kv.watch`, which Deno Deploy's KV and a shared
 * `denokv` deliver across instances), and reads them once a second as well: on a local KV file
 * `watch` only sees the writes of its own process. Listeners are counted per customer on this
 * instance, so one customer cannot hold every stream.
 *
 * @module
 */
import type { Logger } from "../log.ts";

/** Who a listener listens for. */
export interface ChangeScope {
  tenant: string;
  /** The chat whose enabled set counts too; without one only catalog changes do. */
  chatId?: string;
}

/** Options for `ChangeFeed`. */
export interface ChangeFeedOptions {
  kv: Deno.Kv;
  logger: Logger;
  /** Open listeners per customer on this instance. */
  maxListenersPerTenant: number;
  /** How often each listener also reads its markers (0: never; `watch` alone). */
  pollMs?: number;
  now?: () => number;
}

/** How long a marker outlives its last change (a watcher only needs its version to move). */
const MARKER_TTL_MS = 24 * 60 * 60 * 1000;

const catalogMarker = (tenant: string): Deno.KvKey => ["changes", tenant, "catalog"];
const chatMarker = (
  tenant: string,
  chatId: string,
): Deno.KvKey => ["changes", tenant, "chat", chatId];

/** Publishes and watches tool-list changes. */
export class ChangeFeed {
  readonly #kv: Deno.Kv;
  readonly #logger: Logger;
  readonly #max: number;
  readonly #now: () => number;
  readonly #pollMs: number;
  /** Listener slots per tenant: reserved or held by an open listener. */
  readonly #slots = new Map<string, number>();
  readonly #open = new Set<() => void>();
  readonly #closeHooks: (() => Promise<void>)[] = [];
  #closed = false;

  constructor(options: ChangeFeedOptions) {
    this.#kv = options.kv;
    this.#logger = options.logger;
    this.#max = options.maxListenersPerTenant;
    this.#now = options.now ?? Date.now;
    this.#pollMs = options.pollMs ?? 1000;
  }

  /** Marks the catalog of `tenant` changed: every listener of that customer hears it. */
  async catalogChanged(tenant: string): Promise<void> {
    await this.#kv.set(catalogMarker(tenant), this.#now(), { expireIn: MARKER_TTL_MS });
  }

  /**
   * Marks the enabled set of a chat changed, within `op` (the commit that stores the new set):
   * that chat's listeners hear it once `op` commits.
   */
  markChatChanged(op: Deno.AtomicOperation, tenant: string, chatId: string): void {
    op.set(chatMarker(tenant, chatId), this.#now(), { expireIn: MARKER_TTL_MS });
  }

  /** Whether `close` was called (the instance is shutting down). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Listener slots of `tenant` in use on this instance. */
  listeners(tenant: string): number {
    return this.#slots.get(tenant) ?? 0;
  }

  /**
   * Takes a listener slot of `tenant`; false when all are taken (or the feed is closed). The
   * slot is given back by `release`, or by the unsubscribe of the listener it is passed to.
   */
  reserve(tenant: string): boolean {
    const used = this.listeners(tenant);
    if (this.#closed || used >= this.#max) return false;
    this.#slots.set(tenant, used + 1);
    return true;
  }

  /** Gives back a slot taken by `reserve`. */
  release(tenant: string): void {
    const used = this.listeners(tenant) - 1;
    if (used > 0) this.#slots.set(tenant, used);
    else this.#slots.delete(tenant);
  }

  /**
   * Calls `onChange` after each change in `scope` from now on, on any instance, until the
   * returned function is called. Holds a slot taken with `reserve`, given back on unsubscribe.
   */
  subscribe(scope: ChangeScope, onChange: () => void): () => void {
    const keys = [catalogMarker(scope.tenant)];
    if (scope.chatId !== undefined) keys.push(chatMarker(scope.tenant, scope.chatId));
    const reader = this.#kv.watch(keys).getReader();
    let live = true;
    let poller: ReturnType<typeof setInterval> | undefined;
    const stop = (): void => {
      if (!live) return;
      live = false;
      this.#open.delete(stop);
      this.release(scope.tenant);
      clearInterval(poller);
      reader.cancel().catch(() => {});
    };
    this.#open.add(stop);
    // The versions last seen (the state when listening began, at first); a newer one is a change.
    let seen: (string | null)[] | undefined;
    const observe = (entries: Deno.KvEntryMaybe<unknown>[]): void => {
      const versions = entries.map((entry) => entry.versionstamp);
      if (seen === undefined) {
        seen = versions;
        return;
      }
      const newer = versions.some((version, i) =>
        version !== null && (seen?.[i] === null || version > (seen?.[i] ?? ""))
      );
      if (newer) {
        seen = versions.map((version, i) =>
          version !== null && version > (seen?.[i] ?? "") ? version : seen?.[i] ?? null
        );
        if (live) onChange();
      }
    };
    (async () => {
      while (live) {
        const { done, value } = await reader.read();
        if (done || !live) break;
        observe(value);
      }
    })().catch((error) => {
      if (!live) return;
      // The poll below still carries the changes, only later.
      this.#logger.warn("change watch failed", { error });
      if (this.#pollMs <= 0) stop();
    });
    // `watch` on a local KV file misses writes of other processes: a slow poll catches them.
    if (this.#pollMs > 0) {
      poller = setInterval(() => {
        this.#kv.getMany(keys).then(
          (entries) => live && observe(entries),
          // A busy KV file: the next read will do.
          (error) => this.#logger.debug("change poll failed", { error }),
        );
      }, this.#pollMs);
    }
    return stop;
  }

  /** Runs `hook` first when the feed closes (e.g. ending open streams gracefully). */
  onClose(hook: () => Promise<void>): void {
    this.#closeHooks.push(hook);
  }

  /** Refuses new listeners, runs the close hooks, and stops every open watch. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled(this.#closeHooks.map((hook) => hook()));
    for (const stop of [...this.#open]) stop();
  }
}
