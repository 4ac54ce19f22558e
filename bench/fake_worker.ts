/**
 * Worker hosting the fake Integration.app API for the benchmark.
 *
 * @module
 */
import { FakeIntegrationApp } from "../fake_integration_app/server.ts";
import { serveRpc } from "../tests/support/worker_rpc.ts";
import { benchWorkspace, type WorkspaceSize } from "./workspace.ts";

let fake: FakeIntegrationApp | undefined;

function running(): FakeIntegrationApp {
  if (!fake) throw new Error("Fake is not started");
  return fake;
}

serveRpc({
  start(params: { size: WorkspaceSize; latencyMs: number }) {
    fake = new FakeIntegrationApp({ ...benchWorkspace(params.size), latencyMs: params.latencyMs })
      .start();
    return { url: fake.url };
  },
  token(params: { customerId: string; secret?: string }) {
    return running().token(params.customerId, { secret: params.secret });
  },
  /** Requests received so far, by `METHOD /path` with ids replaced. */
  requests() {
    const byRoute: Record<string, number> = {};
    for (const r of running().requests) {
      const route = `${r.method} ${r.path.replace(/^\/connections\/[^/]+/, "/connections/{id}")}`;
      byRoute[route] = (byRoute[route] ?? 0) + 1;
    }
    return { total: running().requests.length, byRoute };
  },
  clearRequests() {
    running().requests = [];
  },
  async stop() {
    await fake?.stop();
    fake = undefined;
  },
});
