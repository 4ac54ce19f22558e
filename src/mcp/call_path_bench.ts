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
import type { SessionRecord } from "../store/session_store.ts";
import { buildTools, indexCatalog } from "../tools/catalog.ts";
import { BackgroundTasks } from "../util/background.ts";
import { answerCallTool, type McpSessionContext } from "./mcp_server.ts";

const kv = await Deno.openKv(":memory:");
const background = new BackgroundTasks();
const catalog = indexCatalog({
  builtAt: 0,
  tools: buildTools([{
    connection: { id: "conn_1" },
    integration: { id: "int_1", key: "crm", name: "CRM" },
    actions: [{
      id: "a1",
      key: "create-contact",
      name: "Create Contact",
      type: "create-data-record",
      inputSchema: {
        type: "object",
        required: ["email"],
        properties: { email: { type: "string", format: "email" }, name: { type: "string" } },
      },
      outputSchema: { type: "object", properties: { id: { type: "string" } } },
    }],
  }]),
});
const session: SessionRecord = {
  id: "0123456789abcdef",
  tenant: "t1",
  mode: "static",
  apps: null,
  enabledTools: [],
  chatId: "chat-1",
  createdAt: 0,
  lastSeenAt: 0,
};
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
const base: McpSessionContext = {
  session,
  api,
  logger: createLogger("silent"),
  catalog: () => Promise.resolve(catalog),
  saveEnabledTools: () => Promise.resolve(),
  invalidateCatalog: () => {},
  results: { store: new ResultStore({ kv, ttlMs: 60_000 }), maxBytes: 60_000 },
};
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
