import assert from "node:assert/strict";
import { UpstreamError } from "../integration_app/errors.ts";
import type { Action, Connection, IntegrationAppApi } from "../integration_app/types.ts";
import {
  connectionStatus,
  fetchConnectionActions,
  mergeActions,
  ownActions,
} from "./connection_actions.ts";

Deno.test("connection status reads the current fields and the deprecated one", () => {
  const base: Connection = { id: "c" };
  assert.equal(connectionStatus(base), "active");
  assert.equal(connectionStatus({ ...base, state: "READY", connected: true }), "active");
  assert.equal(connectionStatus({ ...base, disconnected: true }), "broken");
  assert.equal(connectionStatus({ ...base, connected: false }), "broken");
  assert.equal(connectionStatus({ ...base, isDefunct: true }), "broken");
  assert.equal(connectionStatus({ ...base, state: "CLIENT_ACTION_REQUIRED" }), "broken");
  assert.equal(connectionStatus({ ...base, isDeactivated: true, state: "READY" }), "deactivated");
});

Deno.test("a connection's own instance of an action replaces its integration's; unusable ones go", () => {
  const merged = mergeActions(
    [
      { id: "1", key: "create", inputSchema: { required: ["a"] } },
      { id: "2", key: "off", isDeactivated: true },
      { id: "3", key: "failing", state: "SETUP_FAILED" },
    ],
    [{ id: "4", key: "create", isCustomized: true, inputSchema: { required: ["a", "b"] } }, {
      id: "cat_5",
    } as Action],
  );
  assert.deepEqual(merged.map((a) => a.id), ["4", "cat_5"]);
});

Deno.test("a connection-level listing that ignored its filter gives no foreign actions", () => {
  const connection: Connection = { id: "c1", integrationId: "i1" };
  const listed: Action[] = [
    { id: "own", key: "a", connectionId: "c1" },
    { id: "other-conn", key: "b", connectionId: "c2" },
    { id: "other-int", key: "c", integrationId: "i2" },
    { id: "universal", key: "d", isUniversal: true, integrationId: "i9" },
    { id: "same-int", key: "e", integrationId: "i1" },
  ];
  assert.deepEqual(ownActions(connection, listed).map((a) => a.id), [
    "own",
    "universal",
    "same-int",
  ]);
});

Deno.test("an API that refuses connection-level listings still gives the integration's tools", async () => {
  const api = {
    listConnections: () =>
      Promise.resolve([{ id: "c1", integration: { id: "i1", key: "crm", name: "CRM" } }]),
    listActions: () => Promise.resolve([{ id: "a1", key: "create" }]),
    listConnectionActions: () =>
      Promise.reject(new UpstreamError("bad_request", "Unknown parameter connectionId")),
  } as unknown as IntegrationAppApi;
  const sources = await fetchConnectionActions(api, { concurrency: 2 });
  assert.deepEqual(sources[0]?.actions.map((a) => a.key), ["create"]);
  const failing = {
    ...api,
    listConnectionActions: () => Promise.reject(new UpstreamError("unavailable", "down")),
  } as unknown as IntegrationAppApi;
  await assert.rejects(fetchConnectionActions(failing, { concurrency: 2 }), /down/);
});
