/**
 * Generated workspaces for the benchmark: integrations with realistic actions (names,
 * descriptions, input schemas of a few fields) and customers connected to them.
 *
 * @module
 */
import type {
  FakeAction,
  FakeCustomer,
  FakeIntegration,
  FakeOptions,
} from "../fake_integration_app/server.ts";

/** The shape of a generated workspace. */
export interface WorkspaceSize {
  /** Connections of each ordinary customer (one integration each). */
  connections: number;
  /** Actions per integration. */
  actions: number;
  /** Ordinary customers, all with the same connections (one tenant each). */
  customers: number;
  /** Connections x actions of the "big" customer used for the search timing. */
  big: { connections: number; actions: number };
}

/** The customer whose catalog has `big.connections x big.actions` tools. */
export const BIG_CUSTOMER = "big";
/** The action every timed `tools/call` runs (the first generated action). */
export const CALLED_ACTION = "create-contact";

const VERBS = [
  "create",
  "update",
  "delete",
  "find",
  "list",
  "search",
  "archive",
  "export",
  "import",
  "send",
];
const OBJECTS = [
  "contact",
  "company",
  "deal",
  "ticket",
  "invoice",
  "email",
  "event",
  "task",
  "file",
  "message",
  "note",
  "meeting",
  "order",
  "product",
  "lead",
  "campaign",
  "project",
  "comment",
  "user",
  "payment",
];
const APPS = [
  "hubspot",
  "gmail",
  "slack",
  "google-calendar",
  "salesforce",
  "zendesk",
  "jira",
  "notion",
  "asana",
  "stripe",
  "shopify",
  "intercom",
  "pipedrive",
  "trello",
  "github",
  "dropbox",
  "quickbooks",
  "mailchimp",
  "zoom",
  "airtable",
];
const TYPES: Record<string, string> = {
  create: "create-data-record",
  update: "update-data-record",
  delete: "delete-data-record",
  find: "find-data-record-by-id",
  list: "list-data-records",
  search: "list-data-records",
};

function integrationKey(index: number, prefix: string): string {
  const app = APPS[index % APPS.length] as string;
  const round = Math.floor(index / APPS.length);
  return `${prefix}${app}${round === 0 ? "" : `-${round + 1}`}`;
}

function actionsOf(appName: string, count: number): FakeAction[] {
  const actions: FakeAction[] = [];
  for (let i = 0; i < count; i++) {
    const verb = VERBS[i % VERBS.length] as string;
    const object = OBJECTS[Math.floor(i / VERBS.length) % OBJECTS.length] as string;
    const round = Math.floor(i / (VERBS.length * OBJECTS.length));
    const key = `${verb}-${object}${round === 0 ? "" : `-${round + 1}`}`;
    actions.push({
      key,
      name: `${verb[0]?.toUpperCase()}${verb.slice(1)} ${object}`,
      description: `${verb[0]?.toUpperCase()}${verb.slice(1)} a ${object} in ${appName}. ` +
        `Works on the ${object} records the connected account can access.`,
      type: TYPES[verb] ?? "api-request-to-external-app",
      inputSchema: {
        type: "object",
        required: verb === "create" ? ["email", "name"] : ["id"],
        properties: {
          id: { type: "string", description: `The ${object} id` },
          name: { type: "string", title: "Name", maxLength: 200 },
          email: { type: "string", format: "email", description: "Email address" },
          status: { type: "string", enum: ["open", "pending", "closed"], default: "open" },
          ownerId: { type: "string", referenceCollection: { key: "users" } },
          tags: { type: "array", items: { type: "string" } },
          amount: { type: ["number", "null"], minimum: 0 },
        },
        additionalProperties: false,
      },
      outputSchema: { type: "object", properties: { id: { type: "string" } } },
    });
  }
  return actions;
}

/** The fake's options for a workspace of `size`, plus every customer id. */
export function benchWorkspace(size: WorkspaceSize): FakeOptions {
  const integrations: FakeIntegration[] = [];
  const actions: Record<string, FakeAction[]> = {};
  function addIntegrations(count: number, actionCount: number, prefix: string): string[] {
    const keys: string[] = [];
    for (let i = 0; i < count; i++) {
      const key = integrationKey(i, prefix);
      const name = key.replace(
        /(^|-)([a-z])/g,
        (_, dash, c: string) => `${dash}${c.toUpperCase()}`,
      );
      integrations.push({ id: `int_${key}`, key, name });
      actions[key] = actionsOf(name, actionCount);
      keys.push(key);
    }
    return keys;
  }
  const ordinary = addIntegrations(size.connections, size.actions, "");
  const bigKeys = addIntegrations(size.big.connections, size.big.actions, "x-");
  const customers: FakeCustomer[] = [];
  for (let c = 0; c < size.customers; c++) {
    customers.push({
      id: `customer-${c}`,
      connections: ordinary.map((key, i) => ({
        id: `conn_${c}_${i}`,
        name: key,
        integrationKey: key,
        createdAt: `2026-01-01T00:00:${String(i % 60).padStart(2, "0")}.000Z`,
      })),
    });
  }
  customers.push({
    id: BIG_CUSTOMER,
    connections: bigKeys.map((key, i) => ({ id: `conn_big_${i}`, name: key, integrationKey: key })),
  });
  return { integrations, actions, customers };
}

/** The tool every timed `tools/call` runs: the first action of the first connection. */
export function calledToolName(): string {
  return `${integrationKey(0, "")}_${CALLED_ACTION}`;
}
