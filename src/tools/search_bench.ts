/**
 * Speed of ranked search on a large catalog: 10,000 tools made from the search fixture's
 * actions over 200 connections. Run with `deno bench --allow-read src/tools/search_bench.ts`.
 *
 * @module
 */
import { SEARCH_APPS } from "../../tests/support/search_fixture.ts";
import type { ConnectionActions } from "./catalog.ts";
import { buildTools } from "./catalog.ts";
import { buildSearchIndex, searchTools } from "./search.ts";

/** About `count` tools: every fixture action, repeated over enough synthetic apps. */
function largeCatalog(count: number) {
  const perApp = SEARCH_APPS.reduce((sum, app) => sum + app.actions.length, 0);
  const sources: ConnectionActions[] = [];
  for (let i = 0; sources.length * perApp / SEARCH_APPS.length < count; i++) {
    for (const app of SEARCH_APPS) {
      const key = `${app.key}-${i}`;
      sources.push({
        connection: { id: `conn_${key}`, name: `${app.name} ${i}` },
        integration: { id: `int_${key}`, key, name: `${app.name} ${i}` },
        actions: app.actions.map((action) => ({ ...action, id: `${key}_${action.key}` })),
      });
    }
  }
  return buildTools(sources).slice(0, count);
}

const tools = largeCatalog(10_000);
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
