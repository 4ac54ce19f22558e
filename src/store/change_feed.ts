/**
 * Tool-list changes of customers and chats, carried through Deno KV so that every instance
 * sees them: a change is a write of a small marker key, and each open listener watches the
 * markers of its customer and chat (`Deno.Kv.watch`). Listeners are counted per customer on
 * this instance, so one customer cannot hold every stream.
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
  }

  /** Marks the catalog of `tenant` changed: every listener of that customer hears it. */
  async catalogChanged(tenant: string): Promise<void> {
    await this.#kv.set(catalogMarker(tenant), this.#now(), { expireIn: MARKER_TTL_MS });
  }

  /** Marks the enabled set of a chat changed: that chat's listeners hear it. */
  async chatChanged(tenant: string, chatId: string): Promise<void> {
    await this.#kv.set(chatMarker(tenant, chatId), this.#now(), { expireIn: MARKER_TTL_MS });
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
    const stream = this.#kv.watch(keys);
    const reader = stream.getReader();
    let live = true;
    const stop = (): void => {
      if (!live) return;
      live = false;
      this.#open.delete(stop);
      this.release(scope.tenant);
      reader.cancel().catch(() => {});
    };
    this.#open.add(stop);
    const pump = async (): Promise<void> => {
      // The first snapshot is the state when listening began; later ones are changes.
      let seen: (string | null)[] | undefined;
      while (live) {
        const { done, value } = await reader.read();
        if (done || !live) break;
        const versions = value.map((entry) => entry.versionstamp);
        if (seen !== undefined && versions.some((version, i) => version !== seen?.[i])) {
          onChange();
        }
        seen = versions;
      }
    };
    pump().catch((error) => {
      if (live) this.#logger.warn("change watch failed", { error });
      stop();
    });
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
