import assert from "node:assert/strict";
import { LimitExceededError } from "./limit_error.ts";
import { SessionCap } from "./session_cap.ts";
import { rejection } from "../util/testdata/rejection.ts";

function setup(live: Map<string, number>, maxSessions = 3) {
  let t = 0;
  const counts: string[] = [];
  const background: Promise<unknown>[] = [];
  const cap = new SessionCap({
    maxSessions,
    count: (tenant, limit) => {
      counts.push(tenant);
      return Promise.resolve(Math.min(limit, live.get(tenant) ?? 0));
    },
    background: (task) => void background.push(task),
    now: () => t,
  });
  return {
    cap,
    counts,
    background,
    advance: (ms: number) => void (t += ms),
    /** Admits and records one session, as the endpoint does. */
    open: async (tenant: string) => {
      await cap.admit(tenant);
      live.set(tenant, (live.get(tenant) ?? 0) + 1);
      cap.created(tenant);
    },
  };
}

function refusal(promise: Promise<unknown>): Promise<LimitExceededError> {
  return rejection(promise, LimitExceededError);
}

Deno.test("a tenant at its session cap is refused, without a count per session", async () => {
  const live = new Map<string, number>();
  const s = setup(live);
  await s.open("alice");
  await s.open("alice");
  await s.open("alice");
  assert.deepEqual(s.counts, ["alice"]);
  const error = await refusal(s.cap.admit("alice"));
  assert.equal(error.retryAfterSeconds, 60);
  assert.match(error.message, /^Too many live sessions: this customer holds 3 of the 3 allowed/);
  assert.match(error.message, /never evicted/);
  await s.open("bob");
});

Deno.test("a refusal is recounted at most once a second, and a freed slot is found", async () => {
  const live = new Map([["alice", 3]]);
  const s = setup(live);
  await refusal(s.cap.admit("alice"));
  await refusal(s.cap.admit("alice"));
  assert.equal(s.counts.length, 1);
  live.set("alice", 2); // a session ended (possibly on another instance)
  await refusal(s.cap.admit("alice"));
  s.advance(1000);
  await s.open("alice");
  assert.equal(s.counts.length, 2);
});

Deno.test("an old estimate is recounted in the background below half the cap, in line above", async () => {
  const live = new Map<string, number>();
  const s = setup(live, 4);
  await s.open("alice");
  s.advance(10_000);
  await s.open("alice"); // 1 of 4: recount in the background
  assert.equal(s.background.length, 1);
  await Promise.all(s.background);
  live.set("alice", 4); // another instance opened two more
  s.advance(10_000);
  // 2 of 4 is half: this admission waits for the count and sees the other instance's sessions.
  await refusal(s.cap.admit("alice"));
  assert.equal(s.counts.length, 3);
});

Deno.test("admissions waiting for the same count hold slots, and a failed creation frees one", async () => {
  let release!: () => void;
  const counted = new Promise<void>((resolve) => release = resolve);
  const cap = new SessionCap({
    maxSessions: 3,
    count: async () => {
      await counted;
      return 0;
    },
  });
  const admissions = Array.from({ length: 10 }, () => cap.admit("alice"));
  release();
  const results = await Promise.allSettled(admissions);
  assert.equal(results.filter((r) => r.status === "fulfilled").length, 3);
  for (const result of results.filter((r) => r.status === "rejected")) {
    assert.ok(result.reason instanceof LimitExceededError);
  }
  // Two sessions are created; the third creation fails and gives its slot back.
  cap.created("alice");
  cap.created("alice");
  await refusal(cap.admit("alice"));
  cap.release("alice");
  await cap.admit("alice");
  await refusal(cap.admit("alice"));
});
