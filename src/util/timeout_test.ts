import assert from "node:assert/strict";
import { deadline, withTimeout } from "./timeout.ts";

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
