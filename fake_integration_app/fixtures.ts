/**
 * A small realistic workspace (a few apps, their actions, and customers) for the sandbox, the
 * benchmark and the tests.
 *
 * @module
 */
import type { FakeAction, FakeIntegration, FakeOptions } from "./server.ts";
import { FakeApiError } from "./server.ts";

/** Integrations of the test workspace. */
export const INTEGRATIONS: FakeIntegration[] = [
  { id: "int_hubspot", key: "hubspot", name: "HubSpot" },
  { id: "int_gmail", key: "gmail", name: "Gmail" },
  { id: "int_slack", key: "slack", name: "Slack" },
  { id: "int_gcal", key: "google-calendar", name: "Google Calendar" },
];

/** Actions per integration key. */
export function fixtureActions(): Record<string, FakeAction[]> {
  return {
    hubspot: [
      {
        key: "create-contact",
        name: "Create Contact",
        description: "Create a contact in HubSpot",
        type: "create-data-record",
        inputSchema: {
          type: "object",
          required: ["email"],
          properties: {
            email: { type: "string", title: "Email", format: "email" },
            firstName: { type: "string", description: "Given name" },
            lifecycle: { type: "string", enum: ["lead", "customer"], default: "lead" },
            companyId: { type: "string", referenceCollection: { key: "companies" } },
            phone: { type: ["string", "null"] },
          },
          additionalProperties: false,
        },
        outputSchema: { type: "object", properties: { id: { type: "string" } } },
        run: (input) => {
          const email = (input as { email?: string }).email ?? "";
          if (email.endsWith("@invalid.test")) {
            throw new FakeApiError(400, {
              type: "action_run",
              message: "External API returned 422: email is invalid",
              data: { response: { status: 422 } },
            });
          }
          return { id: "12345", email };
        },
      },
      {
        key: "list-contacts",
        name: "List Contacts",
        description: "List contacts",
        type: "list-data-records",
        inputSchema: { type: "object", properties: { cursor: { type: "string" } } },
        run: () => ({ records: [{ id: "1" }, { id: "2" }] }),
      },
      {
        key: "delete_contact",
        name: "Delete Contact",
        description: "Delete a contact by id",
        type: "delete-data-record",
        inputSchema: {
          type: "object",
          required: ["id"],
          properties: { id: { type: "string" } },
        },
        run: () => false,
      },
      {
        key: "count-contacts",
        name: "Count Contacts",
        type: "api-request-to-external-app",
        run: () => 0,
      },
    ],
    gmail: [
      {
        key: "send-email",
        name: "Send Email",
        description: "Send an email message",
        type: "create-data-record",
        inputSchema: {
          type: "object",
          required: ["to", "subject"],
          properties: {
            to: { type: "string", format: "email" },
            subject: { type: "string" },
            body: { type: "string" },
          },
        },
        run: (input) => ({ messageId: "m-1", sent: input }),
      },
      {
        key: "read-email",
        name: "Read Email",
        description: "Read an email message by id",
        type: "find-data-record-by-id",
        inputSchema: { type: "object", properties: { id: { type: "string" } } },
        run: () => "",
      },
    ],
    slack: [
      {
        key: "post-message",
        name: "Post Message",
        description: "Post a message to a Slack channel",
        inputSchema: {
          type: "object",
          required: ["channel", "text"],
          properties: { channel: { type: "string" }, text: { type: "string" } },
        },
      },
    ],
    "google-calendar": [
      {
        key: "create-event",
        name: "Create Event",
        description: "Create a calendar event",
        type: "create-data-record",
        inputSchema: {
          type: "object",
          properties: {
            title: { type: "string" },
            start: { type: "string", format: "date-time" },
          },
        },
      },
    ],
  };
}

/** The default test workspace: customer "alice" with three active apps and one disconnected. */
export function fixtureWorkspace(overrides: Partial<FakeOptions> = {}): FakeOptions {
  return {
    integrations: INTEGRATIONS,
    actions: fixtureActions(),
    customers: [
      {
        id: "alice",
        connections: [
          { id: "conn_hubspot", name: "HubSpot", integrationKey: "hubspot" },
          { id: "conn_gmail", name: "Gmail", integrationKey: "gmail" },
          { id: "conn_gcal", name: "Google Calendar", integrationKey: "google-calendar" },
          { id: "conn_slack", name: "Slack", integrationKey: "slack", disconnected: true },
        ],
      },
      {
        id: "bob",
        connections: [{ id: "conn_bob_gmail", name: "Gmail", integrationKey: "gmail" }],
      },
      { id: "nobody", connections: [] },
    ],
    ...overrides,
  };
}
