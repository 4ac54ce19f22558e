/**
 * Structured JSON-lines logging. Callers pass fields, never tokens: the logger also drops
 * any field whose name looks like a credential, as a second line of defence.
 *
 * @module
 */
import type { LogLevel } from "./config.ts";
import { clip } from "./util/text.ts";

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };
const SECRET_FIELD = /token|authorization|secret|password|cookie/i;
/** Longest string field (or error message) written: request data must not flood the log. */
const MAX_FIELD_CHARS = 2_000;

/** Fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/** A minimal structured logger. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** Where log lines go; defaults to stdout/stderr. */
export type LogSink = (line: string, level: LogLevel) => void;

function defaultSink(line: string, level: LogLevel): void {
  // deno-lint-ignore no-console
  (level === "error" || level === "warn" ? console.error : console.log)(line);
}

function redact(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (SECRET_FIELD.test(key)) out[key] = "[redacted]";
    else if (value instanceof Error) {
      out[key] = clip(`${value.name}: ${value.message}`, MAX_FIELD_CHARS);
    } else if (typeof value === "string") out[key] = clip(value, MAX_FIELD_CHARS);
    else out[key] = value;
  }
  return out;
}

/** Creates a logger that writes one JSON object per line at or above `level`. */
export function createLogger(level: LogLevel, sink: LogSink = defaultSink): Logger {
  const threshold = ORDER[level];
  const write = (lineLevel: LogLevel, message: string, fields?: LogFields): void => {
    if (ORDER[lineLevel] < threshold) return;
    const entry = {
      time: new Date().toISOString(),
      level: lineLevel,
      msg: message,
      ...(fields ? redact(fields) : {}),
    };
    sink(JSON.stringify(entry), lineLevel);
  };
  return {
    debug: (message, fields) => write("debug", message, fields),
    info: (message, fields) => write("info", message, fields),
    warn: (message, fields) => write("warn", message, fields),
    error: (message, fields) => write("error", message, fields),
  };
}
