/**
 * A log sink that batches lines: info and debug lines are written together at most every few
 * milliseconds, in one write, instead of one blocking write (`console.log`) per line. Under
 * load a pipe write per request line cost the server more CPU than its KV session read.
 * Warnings and errors are written at once (after the lines buffered before them).
 *
 * @module
 */
import type { LogLevel } from "./config.ts";
import type { LogSink } from "./log.ts";

/** Where bytes go: a synchronous writer such as `Deno.stdout`. */
export interface SyncWriter {
  writeSync(bytes: Uint8Array): number;
}

/** Options of `createBufferedSink`. */
export interface BufferedSinkOptions {
  /** Info and debug lines (default: stdout). */
  out?: SyncWriter;
  /** Warnings and errors (default: stderr). */
  err?: SyncWriter;
  /** Longest time a line waits in the buffer, in ms (default 50). */
  maxDelayMs?: number;
  /** Buffered characters that trigger a write at once. */
  maxChars?: number;
}

/** A sink and the function that writes what it holds. */
export interface BufferedSink {
  sink: LogSink;
  /** Writes the buffered lines now (call before the process exits). */
  flush(): void;
}

const encoder = new TextEncoder();

function writeAll(writer: SyncWriter, text: string): void {
  const bytes = encoder.encode(text);
  for (let offset = 0; offset < bytes.length;) {
    offset += writer.writeSync(bytes.subarray(offset));
  }
}

/** Creates a batching sink; see the module documentation. */
export function createBufferedSink(options: BufferedSinkOptions = {}): BufferedSink {
  const out = options.out ?? Deno.stdout;
  const err = options.err ?? Deno.stderr;
  const maxDelayMs = options.maxDelayMs ?? 50;
  const maxChars = options.maxChars ?? 64 * 1024;
  let buffer: string[] = [];
  let chars = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const flush = (): void => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (buffer.length === 0) return;
    const text = buffer.join("\n") + "\n";
    buffer = [];
    chars = 0;
    try {
      writeAll(out, text);
    } catch {
      // A closed stdout must not fail the request that logged.
    }
  };

  const sink = (line: string, level: LogLevel): void => {
    if (level === "warn" || level === "error") {
      flush();
      try {
        writeAll(err, line + "\n");
      } catch {
        // As above.
      }
      return;
    }
    buffer.push(line);
    chars += line.length;
    if (chars >= maxChars) flush();
    else if (timer === undefined) {
      const pending = setTimeout(flush, maxDelayMs);
      // A pending write never keeps the process alive on its own.
      Deno.unrefTimer(pending);
      timer = pending;
    }
  };
  return { sink, flush };
}
