/**
 * The server's own cost of one tool call (no network: the action answers at once), with and
 * without the call log: `deno bench --allow-read src/mcp/call_path_bench.ts`. The call log's
 * background writes run between iterations, so their CPU time counts too.
 *
 * @module
 */
import { CallLog } from "../calls/call_log.ts";
import type { IntegrationAppApi } from "../integration_app/types.ts";
import { createLogger } from "../log.ts";
import { ResultStore } from "../results/result_store.ts";
import { sessionRecord } from "../store/testdata/sessions.ts";
import { catalogOfApp, CREATE_CONTACT } from "../tools/testdata/catalogs.ts";
import { BackgroundTasks } from "../util/background.ts";
import { answerCallTool, type McpSessionContext } from "./mcp_server.ts";
import { contextOver } from "./testdata/contexts.ts";

const kv = await Deno.openKv(":memory:");
const background = new BackgroundTasks();
const catalog = catalogOfApp("crm", [{
  ...CREATE_CONTACT,
  outputSchema: { type: "object", properties: { id: { type: "string" } } },
}], "CRM");
const session = sessionRecord({ id: "0123456789abcdef", mode: "static", chatId: "chat-1" });
const api = {
  runAction: () =>
    Promise.resolve({ output: { id: "42", email: "ada@example.com" }, actionRunId: "arl_1" }),
} as unknown as IntegrationAppApi;
const callLog = new CallLog({
  kv,
  logger: createLogger("silent"),
  background,
  ttlMs: 60_000,
  maxPerTenant: Number(Deno.env.get("CALL_LOG_MAX_PER_CUSTOMER") ?? 1000),
  logArgumentValues: false,
});
const base = contextOver(catalog, {
  session,
  api,
  results: { store: new ResultStore({ kv, ttlMs: 60_000 }), maxBytes: 60_000 },
});
const logged: McpSessionContext = {
  ...base,
  recordCall: (call) => callLog.record(session.tenant, call),
};
const params = {
  name: "crm_create-contact",
  arguments: { email: "ada@example.com", name: "Ada" },
};
const none = () => Promise.resolve();

Deno.bench("tools/call without the call log", { group: "call", baseline: true }, async () => {
  await answerCallTool(base, params, none);
});

Deno.bench("tools/call with the call log", { group: "call" }, async () => {
  await answerCallTool(logged, params, none);
});
