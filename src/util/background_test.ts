import assert from "node:assert/strict";
import { BackgroundTasks } from "./background.ts";

Deno.test("a deferred task waits its idle time before it goes on", async () => {
  const background = new BackgroundTasks();
  let done = false;
  background.run(background.idle(30).then(() => done = true), () => {});
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(done, false, "still waiting");
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal(done, true);
});

Deno.test("a drain ends idle waits at once, so shutdown never waits for deferred work", async () => {
  const background = new BackgroundTasks();
  let stored = false;
  background.run(background.idle(60_000).then(() => stored = true), () => {});
  const started = performance.now();
  await background.drain();
  assert.equal(stored, true, "the deferred work ran before the drain resolved");
  assert.ok(performance.now() - started < 1_000);
});

Deno.test("work deferred while a drain runs does not wait", async () => {
  const background = new BackgroundTasks();
  let second = false;
  // The first task defers a second one once the drain has woken it.
  background.run(
    background.idle(60_000).then(() =>
      background.run(background.idle(60_000).then(() => second = true), () => {})
    ),
    () => {},
  );
  const started = performance.now();
  await background.drain();
  assert.equal(second, true);
  assert.ok(performance.now() - started < 1_000);
});
