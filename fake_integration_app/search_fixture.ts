/**
 * The search fixture (`search_catalog.json` beside it): realistic actions of ten apps and
 * intent queries with the tool each one should find, as a tool list or as a fake workspace.
 *
 * @module
 */
import type { Action } from "../src/integration_app/types.ts";
import type { FakeOptions } from "./server.ts";
import { buildTools, type ConnectionActions, type ToolEntry } from "../src/tools/catalog.ts";
import fixture from "./search_catalog.json" with { type: "json" };

/** An intent query and the tool it should find. */
export interface IntentQuery {
  query: string;
  expected: string;
}

/** An action of the fixture (an Integration.app action without its id). */
export type FixtureAction = Omit<Action, "id"> & { name: string };

/** One app of the fixture with its actions. */
export interface FixtureApp {
  key: string;
  name: string;
  actions: FixtureAction[];
}

/** The fixture's apps. */
export const SEARCH_APPS: FixtureApp[] = fixture.apps as FixtureApp[];

/** The fixture's intent queries. */
export const INTENT_QUERIES: IntentQuery[] = fixture.queries;

/** The catalog of the fixture: one connection per app. */
export function searchFixtureTools(): ToolEntry[] {
  return buildTools(SEARCH_APPS.map((app) => ({
    connection: { id: `conn_${app.key}`, name: app.name },
    integration: { id: `int_${app.key}`, key: app.key, name: app.name },
    actions: app.actions.map((action) => ({ ...action, id: `act_${app.key}_${action.key}` })),
  })));
}

/** A fake workspace where customer "carol" has one active connection to every fixture app. */
export function searchWorkspace(): FakeOptions {
  return {
    integrations: SEARCH_APPS.map((app) => ({
      id: `int_${app.key}`,
      key: app.key,
      name: app.name,
    })),
    actions: Object.fromEntries(
      SEARCH_APPS.map((app) => [app.key, app.actions.map((action) => ({ ...action }))]),
    ),
    customers: [{
      id: "carol",
      connections: SEARCH_APPS.map((app) => ({
        id: `conn_${app.key}`,
        name: app.name,
        integrationKey: app.key,
      })),
    }],
  };
}

/**
 * About `count` tools: every action of `apps` (the fixture's by default), repeated over as many
 * numbered copies of the apps.
 */
export function largeSearchCatalog(
  count: number,
  apps: { key: string; name: string; actions: Omit<Action, "id">[] }[] = SEARCH_APPS,
): ToolEntry[] {
  const perCopy = apps.reduce((sum, app) => sum + app.actions.length, 0);
  const sources: ConnectionActions[] = [];
  for (let copy = 0; copy * perCopy < count; copy++) {
    for (const app of apps) {
      const key = `${app.key}-${copy}`;
      sources.push({
        connection: { id: `conn_${key}`, name: `${app.name} ${copy}` },
        integration: { id: `int_${key}`, key, name: `${app.name} ${copy}` },
        actions: app.actions.map((action) => ({ ...action, id: `${key}_${action.key}` })),
      });
    }
  }
  return buildTools(sources).slice(0, count);
}
