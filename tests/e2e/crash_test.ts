import assert from "node:assert/strict";
import { runLoad } from "../support/load_runner.ts";

Deno.test("SIGKILL under load, restart on the same KV: every session and chat survives, every client goes on", async () => {
  const report = await runLoad({
    sessions: 24,
    tenants: 4,
    durationMs: 4_000,
    crashAtMs: 2_000,
    latencyMs: 20,
  });
  assert.ok(report.crash, "the server was not killed");
  assert.ok(report.requests > report.sessions, `only ${report.requests} requests were sent`);
  assert.deepEqual(report.failureSamples, []);
  assert.equal(report.failures, 0);
  assert.equal(report.crash.chatsIntact, true, "chats or their sessions changed");
  assert.equal(report.crash.enabledToolsIntact, true, "dynamic sessions lost enabled tools");
  assert.equal(report.crash.clientsRecovered, 24, "some clients did not continue");
});
