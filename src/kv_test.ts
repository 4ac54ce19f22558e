import assert from "node:assert/strict";
import { isTransientStorageError, retryLockContention, withLockRetry } from "./kv.ts";

const locked = () => new Error("database is locked");
const noSleep = () => Promise.resolve();

Deno.test("an operation refused for lock contention is retried until it succeeds", async () => {
  let attempts = 0;
  const value = await withLockRetry(() => {
    attempts++;
    return attempts < 3 ? Promise.reject(locked()) : Promise.resolve("done");
  }, noSleep);
  assert.equal(value, "done");
  assert.equal(attempts, 3);
});

Deno.test("other errors are not retried, and contention that lasts is reported", async () => {
  let attempts = 0;
  await assert.rejects(
    withLockRetry(() => {
      attempts++;
      return Promise.reject(new TypeError("Key too large"));
    }, noSleep),
    TypeError,
  );
  assert.equal(attempts, 1);
  await assert.rejects(withLockRetry(() => Promise.reject(locked()), noSleep), (error) => {
    return isTransientStorageError(error);
  });
});

Deno.test("an atomic commit refused for lock contention is committed again", async () => {
  await using real = await Deno.openKv(":memory:");
  let refusals = 2;
  const flaky = new Proxy(real, {
    get(target, property) {
      if (property !== "atomic") return Reflect.get(target, property, target).bind(target);
      return () => {
        const operation = target.atomic();
        const commit = operation.commit.bind(operation);
        operation.commit = () => refusals-- > 0 ? Promise.reject(locked()) : commit();
        return operation;
      };
    },
  });
  const kv = retryLockContention(flaky);
  const result = await kv.atomic().check({ key: ["k"], versionstamp: null }).set(["k"], 1)
    .commit();
  assert.equal(result.ok, true);
  assert.equal(refusals, -1);
  assert.equal((await kv.get(["k"])).value, 1);
});
