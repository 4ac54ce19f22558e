import assert from "node:assert/strict";
import { TokenBucket } from "./token_bucket.ts";

Deno.test("a token bucket allows a burst, then refills at its rate", () => {
  const bucket = new TokenBucket(10, 5, 0);
  for (let i = 0; i < 5; i++) assert.equal(bucket.take(1, 0), 0);
  assert.equal(bucket.take(1, 0), 100);
  assert.equal(bucket.take(1, 50), 50);
  assert.equal(bucket.take(1, 100), 0);
  assert.equal(bucket.available(10_000), 5);
});

Deno.test("spending seen elsewhere drains the bucket, at most one burst into debt", () => {
  const bucket = new TokenBucket(10, 5, 0);
  bucket.drain(3, 0);
  assert.equal(bucket.available(0), 2);
  bucket.drain(100, 0);
  assert.equal(bucket.available(0), -5);
  assert.equal(bucket.take(1, 0), 600);
  assert.equal(bucket.take(1, 600), 0);
});
