/**
 * Full results kept behind a handle when a tool result was cut to the size cap. A handle is
 * 128 random bits (unguessable) and is stored under the customer's tenant key, so another
 * customer can never read it. Results expire after a configured time.
 *
 * @module
 */
import { readBlob, writeBlob } from "../store/blob_store.ts";
import { LruMap } from "../util/concurrency.ts";

/** A kept result. */
export interface StoredResult {
  /** The whole result as JSON text. */
  text: string;
  /** The tool that produced it. */
  tool: string;
  /** When it was kept, in ms since the epoch. */
  createdAt: number;
}

/** The shape of a handle: 22 base64url characters (128 bits). */
export const HANDLE_PATTERN = /^[A-Za-z0-9_-]{22}$/;

/** Options of `ResultStore`. */
export interface ResultStoreOptions {
  kv: Deno.Kv;
  /** How long a kept result can be read. */
  ttlMs: number;
  now?: () => number;
}

function newHandle(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
}

const resultKey = (tenant: string, handle: string): Deno.KvKey => ["results", tenant, handle];

/** Keeps and reads full results. */
export class ResultStore {
  readonly #kv: Deno.Kv;
  readonly #now: () => number;
  /** Recently read or written results: paging through one reads it many times. */
  readonly #recent = new LruMap<string, StoredResult>(8);
  readonly ttlMs: number;

  constructor(options: ResultStoreOptions) {
    this.#kv = options.kv;
    this.ttlMs = options.ttlMs;
    this.#now = options.now ?? Date.now;
  }

  /** Keeps `text` for `tenant`; resolves with its handle once it is stored. */
  async save(tenant: string, tool: string, text: string): Promise<string> {
    const handle = newHandle();
    const stored: StoredResult = { text, tool, createdAt: this.#now() };
    await writeBlob(this.#kv, resultKey(tenant, handle), stored, this.ttlMs);
    this.#recent.set(`${tenant}/${handle}`, stored);
    return handle;
  }

  /** The result of `tenant` behind `handle`, or `undefined` (unknown, expired, another's). */
  async load(tenant: string, handle: string): Promise<StoredResult | undefined> {
    if (!HANDLE_PATTERN.test(handle)) return undefined;
    const key = `${tenant}/${handle}`;
    let stored = this.#recent.get(key);
    if (!stored) {
      stored = await readBlob<StoredResult>(this.#kv, resultKey(tenant, handle));
      if (stored) this.#recent.set(key, stored);
    }
    if (!stored || this.#now() - stored.createdAt > this.ttlMs) return undefined;
    return stored;
  }
}
