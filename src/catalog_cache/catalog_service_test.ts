import assert from "node:assert/strict";
import type { IntegrationAppApi } from "../integration_app/types.ts";
import { createLogger } from "../log.ts";
import { BackgroundTasks } from "../util/background.ts";
import { CatalogService } from "./catalog_service.ts";

/** A catalog service over `kv` with a 1-minute TTL (and a memory bound, when given). */
function catalogService(
  kv: Deno.Kv,
  background: BackgroundTasks,
  memoryTools?: number,
): CatalogService {
  return new CatalogService({
    kv,
    logger: createLogger("silent"),
    background,
    ttlMs: 60_000,
    concurrency: 4,
    memoryTools,
  });
}

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
    listConnectionActions: () => Promise.resolve([]),
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
  const catalogs = catalogService(kv, background, 4);
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

/** A customer with one connection per app of `apps`, each app with two actions. */
function apiOf(apps: string[], listings: string[]): IntegrationAppApi {
  return {
    listConnections: (integrationKey?: string) => {
      listings.push(`connections ${integrationKey ?? "*"}`);
      return Promise.resolve(apps.map((app) => ({
        id: `conn_${app}`,
        integration: { id: `int_${app}`, key: app, name: app },
      })));
    },
    listConnectionActions: () => Promise.resolve([]),
    listActions: (integration: { key: string }) => {
      listings.push(`actions ${integration.key}`);
      return Promise.resolve([{ id: "a1", key: "create" }, { id: "a2", key: "delete" }]);
    },
  } as unknown as IntegrationAppApi;
}

async function storedCatalogs(kv: Deno.Kv): Promise<number> {
  let count = 0;
  for await (const entry of kv.list({ prefix: ["catalog"] })) {
    if (entry.key.at(-1) === "meta") count++;
  }
  return count;
}

Deno.test("the catalogs of many apps sets are views of one build, never stored apart", async () => {
  using kv = await Deno.openKv(":memory:");
  const background = new BackgroundTasks();
  const catalogs = catalogService(kv, background);
  const listings: string[] = [];
  const api = apiOf(["crm", "mail", "calendar"], listings);
  const full = await catalogs.get("tenant-a", undefined, api);
  assert.equal(full.tools.length, 6);
  const built = listings.length;

  for (let i = 0; i < 200; i++) {
    const apps = [`random-${i}`, `other-${i}`, ...(i % 2 ? ["mail"] : [])];
    const view = await catalogs.get("tenant-a", apps, api);
    assert.deepEqual(
      view.tools.map((tool) => tool.name),
      i % 2 ? ["mail_create", "mail_delete"] : [],
    );
  }
  await background.drain();
  assert.equal(catalogs.builds, 1);
  assert.equal(listings.length, built, "no upstream listing beyond the one build");
  assert.equal(await storedCatalogs(kv), 1, "one stored catalog");

  // A view keeps the names of the full catalog, and the same apps set gives the same view.
  const view = await catalogs.get("tenant-a", ["calendar", "crm"], api);
  assert.deepEqual(
    view.tools.map((tool) => tool.name),
    full.tools.filter((tool) => tool.integrationKey !== "mail").map((tool) => tool.name),
  );
  assert.equal(view.byName.get("crm_create"), full.byName.get("crm_create"));
  assert.equal(await catalogs.get("tenant-a", ["crm", "calendar", "crm"], api), view);
  assert.equal(await catalogs.get("tenant-a", ["crm", "calendar", "mail"], api), full);
});

