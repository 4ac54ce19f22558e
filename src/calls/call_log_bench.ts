/**
 * What the call log costs a tool call: `deno bench --allow-read src/calls/call_log_bench.ts`.
 * `record` is all a call pays on its own path; the batched write runs after the answer.
 *
 * @module
 */
import { createLogger } from "../log.ts";
import { BackgroundTasks } from "../util/background.ts";
import { CallLog } from "./call_log.ts";

const kv = await Deno.openKv(":memory:");
const background = new BackgroundTasks();
const log = new CallLog({
  kv,
  logger: createLogger("silent"),
  background,
  ttlMs: 60_000,
  maxPerTenant: 1000,
  logArgumentValues: false,
  flushDelayMs: 0,
});
const args = { email: "ada@example.com", name: "Ada Lovelace", status: "open" };
const call = {
  tool: "app-0_create-contact",
  chatId: "chat-1",
  sessionId: "0123456789abcdef",
  era: "sessions",
  status: "ok" as const,
  durationMs: 1.2,
  actionRunId: "arl_123",
  arguments: args,
};

Deno.bench("record 100 calls (the part on the calls' path)", async (b) => {
  b.start();
  for (let i = 0; i < 100; i++) log.record(`tenant-${i % 4}`, call);
  b.end();
  await background.drain();
});

Deno.bench("record and write 100 calls to KV (batched, in the background)", async () => {
  for (let i = 0; i < 100; i++) log.record(`tenant-${i % 4}`, call);
  await background.drain();
});
