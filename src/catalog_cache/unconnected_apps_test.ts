import assert from "node:assert/strict";
import type { IntegrationAppApi } from "../integration_app/types.ts";
import { indexCatalog } from "../tools/catalog.ts";
import { UnconnectedApps } from "./unconnected_apps.ts";

Deno.test("unconnected apps are the workspace's apps without a working connection, marked as needing one", async () => {
  const listings: string[] = [];
  const api = {
    listIntegrations: () => {
      listings.push("integrations");
      return Promise.resolve([
        { id: "i1", key: "gmail", name: "Gmail" },
        { id: "i2", key: "slack", name: "Slack" },
        { id: "i3", key: "asana", name: "Asana" },
      ]);
    },
    listActions: (integration: { key: string }) =>
      Promise.resolve([
        { id: "a1", key: "create-task", name: "Create Task", inputSchema: { type: "object" } },
        { id: "a2", key: "off", name: "Off", isDeactivated: true },
        { id: `cat_${integration.key}`, name: "By id" },
      ]),
  } as unknown as IntegrationAppApi;
  const catalog = indexCatalog({
    builtAt: 1,
    tools: [],
    connections: [
      { connectionId: "c1", integrationKey: "gmail", integrationName: "Gmail", status: "active" },
      { connectionId: "c2", integrationKey: "slack", integrationName: "Slack", status: "broken" },
    ],
  });
  const apps = new UnconnectedApps({ ttlMs: 60_000, concurrency: 2, now: () => 0 });
  const listed = await apps.list("t", catalog, api);
  assert.deepEqual(listed.map((a) => [a.integrationKey, a.broken, a.needsConnection]), [
    ["slack", true, true],
    ["asana", false, true],
  ]);
  assert.deepEqual(listed[1]?.actions.map((a) => a.key), ["create-task", "cat_asana"]);
  await apps.list("t", catalog, api);
  assert.equal(listings.length, 1, "cached for the same catalog");
});
