import assert from "node:assert/strict";
import { createBufferedSink, type SyncWriter } from "./log_sink.ts";

/** A writer that records each write and accepts at most `chunk` bytes per call. */
function recorder(chunk = Infinity): SyncWriter & { writes: string[] } {
  const writes: string[] = [];
  const decoder = new TextDecoder();
  return {
    writes,
    writeSync(bytes) {
      const n = Math.min(bytes.length, chunk);
      writes.push(decoder.decode(bytes.subarray(0, n)));
      return n;
    },
  };
}

Deno.test("info lines are written together in one write after a short delay", async () => {
  const out = recorder();
  const err = recorder();
  const { sink, flush } = createBufferedSink({ out, err, maxDelayMs: 5 });
  sink('{"n":1}', "info");
  sink('{"n":2}', "debug");
  assert.deepEqual(out.writes, [], "nothing written yet");
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.deepEqual(out.writes, ['{"n":1}\n{"n":2}\n']);
  flush();
  assert.equal(out.writes.length, 1, "an empty buffer writes nothing");
});

Deno.test("by default info lines wait up to 50 ms, so a busy server writes a few times a second", async () => {
  const out = recorder();
  const { sink, flush } = createBufferedSink({ out, err: recorder() });
  sink("a", "info");
  // A timer never fires early: at 25 ms the line still waits.
  await new Promise((resolve) => setTimeout(resolve, 25));
  assert.deepEqual(out.writes, []);
  sink("b", "info");
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.deepEqual(out.writes, ["a\nb\n"], "both in one write");
  flush();
});

Deno.test("a warning goes out at once, after the lines logged before it", () => {
  const out = recorder();
  const err = recorder();
  const { sink } = createBufferedSink({ out, err, maxDelayMs: 60_000 });
  sink("a", "info");
  sink("b", "warn");
  assert.deepEqual(out.writes, ["a\n"]);
  assert.deepEqual(err.writes, ["b\n"]);
});

Deno.test("a full buffer is written at once, whole even through short writes", () => {
  const out = recorder(3);
  const { sink } = createBufferedSink({ out, err: recorder(), maxDelayMs: 60_000, maxChars: 8 });
  sink("1234", "info");
  assert.deepEqual(out.writes, []);
  sink("5678", "info");
  assert.equal(out.writes.join(""), "1234\n5678\n");
});

Deno.test("flush writes what is buffered and cancels the pending write", () => {
  const out = recorder();
  const { sink, flush } = createBufferedSink({ out, err: recorder(), maxDelayMs: 60_000 });
  sink("x", "info");
  flush();
  assert.deepEqual(out.writes, ["x\n"]);
});
