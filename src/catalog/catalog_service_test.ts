import assert from "node:assert/strict";
import type { IntegrationAppApi } from "../integration_app/types.ts";
import { createLogger } from "../log.ts";
import { BackgroundTasks } from "../util/background.ts";
import { CatalogService } from "./catalog_service.ts";

/** An API whose customer has one connection of `app` with `actions` actions. */
function apiWith(app: string, actions: number, listings: string[]): IntegrationAppApi {
  return {
    listConnections: () => {
      listings.push(`${app} connections`);
      return Promise.resolve([{
        id: `conn_${app}`,
        integration: { id: `int_${app}`, key: app, name: app },
      }]);
    },
    listActions: () => {
      listings.push(`${app} actions`);
      return Promise.resolve(
        Array.from({ length: actions }, (_, i) => ({ id: `a${i}`, key: `action-${i}` })),
      );
    },
  } as unknown as IntegrationAppApi;
}

Deno.test("catalogs beyond the memory bound are read back from KV, not rebuilt", async () => {
  using kv = await Deno.openKv(":memory:");
  const background = new BackgroundTasks();
  const catalogs = new CatalogService({
    kv,
    logger: createLogger("silent"),
    background,
    ttlMs: 60_000,
    concurrency: 4,
    memoryTools: 4,
  });
  const listings: string[] = [];
  const a = await catalogs.get("tenant-a", undefined, apiWith("crm", 3, listings));
  await catalogs.get("tenant-b", undefined, apiWith("mail", 3, listings));
  await background.drain();
  assert.equal(listings.length, 4);
  assert.equal(catalogs.builds, 2);

  // Both do not fit in memory: the older one went, and comes back from KV.
  const again = await catalogs.get("tenant-a", undefined, apiWith("crm", 3, listings));
  assert.notEqual(again, a, "a copy read from KV");
  assert.deepEqual(again.tools.map((t) => t.name), a.tools.map((t) => t.name));
  assert.equal(catalogs.builds, 2, "no rebuild");
  assert.equal(listings.length, 4, "no upstream request");
  // The one used last stays in memory.
  assert.equal(await catalogs.get("tenant-a", undefined, apiWith("crm", 3, listings)), again);
});
