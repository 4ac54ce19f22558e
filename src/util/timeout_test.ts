import assert from "node:assert/strict";
import { deadline, DEADLINE_TICK_MS, SHARED_DEADLINE_MS, withTimeout } from "./timeout.ts";

Deno.test("a task that answers in time gives its value and leaves no timer behind", async () => {
  assert.equal(await withTimeout(() => Promise.resolve(42), 1_000, () => new Error("late")), 42);
});

Deno.test("a task still running at the deadline rejects with the given error and sees its signal aborted", async () => {
  let seen: AbortSignal | undefined;
  let release = (): void => {};
  const late = new Error("late");
  const running = withTimeout(
    (signal) => {
      seen = signal;
      return new Promise<never>((_, reject) => {
        release = () => reject(new Error("released"));
      });
    },
    5,
    () => late,
  );
  await assert.rejects(running, (error) => error === late);
  assert.equal(seen?.aborted, true);
  assert.equal(seen?.reason, late);
  release();
});

Deno.test("a deadline without a finite length never expires", async () => {
  const limit = deadline(Number.POSITIVE_INFINITY, () => new Error("late"));
  const outcome = await Promise.race([
    limit.expired.then(() => "expired", () => "expired"),
    new Promise((resolve) => setTimeout(() => resolve("pending"), 5)),
  ]);
  assert.equal(outcome, "pending");
  limit.clear();
});

Deno.test("deadlines of a second or more sharing a timer each expire on time, or two ticks later at most", async () => {
  const started = performance.now();
  const first = deadline(SHARED_DEADLINE_MS, () => new Error("first"));
  const cleared = deadline(SHARED_DEADLINE_MS + 1, () => new Error("cleared"));
  const second = deadline(SHARED_DEADLINE_MS + 2, () => new Error("second"));
  cleared.clear();
  const outcome = (limit: typeof first) =>
    limit.expired.then(() => "resolved", (error: Error) => ({
      message: error.message,
      at: performance.now() - started,
    }));
  const [a, b, c] = await Promise.all([
    outcome(first),
    Promise.race([outcome(cleared), outcome(second).then(() => "pending")]),
    outcome(second),
  ]);
  assert.equal(b, "pending");
  for (const [result, name, ms] of [[a, "first", 0], [c, "second", 2]] as const) {
    assert.ok(typeof result === "object");
    assert.equal(result.message, name);
    assert.ok(result.at >= SHARED_DEADLINE_MS + ms - 1, `${name} expired early: ${result.at}`);
    assert.ok(
      result.at < SHARED_DEADLINE_MS + ms + 2 * DEADLINE_TICK_MS + 200,
      `${name}: ${result.at}`,
    );
  }
  first.clear();
  second.clear();
});

Deno.test("calling off every shared deadline leaves no timer behind", () => {
  // The test's op sanitizer fails it if a timer is left running.
  const limits = Array.from({ length: 5 }, (_, i) => deadline(30_000 + i, () => new Error("late")));
  for (const limit of limits) {
    limit.expired.catch(() => {});
    limit.clear();
  }
  const short = deadline(SHARED_DEADLINE_MS - 1, () => new Error("late"));
  short.clear();
});
