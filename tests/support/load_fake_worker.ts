/**
 * Worker hosting the fake Integration.app of a load run (see load_runner.ts): customers
 * `load-0`… with Gmail, HubSpot and Google Calendar connected, every request answered after
 * `latencyMs`.
 *
 * @module
 */
import { FakeIntegrationApp } from "../../fake_integration_app/server.ts";
import { fixtureActions, INTEGRATIONS } from "../../fake_integration_app/fixtures.ts";
import { serveRpc } from "./worker_rpc.ts";

let fake: FakeIntegrationApp | undefined;

function running(): FakeIntegrationApp {
  if (!fake) throw new Error("Fake is not started");
  return fake;
}

serveRpc({
  start(params: { tenants: number; latencyMs: number }) {
    fake = new FakeIntegrationApp({
      integrations: INTEGRATIONS,
      actions: fixtureActions(),
      latencyMs: params.latencyMs,
      customers: Array.from({ length: params.tenants }, (_, i) => ({
        id: `load-${i}`,
        connections: [
          { id: `conn_gmail_${i}`, name: "Gmail", integrationKey: "gmail" },
          { id: `conn_hubspot_${i}`, name: "HubSpot", integrationKey: "hubspot" },
          { id: `conn_gcal_${i}`, name: "Google Calendar", integrationKey: "google-calendar" },
        ],
      })),
    }).start();
    return fake.url;
  },
  token(customerId: string) {
    return running().token(customerId);
  },
  /** The request log is not what a load run measures: it is cleared every second. */
  clearRequests() {
    running().requests = [];
  },
  async stop() {
    await fake?.stop();
    fake = undefined;
  },
});
