import assert from "node:assert/strict";
import { cutJson, describeCuts, jsonBytes, utf8Length } from "./json_cut.ts";

Deno.test("a value that fits is not cut", () => {
  assert.equal(cutJson({ a: [1, 2, 3] }, 100), undefined);
});

Deno.test("an array keeps whole items from the start and says how many", () => {
  const items = Array.from({ length: 100 }, (_, i) => ({ id: i, name: `item ${i}` }));
  const cut = cutJson(items, 300);
  assert.ok(cut);
  const kept = cut.value as typeof items;
  assert.ok(jsonBytes(kept) <= 300);
  assert.deepEqual(kept, items.slice(0, kept.length));
  assert.deepEqual(cut.cuts, [{ path: "", unit: "items", kept: kept.length, total: 100 }]);
});

Deno.test("small fields are kept whole and the largest field is cut inside", () => {
  const value = {
    cursor: "next-page",
    records: Array.from({ length: 500 }, (_, i) => ({ id: `r${i}` })),
    total: 500,
  };
  const cut = cutJson(value, 1000);
  assert.ok(cut);
  const kept = cut.value as typeof value;
  assert.deepEqual(Object.keys(kept), ["cursor", "records", "total"], "original order");
  assert.equal(kept.cursor, "next-page");
  assert.equal(kept.total, 500);
  assert.ok(kept.records.length > 10 && kept.records.length < 500);
  assert.ok(jsonBytes(kept) <= 1000);
  assert.deepEqual(describeCuts(cut.cuts), [`/records: ${kept.records.length} of 500 items shown`]);
});

Deno.test("fields that cannot fit are left out by name", () => {
  const value = { a: 1, big1: "x".repeat(500), big2: [1, 2, 3].map(() => "y".repeat(300)) };
  const cut = cutJson(value, 200);
  assert.ok(cut);
  const kept = cut.value as Record<string, unknown>;
  assert.equal(kept.a, 1);
  assert.ok(jsonBytes(kept) <= 200);
  const fields = cut.cuts.find((c) => c.unit === "fields");
  assert.deepEqual(fields?.omitted, ["big1"]);
  // The largest field is cut inside: not one item fits whole, so the first is cut.
  assert.equal((kept.big2 as string[]).length, 1);
  assert.ok((kept.big2 as string[])[0]!.length < 300);
});

Deno.test("long strings are cut at character boundaries, multi-byte ones included", () => {
  const text = "é😀".repeat(1000);
  const cut = cutJson(text, 101);
  assert.ok(cut);
  const kept = cut.value as string;
  assert.ok(utf8Length(JSON.stringify(kept)) <= 101);
  assert.ok(text.startsWith(kept));
  assert.doesNotThrow(() => encodeURIComponent(kept), "no lone surrogate");
  assert.equal(cut.cuts[0]?.unit, "characters");
});

Deno.test("utf8Length counts bytes as TextEncoder does", () => {
  for (const text of ["", "abc", "é", "日本語", "😀x", "a\u0000b"]) {
    assert.equal(utf8Length(text), new TextEncoder().encode(text).length, text);
  }
});
