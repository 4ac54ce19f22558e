import assert from "node:assert/strict";
import { pageOf, parsePath, valueAt } from "./result_pages.ts";

Deno.test("pages cover the text exactly once and never split a character", () => {
  const text = JSON.stringify({ name: "Zoë 😀".repeat(50), n: [1, 2, 3] });
  let joined = "";
  let offset: number | null = 0;
  while (offset !== null) {
    const page = pageOf(text, offset, 37);
    assert.ok(new TextEncoder().encode(page.text).length <= 37);
    joined += page.text;
    offset = page.nextOffset;
  }
  assert.equal(joined, text);
});

Deno.test("paths may be JSON Pointers or dotted, and a wrong one says where it leads nowhere", () => {
  assert.deepEqual(parsePath("/a~1b/0"), ["a/b", "0"]);
  assert.deepEqual(parsePath("records[2].name"), ["records", "2", "name"]);
  const value = { records: [{ name: "a" }, { name: "b" }] };
  assert.deepEqual(valueAt(value, "/records/1"), { found: true, value: { name: "b" } });
  assert.deepEqual(valueAt(value, ""), { found: true, value });
  const missing = valueAt(value, "records.5");
  assert.equal(missing.found, false);
  assert.match(!missing.found ? missing.problem : "", /array of 2 items/);
});
