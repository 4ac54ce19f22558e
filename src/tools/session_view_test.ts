import assert from "node:assert/strict";
import { shapeCatalog, shortenNames } from "./session_view.ts";
import { catalogOfApp } from "./testdata/catalogs.ts";

const catalog = catalogOfApp("crm", [
  { id: "a1", key: "create-contact", name: "Create", type: "create-data-record" },
  { id: "a2", key: "list-contacts", name: "List", type: "list-data-records" },
  ...Array.from({ length: 30 }, (_, i) => ({
    id: `l${i}`,
    key: `a-rather-long-action-key-number-${i}`,
    name: `Long ${i}`,
  })),
], "CRM");

Deno.test("shortened names fit, stay unique, and are the same every time", () => {
  for (const max of [32, 40, 63]) {
    const tools = shortenNames(catalog.tools, max);
    const names = tools.map((tool) => tool.name);
    assert.ok(names.every((name) => /^[A-Za-z0-9_-]+$/.test(name) && name.length <= max));
    assert.equal(new Set(names).size, names.length);
    assert.deepEqual(shortenNames(catalog.tools, max).map((tool) => tool.name), names);
  }
  assert.equal(shortenNames(catalog.tools, 64), catalog.tools, "64 changes nothing");
});

Deno.test("a view without restrictions is the catalog itself", () => {
  assert.equal(shapeCatalog(catalog, undefined), catalog);
  assert.equal(shapeCatalog(catalog, { maxNameLength: 64 }), catalog);
});

Deno.test("a view says which rule hides a tool, and nothing for names it does not know", () => {
  const view = shapeCatalog(catalog, {
    readOnly: true,
    tools: ["crm-create-contact", "crm_list-contacts"],
  });
  assert.deepEqual(view.tools.map((tool) => tool.name), ["crm_list-contacts"]);
  assert.match(view.excluded?.("CRM_CREATE-CONTACT") ?? "", /readOnly=true/);
  assert.doesNotMatch(view.excluded?.("crm_create-contact") ?? "", /allowlist/);
  assert.match(
    view.excluded?.("crm_a-rather-long-action-key-number-3") ?? "",
    /allowlist.*readOnly/s,
  );
  assert.equal(view.excluded?.("crm_list-contacts"), undefined);
  assert.equal(view.excluded?.("other_tool"), undefined);
});
