import assert from "node:assert/strict";
import { LimitExceededError } from "./limit_error.ts";
import {
  addressKey,
  ChecksBusyError,
  UnverifiedLimits,
  type UnverifiedLimitsOptions,
} from "./unverified.ts";

/** Limits of one request a second, bursts of one, one check at a time, unless `options` say. */
function limitsWith(options: Partial<UnverifiedLimitsOptions> = {}): UnverifiedLimits {
  return new UnverifiedLimits({
    perSecond: 1,
    burst: 1,
    concurrentChecks: 1,
    now: () => 0,
    ...options,
  });
}

Deno.test("unverified requests are limited per address, with their own burst and refill", () => {
  let now = 0;
  const limits = limitsWith({ perSecond: 2, burst: 3, now: () => now });
  for (let i = 0; i < 3; i++) limits.charge("10.0.0.1");
  assert.throws(() => limits.charge("10.0.0.1"), LimitExceededError);
  limits.charge("10.0.0.2"); // another address has its own bucket
  now += 500; // one token back
  limits.charge("10.0.0.1");
  assert.throws(
    () => limits.charge("10.0.0.1"),
    (error: LimitExceededError) =>
      error.retryAfterSeconds === 1 && /at most 2 per second \(bursts of 3\)/.test(error.message),
  );
});

Deno.test("an IPv6 address is limited by its /64, an IPv4 one by itself", () => {
  assert.equal(addressKey("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  assert.equal(addressKey("[2001:0db8:0001:0002:ffff:0:0:9]"), "2001:db8:1:2::/64");
  assert.equal(addressKey("2001:db8::1"), "2001:db8:0:0::/64");
  assert.equal(addressKey("::1"), "0:0:0:0::/64");
  assert.equal(addressKey("::ffff:192.0.2.7"), "192.0.2.7");
  assert.equal(addressKey("192.0.2.7"), "192.0.2.7");
  const limits = limitsWith();
  limits.charge("2001:db8:1:2::a");
  assert.throws(() => limits.charge("2001:db8:1:2::b"), LimitExceededError);
});

Deno.test("token checks run a few at a time, and a full queue is refused", async () => {
  const limits = limitsWith({ concurrentChecks: 2, maxQueuedChecks: 3 });
  let running = 0;
  let peak = 0;
  const gates: (() => void)[] = [];
  const check = () =>
    limits.check(async () => {
      peak = Math.max(peak, ++running);
      await new Promise<void>((resolve) => gates.push(resolve));
      running--;
    });
  const admitted = Array.from({ length: 5 }, check); // 2 run, 3 wait
  await assert.rejects(check(), ChecksBusyError);
  while (gates.length > 0 || limits.running > 0) {
    gates.shift()?.();
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(admitted);
  assert.equal(peak, 2);
  assert.equal(limits.running, 0);
});

Deno.test("a count given back (an accepted token) frees its place at once", () => {
  const limits = limitsWith({ burst: 2 });
  for (let i = 0; i < 10; i++) limits.charge("10.0.0.1")(); // each accepted
  const refund = limits.charge("10.0.0.1");
  limits.charge("10.0.0.1"); // refused: stays counted
  assert.throws(() => limits.charge("10.0.0.1"), LimitExceededError);
  refund();
  refund(); // a second call gives nothing more
  limits.charge("10.0.0.1");
  assert.throws(() => limits.charge("10.0.0.1"), LimitExceededError);
});
