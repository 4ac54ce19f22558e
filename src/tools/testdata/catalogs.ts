/**
 * Catalogs for unit tests and benches: the tools of one app from its actions, and the CRM
 * actions several of them share.
 *
 * @module
 */
import type { Action } from "../../integration_app/types.ts";
import { buildTools, indexCatalog, type IndexedCatalog, type ToolEntry } from "../catalog.ts";

/** The tools of one connection (`conn_{key}`) of the app `key`, named `name`, from `actions`. */
export function toolsOfApp(key: string, actions: Action[], name: string = key): ToolEntry[] {
  return buildTools([{
    connection: { id: `conn_${key}` },
    integration: { id: `int_${key}`, key, name },
    actions,
  }]);
}

/** `toolsOfApp` as a catalog. */
export function catalogOfApp(key: string, actions: Action[], name: string = key): IndexedCatalog {
  return indexCatalog({ builtAt: 0, tools: toolsOfApp(key, actions, name) });
}

/** A CRM action that creates a contact: `email` (required) and `name`, nothing else. */
export const CREATE_CONTACT: Action = {
  id: "a1",
  key: "create-contact",
  name: "Create Contact",
  type: "create-data-record",
  inputSchema: {
    type: "object",
    required: ["email"],
    properties: { email: { type: "string", format: "email" }, name: { type: "string" } },
    additionalProperties: false,
  },
};

/** A CRM action that lists contacts (no input). */
export const LIST_CONTACTS: Action = {
  id: "a2",
  key: "list-contacts",
  name: "List Contacts",
  type: "list-data-records",
};
