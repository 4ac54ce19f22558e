import assert from "node:assert/strict";
import { malformedTokenReason } from "./auth.ts";

Deno.test("any plausible bearer token is well-formed, whatever its kind", () => {
  for (
    const token of [
      "eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ3cyIsImlkIjoiYSJ9.c2lnbmF0dXJl", // a JWT
      "pat-4f1c2a9e0b7d4c3a8e6f5d2c1b0a9f8e", // a personal access token
      "ya29.a0AfB_byC-opaque~token+/==", // an OAuth access token
      "a".repeat(16 * 1024),
    ]
  ) {
    assert.equal(malformedTokenReason(token), undefined, token.slice(0, 30));
  }
});

Deno.test("a token outside the bearer syntax or length is malformed, and says why", () => {
  assert.match(malformedTokenReason("short") ?? "", /shorter than 16/);
  assert.match(malformedTokenReason("a".repeat(16 * 1024 + 1)) ?? "", /longer than 16384/);
  for (
    const token of [
      'abcdefghijklmnop"',
      "abcdefghijklmnop,q",
      "abcdefghijklmnopé",
      "a=bcdefghijklmnopq",
    ]
  ) {
    assert.match(malformedTokenReason(token) ?? "", /RFC 6750/, token);
  }
});
