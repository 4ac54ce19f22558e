/**
 * The body of a direct static listing, in the form Deno sends at least cost. A response body
 * given as a string is copied into Rust as UTF-8 by Deno's HTTP op: for a one-byte string (every
 * character Latin-1) that copy is cheap and allocates nothing on V8's heap, even for a 1 MB rope,
 * so such a listing is answered as a string, joined anew for each response. A string holding any
 * character beyond Latin-1 (a curly quote, a dash, an emoji in one description) is two-byte, and
 * its conversion costs about 1 ms per 650 KB and young-generation garbage on every response:
 * such a body is encoded once and served as bytes (`new Response` copies them, about a tenth of
 * that cost). Encoded bodies are kept in a small LRU bounded by entries and total bytes, keyed by
 * the catalog's identity (a rebuilt catalog is a new object, so its listing is never answered from
 * the old one's bytes), the session's extra tools and, for a 2025 answer, the request's id.
 *
 * @module
 */
import type { Tool } from "../sdk/server.ts";
import {
  type IndexedCatalog,
  listingJsonOf,
  listingJsonWith,
  toolsJson,
} from "../tools/catalog.ts";

/** Matches a UTF-16 code unit that no one-byte (Latin-1) V8 string can hold. */
const BEYOND_LATIN1 = /[\u0100-\uffff]/;

/** Whether V8 can hold `text` as a one-byte string. */
export function isLatin1(text: string): boolean {
  return !BEYOND_LATIN1.test(text);
}

/** Bounds of the encoded bodies kept. */
export interface EncodedBodiesOptions {
  /** At most this many bodies. */
  maxEntries: number;
  /** At most this many bytes over all bodies; a larger body is encoded each time, not kept. */
  maxBytes: number;
}

/** Encoded response bodies by owner (a catalog) and key, least recently used evicted first. */
export class EncodedBodies {
  readonly #options: EncodedBodiesOptions;
  readonly #entries = new Map<string, Uint8Array<ArrayBuffer>>();
  readonly #ownerIds = new WeakMap<object, number>();
  #nextOwnerId = 0;
  #bytes = 0;

  constructor(options: EncodedBodiesOptions) {
    this.#options = options;
  }

  /** The body of `owner` under `key`, encoded from `text()` when not kept. */
  get(owner: object, key: string, text: () => string): Uint8Array<ArrayBuffer> {
    let ownerId = this.#ownerIds.get(owner);
    if (ownerId === undefined) this.#ownerIds.set(owner, ownerId = this.#nextOwnerId++);
    const entryKey = `${ownerId}\n${key}`;
    const kept = this.#entries.get(entryKey);
    if (kept) {
      this.#entries.delete(entryKey);
      this.#entries.set(entryKey, kept);
      return kept;
    }
    const body = new TextEncoder().encode(text());
    if (body.byteLength > this.#options.maxBytes) return body;
    this.#entries.set(entryKey, body);
    this.#bytes += body.byteLength;
    for (const [oldest, bytes] of this.#entries) {
      if (this.#entries.size <= this.#options.maxEntries && this.#bytes <= this.#options.maxBytes) {
        break;
      }
      this.#entries.delete(oldest);
      this.#bytes -= bytes.byteLength;
    }
    return body;
  }

  /** How many bodies are kept, and their bytes. */
  get usage(): { entries: number; bytes: number } {
    return { entries: this.#entries.size, bytes: this.#bytes };
  }
}

/** The bodies of the server's direct listings: a few clients' ids over a few catalogs. */
export const listingBodies = new EncodedBodies({ maxEntries: 32, maxBytes: 16 * 1024 * 1024 });

const latin1Listings = new WeakMap<IndexedCatalog, boolean>();

/** Whether the listing JSON of `catalog` is one-byte (checked once per catalog). */
function listingIsLatin1(catalog: IndexedCatalog): boolean {
  let latin1 = latin1Listings.get(catalog);
  if (latin1 === undefined) latin1Listings.set(catalog, latin1 = isLatin1(listingJsonOf(catalog)));
  return latin1;
}

/**
 * `head`, the static listing of `catalog` followed by `extra` tools (`listingJson`), then `tail`:
 * a string when every part is one-byte, else bytes. With a `cacheKey` (which must tell apart
 * every `head` and `tail` used with it) the whole body is kept encoded; without one only the
 * listing is, and the body is put together from it.
 */
export function staticListingBody(
  catalog: IndexedCatalog,
  extra: Tool[],
  head: string,
  tail: string,
  cacheKey?: string,
): string | Uint8Array<ArrayBuffer> {
  const more = toolsJson(extra);
  const listing = listingJsonWith(catalog, more);
  if (listingIsLatin1(catalog) && isLatin1(more) && isLatin1(head) && isLatin1(tail)) {
    return `${head}${listing}${tail}`;
  }
  if (cacheKey !== undefined) {
    return listingBodies.get(catalog, `body\n${more}\n${cacheKey}`, () => head + listing + tail);
  }
  const encoder = new TextEncoder();
  const listed = listingBodies.get(catalog, `listing\n${more}`, () => listing);
  const start = encoder.encode(head);
  const end = encoder.encode(tail);
  const body = new Uint8Array(start.byteLength + listed.byteLength + end.byteLength);
  body.set(start);
  body.set(listed, start.byteLength);
  body.set(end, start.byteLength + listed.byteLength);
  return body;
}
