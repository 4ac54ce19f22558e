/**
 * The search fixture (`tests/testdata/search_catalog.json`): realistic actions of ten apps and
 * intent queries with the tool each one should find.
 *
 * @module
 */
import type { Action } from "../../src/integration_app/types.ts";
import { buildTools, type ToolEntry } from "../../src/tools/catalog.ts";
import fixture from "../testdata/search_catalog.json" with { type: "json" };

/** An intent query and the tool it should find. */
export interface IntentQuery {
  query: string;
  expected: string;
}

/** One app of the fixture with its actions. */
export interface FixtureApp {
  key: string;
  name: string;
  actions: Omit<Action, "id">[];
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
