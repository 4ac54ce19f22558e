import assert from "node:assert/strict";
import { listingJson } from "../tools/catalog.ts";
import { catalogOfApp, CREATE_CONTACT, LIST_CONTACTS } from "../tools/testdata/catalogs.ts";
import { READ_RESULT_TOOL } from "./read_result.ts";
import { EncodedBodies, isLatin1, listingBodies, staticListingBody } from "./listing_body.ts";

const HEAD = `{"result":{"tools":`;
const tail = (id: unknown) => `},"jsonrpc":"2.0","id":${JSON.stringify(id)}}`;
const asciiCatalog = catalogOfApp("crm", [CREATE_CONTACT, LIST_CONTACTS], "CRM");
const twoByteCatalog = () =>
  catalogOfApp("crm", [
    { ...CREATE_CONTACT, description: "Creates a contact — in the CRM’s list 👤" },
    LIST_CONTACTS,
  ], "CRM");

const text = (body: string | Uint8Array) =>
  typeof body === "string" ? body : new TextDecoder().decode(body);

Deno.test("a string is Latin-1 unless it holds a character beyond U+00FF", () => {
  assert.equal(isLatin1('{"a":"café ÿ"}'), true);
  assert.equal(isLatin1("a — b"), false);
  assert.equal(isLatin1("emoji 👤"), false);
});

Deno.test("a one-byte listing is answered as a string, joined as before", () => {
  for (const extra of [[], [READ_RESULT_TOOL]]) {
    const body = staticListingBody(asciiCatalog, extra, HEAD, tail(7), "7");
    assert.equal(typeof body, "string");
    assert.equal(body, `${HEAD}${listingJson(asciiCatalog, extra)}${tail(7)}`);
  }
});

Deno.test("a listing beyond Latin-1 is answered as its UTF-8 bytes, the same for every id", () => {
  const catalog = twoByteCatalog();
  for (const extra of [[], [READ_RESULT_TOOL]]) {
    for (const id of [1, 2, 0, -3, "a", "é’", 'x"y\\z', 1.5]) {
      const idJson = JSON.stringify(id);
      for (let round = 0; round < 2; round++) {
        const body = staticListingBody(catalog, extra, HEAD, tail(id), idJson);
        assert.ok(body instanceof Uint8Array, `bytes for id ${idJson}`);
        assert.equal(text(body), `${HEAD}${listingJson(catalog, extra)}${tail(id)}`);
      }
    }
  }
});

Deno.test("an id beyond Latin-1 on a one-byte listing gets the same body as bytes", () => {
  const body = staticListingBody(asciiCatalog, [], HEAD, tail("日本"), JSON.stringify("日本"));
  assert.ok(body instanceof Uint8Array);
  assert.equal(text(body), `${HEAD}${listingJson(asciiCatalog)}${tail("日本")}`);
});

Deno.test("without a cache key the body is put together around the kept listing", () => {
  const catalog = twoByteCatalog();
  for (const ttl of [5, 60_000]) {
    const end = `,"ttlMs":${ttl}},"jsonrpc":"2.0","id":"é"}`;
    const body = staticListingBody(catalog, [READ_RESULT_TOOL], HEAD, end);
    assert.ok(body instanceof Uint8Array);
    assert.equal(text(body), `${HEAD}${listingJson(catalog, [READ_RESULT_TOOL])}${end}`);
  }
});

Deno.test("a rebuilt catalog is answered with its own listing, not the bytes kept for the old one", () => {
  const before = twoByteCatalog();
  const after = catalogOfApp("crm", [
    { ...CREATE_CONTACT, description: "Creates a contact — renamed" },
  ], "CRM");
  const first = staticListingBody(before, [], HEAD, tail(1), "1");
  const second = staticListingBody(after, [], HEAD, tail(1), "1");
  assert.equal(text(first), `${HEAD}${listingJson(before)}${tail(1)}`);
  assert.equal(text(second), `${HEAD}${listingJson(after)}${tail(1)}`);
  assert.notEqual(text(first), text(second));
});

Deno.test("a body kept once is served again without being encoded again", () => {
  const bodies = new EncodedBodies({ maxEntries: 4, maxBytes: 1_000 });
  const owner = {};
  let encoded = 0;
  const make = () => {
    encoded++;
    return "body — one";
  };
  const first = bodies.get(owner, "k", make);
  assert.equal(bodies.get(owner, "k", make), first);
  assert.equal(encoded, 1);
  assert.notEqual(bodies.get({}, "k", make), first, "another owner has its own body");
  assert.equal(encoded, 2);
});

Deno.test("the kept bodies stay within their bounds of entries and bytes, oldest out first", () => {
  const bodies = new EncodedBodies({ maxEntries: 3, maxBytes: 100 });
  const owner = {};
  for (const key of ["a", "b", "c", "d"]) bodies.get(owner, key, () => "x".repeat(20));
  assert.deepEqual(bodies.usage, { entries: 3, bytes: 60 });
  let encoded = 0;
  bodies.get(owner, "a", () => (encoded++, "x".repeat(20)));
  assert.equal(encoded, 1, "the oldest entry was evicted");
  bodies.get(owner, "big", () => "y".repeat(90));
  assert.deepEqual(bodies.usage, { entries: 1, bytes: 90 });
  const huge = bodies.get(owner, "huge", () => "z".repeat(101));
  assert.equal(huge.byteLength, 101, "a body over the bound is still answered");
  assert.deepEqual(bodies.usage, { entries: 1, bytes: 90 }, "but not kept");
});

Deno.test("the server's kept listing bodies stay within 16 MiB and 32 entries", () => {
  const catalog = twoByteCatalog();
  for (let id = 0; id < 100; id++) staticListingBody(catalog, [], HEAD, tail(id), String(id));
  const { entries, bytes } = listingBodies.usage;
  assert.ok(entries <= 32, `${entries} entries`);
  assert.ok(bytes <= 16 * 1024 * 1024, `${bytes} bytes`);
  assert.ok(entries > 0);
});
