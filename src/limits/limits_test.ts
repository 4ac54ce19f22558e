import assert from "node:assert/strict";
import { loadConfig } from "../config.ts";
import { createLogger } from "../log.ts";
import { BackgroundTasks } from "../util/background.ts";
import { LimitExceededError } from "./limit_error.ts";
import { configuredLimits, Limits } from "./limits.ts";

Deno.test("the default limits let a customer sustain 300 requests and tool calls per second", async () => {
  const config = loadConfig({});
  assert.ok(config.maxSessionsPerTenant >= 1000);
  using kv = await Deno.openKv(":memory:");
  let t = 0;
  const background = new BackgroundTasks();
  const limits = new Limits({
    kv,
    logger: createLogger("silent"),
    background,
    ...configuredLimits(config),
    countSessions: () => Promise.resolve(0),
    now: () => t,
  });
  // 60 s at 300 requests per second, each one a tool call, evenly spread.
  for (let i = 0; i < 60 * 300; i++) {
    t += 1000 / 300;
    limits.checkRequest("alice");
    limits.checkToolCalls("alice", 1);
  }
  await background.drain();
  // A runaway agent is stopped.
  assert.throws(() => {
    for (let i = 0; i < 10_000; i++) limits.checkRequest("alice");
  }, LimitExceededError);
});
