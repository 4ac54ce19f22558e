/**
 * Test helper: the error a promise rejects with, for tests that check more than its class.
 *
 * @module
 */
import assert from "node:assert/strict";

/** The error `promise` rejects with, which must be a `type`; the test fails if it resolves. */
export async function rejection<E extends Error>(
  promise: Promise<unknown>,
  // deno-lint-ignore no-explicit-any
  type: new (...args: any[]) => E,
): Promise<E> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof type, `Expected a ${type.name}, got ${error}`);
    return error;
  }
  assert.fail(`Expected a ${type.name}, but the promise resolved`);
}