Deno.test("views of a catalog count against the memory bound", async () => {
  using kv = await Deno.openKv(":memory:");
  const background = new BackgroundTasks();
  const catalogs = catalogService(kv, background, 10);
  const listings: string[] = [];
  const a = await catalogs.get("tenant-a", undefined, apiOf(["crm", "mail"], listings));
  await catalogs.get("tenant-b", undefined, apiOf(["crm", "mail"], listings));
  await background.drain();
  // 4 + 4 tools fit; a 2-tool view of b's catalog brings the total to 10: still fits.
  await catalogs.get("tenant-b", ["crm"], apiOf(["crm", "mail"], listings));
  assert.equal(await catalogs.get("tenant-a", undefined, apiOf(["crm", "mail"], listings)), a);
  // Another view of b's (now least recently used) catalog goes over: a's catalog, older, goes.
  await catalogs.get("tenant-b", ["mail"], apiOf(["crm", "mail"], listings));
  const again = await catalogs.get("tenant-a", undefined, apiOf(["crm", "mail"], listings));
  assert.notEqual(again, a, "read back from KV after the views pushed it out");
});

Deno.test("a rebuild that lists other tools is told to onChange; one that lists the same is not", async () => {
  using kv = await Deno.openKv(":memory:");
  const background = new BackgroundTasks();
  const changed: string[] = [];
  let now = 1_000_000;
  const catalogs = new CatalogService({
    kv,
    logger: createLogger("silent"),
    background,
    ttlMs: 60_000,
    concurrency: 4,
    onChange: (tenant) => changed.push(tenant),
    now: () => now,
  });
  const listings: string[] = [];
  const first = await catalogs.get("t1", undefined, apiWith("crm", 2, listings));
  assert.equal(catalogs.freshForMs("t1", first), 60_000);
  now += 20_000;
  assert.equal(catalogs.freshForMs("t1", first), 40_000);
  await catalogs.invalidate("t1");
  assert.equal(catalogs.freshForMs("t1", first), 0, "an invalidated catalog is stale");
  now += 1;
  await catalogs.get("t1", undefined, apiWith("crm", 2, listings));
  await background.drain();
  assert.deepEqual(changed, [], "same tools: no change");
  now += 60_001;
  await catalogs.get("t1", undefined, apiWith("crm", 3, listings));
  await background.drain();
  assert.deepEqual(changed, ["t1"]);
});

Deno.test("unknown app keys make no new view: junk sets share the view of their known apps", async () => {
  using kv = await Deno.openKv(":memory:");
  const background = new BackgroundTasks();
  const catalogs = catalogService(kv, background, 20);
  const api = apiOf(["crm", "mail", "calendar"], []);
  await catalogs.get("tenant-a", undefined, api);
  const mail = await catalogs.get("tenant-a", ["mail"], api);
  const none = await catalogs.get("tenant-a", ["junk-0"], api);
  assert.deepEqual(none.tools, []);
  for (let i = 0; i < 50; i++) {
    assert.equal(await catalogs.get("tenant-a", [`junk-${i}`, "mail"], api), mail);
    assert.equal(await catalogs.get("tenant-a", [`junk-${i}`, `more-${i}`], api), none);
  }
  // 6 tools, a 2-tool view and an empty one: far under the bound of 20, so nothing was
  // evicted; 50 fresh views of 2 tools each would have gone over it.
  assert.equal(catalogs.builds, 1);
  await background.drain();
});

Deno.test("a first check's listings become the catalog of the tenant it is accepted for, unless a fresh one is at hand", async () => {
  using kv = await Deno.openKv(":memory:");
  const background = new BackgroundTasks();
  const catalogs = catalogService(kv, background);
  const listings: string[] = [];
  const first = catalogs.firstCheck(apiWith("crm", 3, listings));
  await first.answered;
  first.accept("tenant-a");
  const catalog = await catalogs.get("tenant-a", undefined, apiWith("crm", 3, listings));
  assert.equal(catalog.tools.length, 3);
  assert.deepEqual(listings, ["crm connections", "crm actions"], "listed once, by the check");
  assert.equal(catalogs.builds, 1);

  // A second check of the same customer (another new token) leaves the fresh catalog alone.
  const second = catalogs.firstCheck(apiWith("crm", 5, listings));
  await second.answered;
  second.accept("tenant-a");
  await background.drain();
  assert.equal(
    (await catalogs.get("tenant-a", undefined, apiWith("crm", 5, listings))).tools.length,
    3,
  );
  assert.equal(catalogs.builds, 1);
});
