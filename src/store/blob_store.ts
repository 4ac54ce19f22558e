/**
 * Large values in Deno KV: gzip-compressed and split into chunks below the 64 KiB value
 * limit. Readers always see a whole version: chunks are written first, then the pointer.
 *
 * Compression is `node:zlib`'s one-shot gzip at level 3: a 1,000-tool catalog (1.25 MB of JSON)
 * takes about 2 ms and 56 KB, where `CompressionStream` (level 6, through streams) took about
 * 7 ms for 46 KB, the largest share of a new customer's CPU. Both write gzip, so either reads
 * what the other wrote.
 *
 * @module
 */
import { gunzipSync, gzipSync } from "node:zlib";

const CHUNK_BYTES = 60_000;

interface BlobMeta {
  version: string;
  chunks: number;
}

/** The gzip level: about as small as the default (6) for JSON, at half its cost or less. */
const GZIP_LEVEL = 3;

function gzip(text: string): Uint8Array {
  const out = gzipSync(text, { level: GZIP_LEVEL });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

function gunzip(bytes: Uint8Array): string {
  return gunzipSync(bytes).toString("utf8");
}

/** Writes `value` as JSON under `prefix`; it expires after `expireIn` ms. */
export async function writeBlob(
  kv: Deno.Kv,
  prefix: Deno.KvKey,
  value: unknown,
  expireIn: number,
): Promise<void> {
  const bytes = gzip(JSON.stringify(value));
  const version = crypto.randomUUID();
  const chunks = Math.max(1, Math.ceil(bytes.length / CHUNK_BYTES));
  for (let i = 0; i < chunks; i += 10) {
    const op = kv.atomic();
    for (let j = i; j < Math.min(chunks, i + 10); j++) {
      op.set(
        [...prefix, "chunk", version, j],
        bytes.subarray(j * CHUNK_BYTES, (j + 1) * CHUNK_BYTES),
        {
          expireIn,
        },
      );
    }
    const result = await op.commit();
    if (!result.ok) throw new Error("Cannot write blob chunk");
  }
  const metaKey = [...prefix, "meta"];
  const previous = await kv.get<BlobMeta>(metaKey);
  const result = await kv.atomic().set(metaKey, { version, chunks } satisfies BlobMeta, {
    expireIn,
  }).commit();
  if (!result.ok) throw new Error("Cannot write blob pointer");
  if (previous.value && previous.value.version !== version) {
    await deleteChunks(kv, prefix, previous.value);
  }
}

async function deleteChunks(kv: Deno.Kv, prefix: Deno.KvKey, meta: BlobMeta): Promise<void> {
  for (let i = 0; i < meta.chunks; i += 10) {
    const op = kv.atomic();
    for (let j = i; j < Math.min(meta.chunks, i + 10); j++) {
      op.delete([...prefix, "chunk", meta.version, j]);
    }
    await op.commit();
  }
}

/** Reads the JSON value under `prefix`, or `undefined` when there is none (or it is torn). */
export async function readBlob<T>(kv: Deno.Kv, prefix: Deno.KvKey): Promise<T | undefined> {
  const meta = await kv.get<BlobMeta>([...prefix, "meta"]);
  if (!meta.value) return undefined;
  const { version, chunks } = meta.value;
  const keys = Array.from({ length: chunks }, (_, i) => [...prefix, "chunk", version, i]);
  const parts: Uint8Array[] = [];
  for (let i = 0; i < keys.length; i += 10) {
    const entries = await kv.getMany<Uint8Array[]>(keys.slice(i, i + 10));
    for (const entry of entries) {
      if (!(entry.value instanceof Uint8Array)) return undefined;
      parts.push(entry.value);
    }
  }
  const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return JSON.parse(gunzip(bytes)) as T;
}

/** Deletes the value under `prefix`. */
export async function deleteBlob(kv: Deno.Kv, prefix: Deno.KvKey): Promise<void> {
  const meta = await kv.get<BlobMeta>([...prefix, "meta"]);
  if (!meta.value) return;
  await kv.delete([...prefix, "meta"]);
  await deleteChunks(kv, prefix, meta.value);
}
