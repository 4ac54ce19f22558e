import assert from "node:assert/strict";
import { deleteBlob, readBlob, writeBlob } from "./blob_store.ts";

Deno.test("a value larger than one chunk is read back whole", async () => {
  using kv = await Deno.openKv(":memory:");
  // Random text compresses badly, so this spans several 60 KB chunks.
  const text = Array.from({ length: 5_000 }, () => crypto.randomUUID()).join("");
  const value = { text };
  await writeBlob(kv, ["blob", "a"], value, 60_000);
  const chunks = await Array.fromAsync(kv.list({ prefix: ["blob", "a", "chunk"] }));
  assert.ok(chunks.length > 1);
  assert.deepEqual(await readBlob(kv, ["blob", "a"]), value);
  await deleteBlob(kv, ["blob", "a"]);
  assert.equal(await readBlob(kv, ["blob", "a"]), undefined);
});

Deno.test("a blob gzipped by CompressionStream (earlier versions) is still read", async () => {
  using kv = await Deno.openKv(":memory:");
  const value = { tools: [{ name: "hub_create-contact", title: "Hub: Create contact ✓" }] };
  const stream = new Blob([JSON.stringify(value)]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  const gz = new Uint8Array(await new Response(stream).arrayBuffer());
  await kv.set(["blob", "old", "chunk", "v1", 0], gz);
  await kv.set(["blob", "old", "meta"], { version: "v1", chunks: 1 });
  assert.deepEqual(await readBlob(kv, ["blob", "old"]), value);
});
