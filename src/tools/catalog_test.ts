import assert from "node:assert/strict";
import { searchFixtureTools } from "../../fake_integration_app/search_fixture.ts";
import { indexCatalog, listingJson, searchIndexOf } from "./catalog.ts";
import { searchTools } from "./search.ts";

Deno.test("a catalog's search index is built on first use and kept as long as the catalog", () => {
  const tools = searchFixtureTools();
  const catalog = indexCatalog({ builtAt: 0, tools });
  const index = searchIndexOf(catalog);
  assert.equal(searchIndexOf(catalog), index);
  assert.equal(index.tools, catalog.tools);
  assert.notEqual(searchIndexOf(indexCatalog({ builtAt: 0, tools })), index, "another catalog");
  assert.ok(searchTools(index, "send an email", 1).length > 0);
});

Deno.test("a catalog's listing JSON is its tools/list array, followed by extra tools", () => {
  const catalog = indexCatalog({ builtAt: 0, tools: searchFixtureTools().slice(0, 2) });
  assert.deepEqual(JSON.parse(listingJson(catalog)), catalog.listing);
  const extra = { name: "meta", inputSchema: { type: "object" as const } };
  assert.deepEqual(JSON.parse(listingJson(catalog, [extra])), [...catalog.listing, extra]);
  assert.deepEqual(JSON.parse(listingJson(indexCatalog({ builtAt: 0, tools: [] }), [extra])), [
    extra,
  ]);
});
