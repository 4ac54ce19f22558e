/**
 * Speed of `enable-tools` on a catalog of 10,000 tools (index already built, as it is after
 * the first search of a catalog). Run with `deno bench --allow-read src/mcp/enable_tools_bench.ts`.
 *
 * @module
 */
import { largeSearchCatalog } from "../../fake_integration_app/search_fixture.ts";
import { indexCatalog, searchIndexOf } from "../tools/catalog.ts";
import { enableTools } from "./enable_tools.ts";

const catalog = indexCatalog({ builtAt: 0, tools: largeSearchCatalog(10_000) });
searchIndexOf(catalog);

Deno.bench("enable-tools by query, 10,000 tools", () => {
  enableTools(catalog, { query: "send an email to a lead", limit: 5 });
});

Deno.bench("enable-tools by 5 names in hyphen form, 10,000 tools", () => {
  enableTools(catalog, {
    tools: ["gmail-3-send-email", "slack-7-send-message", "JIRA-2-create-issue", "x", "y"],
  });
});

Deno.bench("enable-tools with 200 misspelled names, 10,000 tools", () => {
  enableTools(catalog, { tools: Array.from({ length: 200 }, (_, i) => `gmail-3_send-emial-${i}`) });
});
