import assert from "node:assert/strict";
import { indexCatalog } from "./catalog.ts";
import { catalogView, viewToolsOf } from "./catalog_views.ts";
import { searchFixtureTools } from "../../fake_integration_app/search_fixture.ts";

Deno.test("a view of some apps is made once, kept with its catalog, and its tools are counted", () => {
  const catalog = indexCatalog({ builtAt: 0, tools: searchFixtureTools() });
  const app = catalog.tools[0]!.integrationKey;
  const first = catalogView(catalog, [app], undefined);
  assert.equal(first.created, true);
  assert.ok(first.view.tools.length > 0 && first.view.tools.length < catalog.tools.length);
  assert.ok(first.view.tools.every((tool) => tool.integrationKey === app));
  assert.equal(viewToolsOf(catalog), first.view.tools.length);

  const again = catalogView(catalog, [app, "not-an-app"], undefined);
  assert.equal(again.created, false, "unknown keys are left out before the view is looked up");
  assert.equal(again.view, first.view);
  assert.equal(viewToolsOf(catalog), first.view.tools.length);
});

Deno.test("a view of every app without options is the catalog itself and counts nothing", () => {
  const catalog = indexCatalog({ builtAt: 0, tools: searchFixtureTools() });
  const apps = [...new Set(catalog.tools.map((tool) => tool.integrationKey))];
  const all = catalogView(catalog, apps, undefined);
  assert.equal(all.view, catalog);
  assert.equal(all.created, false);
  assert.equal(viewToolsOf(catalog), 0);
});
