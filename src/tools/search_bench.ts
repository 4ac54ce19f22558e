/**
 * Speed of ranked search on a large catalog: 10,000 tools made from the search fixture's
 * actions. Run with `deno bench --allow-read src/tools/search_bench.ts`.
 *
 * @module
 */
import { largeSearchCatalog } from "../../fake_integration_app/search_fixture.ts";
import { buildSearchIndex, searchTools } from "./search.ts";

const tools = largeSearchCatalog(10_000);
const index = buildSearchIndex(tools);

Deno.bench("search index build, 10,000 tools", () => {
  buildSearchIndex(tools);
});

Deno.bench("search query, 10,000 tools", () => {
  searchTools(index, "send an email to a new lead about the meeting", 5);
});

Deno.bench("search query with a common verb only, 10,000 tools", () => {
  searchTools(index, "create", 25);
});
