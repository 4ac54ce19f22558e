import assert from "node:assert/strict";
import { CIRCUIT_OPEN_KEY, CircuitBreaker } from "./circuit_breaker.ts";
import { UpstreamError } from "./errors.ts";
import { rejection } from "../util/testdata/rejection.ts";

function clock(start = 1_000_000): { now: () => number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

const outage = (): Promise<never> =>
  Promise.reject(new UpstreamError("unavailable", "Integration.app answered HTTP 503"));
const timeout = (): Promise<never> =>
  Promise.reject(new UpstreamError("timeout", "Integration.app did not answer"));
const refused = (): Promise<never> =>
  Promise.reject(new UpstreamError("auth", "Not authenticated"));

function failure(promise: Promise<unknown>): Promise<UpstreamError> {
  return rejection(promise, UpstreamError);
}

Deno.test("the circuit opens after the threshold of consecutive outages and fails fast", async () => {
  const time = clock();
  const breaker = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 10_000, now: time.now });
  await failure(breaker.run(outage));
  await failure(breaker.run(timeout));
  assert.equal(breaker.state, "closed");
  await failure(breaker.run(outage));
  assert.equal(breaker.state, "open");

  let called = false;
  const fast = await failure(breaker.run(() => {
    called = true;
    return Promise.resolve("never");
  }));
  assert.equal(called, false);
  assert.equal(fast.kind, "unavailable");
  assert.equal(fast.key, CIRCUIT_OPEN_KEY);
  assert.equal(fast.retryAfterSeconds, 10);
  assert.match(fast.message, /Integration.app is unavailable: 3 calls in a row failed/);

  time.advance(4_000);
  assert.equal((await failure(breaker.run(outage))).retryAfterSeconds, 6);
});

Deno.test("a success or a refused call in between resets the count of outages", async () => {
  const breaker = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 1000 });
  await failure(breaker.run(outage));
  assert.equal(await breaker.run(() => Promise.resolve(1)), 1);
  await failure(breaker.run(outage));
  await failure(breaker.run(refused));
  await failure(breaker.run(outage));
  assert.equal(breaker.state, "closed");
});

Deno.test("after the cooldown one probe goes through and its success closes the circuit", async () => {
  const time = clock();
  const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 5_000, now: time.now });
  await failure(breaker.run(outage));
  assert.equal(breaker.state, "open");
  time.advance(5_000);
  assert.equal(breaker.state, "half_open");

  let release = (): void => {};
  const probe = breaker.run(() => new Promise<string>((resolve) => release = () => resolve("ok")));
  // While the probe is out, other calls still fail fast.
  const waiting = await failure(breaker.run(() => Promise.resolve("other")));
  assert.equal(waiting.key, CIRCUIT_OPEN_KEY);
  release();
  assert.equal(await probe, "ok");
  assert.equal(breaker.state, "closed");
  assert.equal(await breaker.run(() => Promise.resolve("again")), "again");
});

Deno.test("a failed probe opens the circuit for another cooldown", async () => {
  const time = clock();
  const breaker = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 5_000, now: time.now });
  await failure(breaker.run(outage));
  await failure(breaker.run(outage));
  time.advance(5_000);
  const probe = await failure(breaker.run(timeout));
  assert.equal(probe.kind, "timeout");
  assert.equal(breaker.state, "open");
  const fast = await failure(breaker.run(() => Promise.resolve("never")));
  assert.equal(fast.key, CIRCUIT_OPEN_KEY);
  assert.equal(fast.retryAfterSeconds, 5);
});
